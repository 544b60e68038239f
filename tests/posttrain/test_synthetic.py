"""Generated tasks: determinism, splits, formats and their verifiers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from localmodel.data.synthetic.generate import GENERATORS, SynthConfig, generate, generate_family
from localmodel.data.synthetic.records import NO_THINK, THINK, read_records
from localmodel.data.synthetic.verify import verify
from localmodel.posttrain.pairs import corrupt
from specify.errors import ConfigError


def test_generation_is_deterministic(tmp_path: Path) -> None:
    config = SynthConfig(counts={"arithmetic": 5, "json": 5}, seed=9)
    generate(tmp_path / "a", config)
    generate(tmp_path / "b", config)
    first = (tmp_path / "a" / "train.jsonl").read_bytes()
    assert first == (tmp_path / "b" / "train.jsonl").read_bytes()


def test_family_ignores_other_counts() -> None:
    alone = generate_family("json", 4, SynthConfig(counts={"json": 4}, seed=2))
    mixed = generate_family("json", 4, SynthConfig(counts={"json": 4, "code": 9}, seed=2))
    assert [t[0].messages for t in alone] == [t[0].messages for t in mixed]


def test_heldout_prompts_never_trained(synth_data: Path) -> None:
    train = {r.messages[1]["content"] for r in read_records(synth_data / "train.jsonl")}
    heldout = {r.messages[1]["content"] for r in read_records(synth_data / "heldout.jsonl")}
    assert heldout
    assert not train & heldout


def test_every_family_has_both_modes(synth_data: Path) -> None:
    manifest = json.loads((synth_data / "manifest.json").read_text())
    for family in GENERATORS:
        assert manifest["train"][f"{family}/{THINK}"] == manifest["train"][f"{family}/{NO_THINK}"]


def test_system_flag_matches_mode(synth_data: Path) -> None:
    for record in read_records(synth_data / "train.jsonl"):
        flag = "/think" if record.mode == THINK else "/no_think"
        assert record.messages[0]["content"].startswith(flag), record.id


def test_think_replies_open_think_block(synth_data: Path) -> None:
    for record in read_records(synth_data / "train.jsonl"):
        opens = record.first_reply().startswith("<think>\n")
        assert opens == (record.mode == THINK), record.id


def test_reference_replies_pass_verifiers(synth_data: Path) -> None:
    for record in read_records(synth_data / "train.jsonl"):
        verdict = verify(record, record.first_reply())
        assert verdict is not None
        assert verdict.reward == 1.0, record.id


def test_corrupted_replies_fail_verifiers(synth_data: Path) -> None:
    rng = random.Random(0)
    for record in read_records(synth_data / "train.jsonl"):
        verdict = verify(record, corrupt(record, record.first_reply(), rng))
        assert verdict.reward < 1.0, record.id


def test_spec_tasks_cover_stage_schemas(synth_data: Path) -> None:
    stages = {r.verifier["stage"] for r in read_records(synth_data / "train.jsonl")
              if r.family == "spec"}
    assert len(stages) >= 3


def test_traces_render_think_records(synth_data: Path) -> None:
    lines = (synth_data / "traces.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    assert all("Reasoning Mode: /think" in text for text in texts)


def test_existing_output_is_rejected(tmp_path: Path) -> None:
    generate(tmp_path / "d", SynthConfig(counts={"arithmetic": 2}))
    with pytest.raises(ConfigError, match="already exists"):
        generate(tmp_path / "d", SynthConfig(counts={"arithmetic": 2}))


def test_user_jsonl_without_messages_rejected(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text('{"text": "no messages"}\n')
    with pytest.raises(ConfigError, match="mine.jsonl:1"):
        read_records(path)


def test_user_jsonl_reads_mode_from_flag(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    line = {"messages": [{"role": "system", "content": "/no_think"},
                         {"role": "user", "content": "hi"},
                         {"role": "assistant", "content": "hello"}]}
    path.write_text(json.dumps(line) + "\n")
    (record,) = read_records(path)
    assert record.mode == NO_THINK
    assert record.verifier is None


@pytest.mark.parametrize("reply, reward", [
    ('{"age": 3}', 1.0), ('{"age": 4}', 0.5), ('{"age": "3"}', 0.0), ("{'age': 3}", 0.0),
])
def test_json_verifier_partial_credit(reply: str, reward: float) -> None:
    from localmodel.data.synthetic.verify import verify_json

    schema = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}
    assert verify_json(reply, schema, {"age": 3}).reward == reward


def test_number_verifier_reads_last_number() -> None:
    from localmodel.data.synthetic.verify import verify_number

    assert verify_number("<think>\n3 + 4 = 7\n</think>\n7", 7).reward == 1.0
    assert verify_number("<think>\n3 + 4 = 7\n</think>\n8", 7).reward == 0.0
