"""Chat tokenisation: the loss mask covers assistant text only, and packing keeps rows whole."""

from __future__ import annotations

from pathlib import Path

from localmodel.data.loader import IGNORE_INDEX
from localmodel.data.synthetic.records import NO_THINK, THINK, ChatRecord, read_records
from localmodel.posttrain.chatdata import collate, encode_record, pack_best_fit


def _trained_text(record: ChatRecord, tokenizer) -> str:  # noqa: ANN001
    encoded = encode_record(record, tokenizer)
    kept = [t for t, keep in zip(encoded.ids, encoded.loss_mask, strict=True) if keep]
    return tokenizer.decode(kept, skip_special_tokens=False)


def _first(records: list[ChatRecord], family: str, mode: str) -> ChatRecord:
    return next(r for r in records if r.family == family and r.mode == mode)


def test_think_reply_is_all_trained(synth_data: Path, chat_tokenizer) -> None:  # noqa: ANN001
    record = _first(read_records(synth_data / "train.jsonl"), "arithmetic", THINK)
    assert _trained_text(record, chat_tokenizer) == record.first_reply() + "<|im_end|>"


def test_prefilled_empty_think_untrained(synth_data: Path, chat_tokenizer) -> None:  # noqa: ANN001
    record = _first(read_records(synth_data / "train.jsonl"), "json", NO_THINK)
    trained = _trained_text(record, chat_tokenizer)
    assert "<think>" not in trained
    assert trained == record.messages[-1]["content"] + "<|im_end|>"


def test_prompt_and_tool_results_untrained(synth_data: Path, chat_tokenizer) -> None:  # noqa: ANN001
    record = _first(read_records(synth_data / "train.jsonl"), "tool_call", NO_THINK)
    trained = _trained_text(record, chat_tokenizer)
    assert "<tool_call>" in trained
    assert "<tool_response>" not in trained
    assert record.messages[1]["content"] not in trained
    assert trained.endswith(record.messages[-1]["content"] + "<|im_end|>")


def test_packing_fits_and_keeps_sequences() -> None:
    sequences = [([i] * n, [i] * n) for i, n in enumerate([7, 5, 4, 3, 3, 2, 9])]
    rows, dropped = pack_best_fit(sequences, 10)
    assert dropped == 0
    assert all(len(row.inputs) <= 10 for row in rows)
    assert sorted(t for row in rows for t in row.inputs) == sorted(t for s, _ in sequences for t in s)
    assert len(rows) == 4  # 33 tokens need at least 4 rows of 10


def test_packing_drops_overlong_sequence() -> None:
    rows, dropped = pack_best_fit([([1] * 12, [1] * 12), ([2] * 3, [2] * 3)], 10)
    assert dropped == 1
    assert rows[0].inputs == [2, 2, 2]


def test_document_ids_restart_per_sequence() -> None:
    rows, _ = pack_best_fit([([1, 1], [1, 1]), ([2, 2, 2], [2, 2, 2])], 10)
    assert rows[0].doc_ids == [0, 0, 0, 1, 1]


def test_collate_pads_without_loss() -> None:
    rows, _ = pack_best_fit([([5] * 4, [6] * 4), ([7] * 2, [8] * 2), ([9] * 4, [9] * 4)], 6)
    inputs, labels, doc_ids = collate(rows, pad_id=4)
    padded = inputs == 4
    assert padded.any()
    assert (labels[padded] == IGNORE_INDEX).all()
    assert (doc_ids[padded] == -1).all()


def test_cached_render_matches_shared(synth_data: Path) -> None:
    from localmodel.chat_template import render_chat as shared
    from localmodel.posttrain.chatdata import render_chat

    for record in read_records(synth_data / "train.jsonl")[:40]:
        assert render_chat(record.messages, record.tools) == shared(record.messages, record.tools)
        prompt = record.prompt_messages()
        assert render_chat(prompt, record.tools, True) == shared(prompt, record.tools, True)
