"""Compute planning, pinned on SmolLM3's published pretraining run."""

from __future__ import annotations

import pytest

from localmodel.plan import compute_optimal, parse_count, plan_run, training_flops
from specify.errors import UsageError

PARAMS, TOKENS = 3.08e9, 11.2e12  # SmolLM3-3B, 11.2T tokens


def test_six_n_d_for_smollm3() -> None:
    assert training_flops(PARAMS, TOKENS) == pytest.approx(2.0698e23, rel=1e-4)


def test_playbook_gpu_hours_imply_21_percent() -> None:
    plan = plan_run(PARAMS, TOKENS, "h100", 384, mfu=None, gpu_hours=276_480)
    assert plan.implied_mfu_6nd == pytest.approx(0.2103, abs=5e-4)


def test_release_notes_imply_26_percent() -> None:
    plan = plan_run(PARAMS, TOKENS, "h100", 384, mfu=None, gpu_hours=384 * 24 * 24)
    assert plan.implied_mfu_6nd == pytest.approx(0.2628, abs=5e-4)


def test_attention_term_adds_compute() -> None:
    plan = plan_run(PARAMS, TOKENS, "h100", 384, mfu=None, gpu_hours=384 * 24 * 24,
                    n_layers=36, hidden_size=2048, seq_len=4096)
    assert plan.flops == pytest.approx(6 * PARAMS * TOKENS + 12 * 36 * 2048 * 4096 * TOKENS)
    assert plan.implied_mfu == pytest.approx(0.314, abs=1e-3)


def test_time_from_assumed_mfu() -> None:
    plan = plan_run(PARAMS, TOKENS, "h100", 384, mfu=0.2628)
    assert plan.days == pytest.approx(24.0, rel=1e-3)
    assert plan.gpu_hours == pytest.approx(221_184, rel=1e-3)


def test_compute_optimal_twenty_tokens_per_param() -> None:
    result = compute_optimal(6 * 20 * 1e9**2)
    assert result["params"] == pytest.approx(1e9)
    assert result["tokens"] == pytest.approx(20e9)


@pytest.mark.parametrize("text, value", [
    ("3.08B", 3.08e9), ("11.2T", 11.2e12), ("45M", 45e6), ("2.5e23", 2.5e23), ("276_480", 276480),
])
def test_parse_count_units(text: str, value: float) -> None:
    assert parse_count(text) == pytest.approx(value)


def test_unknown_gpu_rejected() -> None:
    with pytest.raises(UsageError, match="h100"):
        plan_run(PARAMS, TOKENS, "tpu-v9", 1)


def test_mfu_out_of_range_rejected() -> None:
    with pytest.raises(UsageError, match="MFU"):
        plan_run(PARAMS, TOKENS, "h100", 1, mfu=1.5)
