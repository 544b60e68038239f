"""Token and cost accounting."""

from __future__ import annotations

import pytest

from runtime.usage import Usage, UsageLedger, cost_usd
from specify.settings import Price

PRICE = Price(input_per_mtok=3.0, output_per_mtok=15.0, cached_per_mtok=0.3)


def test_cost_charges_cache_at_cached_rate():
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cached_tokens=400_000)

    assert cost_usd(usage, PRICE) == pytest.approx(0.6 * 3.0 + 0.4 * 0.3 + 0.1 * 15.0)


def test_cost_without_cached_rate_uses_input():
    price = Price(input_per_mtok=2.0, output_per_mtok=8.0)

    assert cost_usd(Usage(input_tokens=500_000, cached_tokens=500_000), price) == pytest.approx(1.0)


def test_unknown_model_has_no_cost():
    assert cost_usd(Usage(input_tokens=10), None) is None


def test_ledger_totals_per_stage():
    ledger = UsageLedger(prices={"claude-x": PRICE})
    ledger.record("plan", "claude-x", Usage(input_tokens=1000, output_tokens=100))
    ledger.record("plan", "claude-x", Usage(input_tokens=2000, output_tokens=200))
    ledger.record("tasks", "local.gguf", Usage(input_tokens=50, output_tokens=5))

    stages = ledger.by_stage()

    assert stages["plan"]["input_tokens"] == 3000
    assert stages["plan"]["cost_usd"] == pytest.approx((3000 * 3.0 + 300 * 15.0) / 1e6)
    assert stages["tasks"]["cost_usd"] is None
    assert ledger.total()["calls"] == 3
    assert ledger.total()["cost_usd"] is None


def test_estimated_usage_stays_marked():
    total = Usage(input_tokens=1) + Usage(output_tokens=2, exact=False)

    assert total.exact is False
    assert total.total_tokens == 3
