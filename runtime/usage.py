"""Token and cost accounting.

Every model call returns a :class:`Usage`. Cost is computed only from the user's price table
(``[prices."MODEL"]`` in the config, US dollars per million tokens); a model missing from the
table has tokens and no cost, never a guessed price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from specify.settings import Price


@dataclass(frozen=True)
class Usage:
    """Tokens of one call.

    ``input_tokens`` counts the whole prompt, cached part included; ``cached_tokens`` is the
    part read from the provider's prompt cache and ``cache_write_tokens`` the part written to
    it. ``exact`` is False when a count is an estimate (a server that returned no usage).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    exact: bool = True

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            exact=self.exact and other.exact,
        )

    def to_dict(self) -> dict[str, int | bool]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "exact": self.exact,
        }


def cost_usd(usage: Usage, price: Price | None) -> float | None:
    """Return the cost of ``usage`` in US dollars, or None when the model has no price.

    Cached input is charged at ``cached_per_mtok`` when the table sets it, else at the input
    price. NOTE: cache writes are charged at the input price; Anthropic bills them at 1.25x,
    so the cost of a call that fills the cache is slightly low.
    """
    if price is None:
        return None
    cached_rate = price.cached_per_mtok if price.cached_per_mtok is not None else price.input_per_mtok
    uncached = max(usage.input_tokens - usage.cached_tokens, 0)
    dollars = (
        uncached * price.input_per_mtok
        + usage.cached_tokens * cached_rate
        + usage.output_tokens * price.output_per_mtok
    )
    return dollars / 1_000_000


@dataclass
class CallRecord:
    """One model call as the run log stores it."""

    stage: str
    model: str
    usage: Usage
    cost_usd: float | None


@dataclass
class UsageLedger:
    """Tokens and cost of a run, call by call, with totals per stage.

    ``prices`` is ``settings.prices``: model name to :class:`Price`.
    """

    prices: Mapping[str, Price] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)

    def record(self, stage: str, model: str, usage: Usage) -> CallRecord:
        entry = CallRecord(stage, model, usage, cost_usd(usage, self.prices.get(model)))
        self.calls.append(entry)
        return entry

    def by_stage(self) -> dict[str, dict[str, object]]:
        """Return per-stage totals; ``cost_usd`` is None if any call in it had no price."""
        totals: dict[str, dict[str, object]] = {}
        for stage in dict.fromkeys(call.stage for call in self.calls):
            totals[stage] = _summarise(call for call in self.calls if call.stage == stage)
        return totals

    def total(self) -> dict[str, object]:
        return _summarise(self.calls)


def _summarise(calls: Iterable[CallRecord]) -> dict[str, object]:
    usage = Usage()
    cost: float | None = 0.0
    count = 0
    for call in calls:
        count += 1
        usage = usage + call.usage
        cost = None if cost is None or call.cost_usd is None else cost + call.cost_usd
    return {"calls": count, **usage.to_dict(), "cost_usd": cost if count else None}
