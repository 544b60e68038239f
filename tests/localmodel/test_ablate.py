"""Ablations: shared budget and seeds, a verdict against noise, a table and a plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.localmodel.pipeline_fixtures import Pipeline, pipeline, read_jsonl  # noqa: F401

torch = pytest.importorskip("torch")

from localmodel.ablate import apply_variant, parse_variant, run_ablation, summarise  # noqa: E402
from specify.errors import UsageError  # noqa: E402


def test_named_variant_overrides() -> None:
    variant = parse_variant("doc-mask-off")
    assert variant.changes == {"data": {"doc_masking": False}}


def test_custom_variant_parses_values() -> None:
    variant = parse_variant("wide:model.ffn_size=256,train.lr=0.01,model.qk_norm=true")
    assert variant.changes == {"model": {"ffn_size": 256, "qk_norm": True}, "train": {"lr": 0.01}}


def test_unknown_variant_rejected() -> None:
    with pytest.raises(UsageError, match="nope-off"):
        parse_variant("bigger")


def test_mha_uses_all_heads(pipeline: Pipeline) -> None:  # noqa: F811
    recipe = apply_variant(pipeline.recipe, parse_variant("mha"), seed=9)
    assert recipe.model.n_kv_heads == recipe.model.n_heads
    assert recipe.seed == 9


def test_verdict_needs_gap_beyond_noise() -> None:
    rows = [{"variant": "baseline", "seed": s, "val_bpb": v} for s, v in [(1, 2.00), (2, 2.02)]]
    rows += [{"variant": "a", "seed": s, "val_bpb": v} for s, v in [(1, 1.80), (2, 1.81)]]
    rows += [{"variant": "b", "seed": s, "val_bpb": v} for s, v in [(1, 2.01), (2, 2.00)]]
    verdicts = {s["variant"]: s["verdict"] for s in summarise(rows)}
    assert verdicts == {"baseline": "baseline", "a": "better", "b": "within noise"}


def test_two_variants_two_seeds(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    torch.set_num_threads(1)
    variants = [parse_variant("nope-off"), parse_variant("doc-mask-off")]
    result = run_ablation(pipeline.recipe, variants, [1, 2], tmp_path, max_steps=4)
    rows = read_jsonl(tmp_path / "results.jsonl")
    assert [(r["variant"], r["seed"]) for r in rows] == [
        (v, s) for v in ("baseline", "nope-off", "doc-mask-off") for s in (1, 2)]
    assert all(r["val_bpb"] > 0 for r in rows)
    assert {"acc_continuation", "acc_word-order"} <= set(rows[0])
    assert (tmp_path / "ablation.png").stat().st_size > 0
    assert "| nope-off | 2 |" in (tmp_path / "table.md").read_text()
    baseline = [r["val_bpb"] for r in rows if r["variant"] == "baseline"]
    assert baseline[0] != baseline[1]  # seeds change the run, so noise can be measured
    json.dumps(result)
    config = json.loads((tmp_path / "runs" / "nope-off-seed1" / "config.json").read_text())
    assert config["no_rope_interval"] == 0
