"""Data stages: the weight of each source per stage and the step where each stage starts.

SmolLM3 pretrained in three stages (nanotron ``data_stages``): broad web, code and math
data first, then a higher-quality mixture, then the decay stage with the best data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specify.errors import ConfigError


@dataclass(frozen=True)
class Stage:
    name: str
    start_step: int
    weights: dict[str, float]  # source name -> relative sampling weight

    def probabilities(self) -> dict[str, float]:
        total = sum(self.weights.values())
        return {name: w / total for name, w in self.weights.items() if w > 0}


@dataclass(frozen=True)
class Mixture:
    stages: tuple[Stage, ...]

    def stage_at(self, step: int) -> Stage:
        """Return the stage active at optimizer step ``step`` (0-based)."""
        current = self.stages[0]
        for stage in self.stages:
            if stage.start_step <= step:
                current = stage
        return current

    def check_sources(self, available: set[str], where: str) -> None:
        for stage in self.stages:
            missing = sorted(set(stage.weights) - available)
            if missing:
                raise ConfigError(
                    f"Stage '{stage.name}' in {where} names source(s) {', '.join(missing)} "
                    "that the dataset does not contain.",
                    f"Available sources: {', '.join(sorted(available))}.",
                )


def mixture_from_dicts(stages: list[dict[str, Any]], where: str) -> Mixture:
    """Parse ``[[stages]]`` tables: ``name``, ``start_step`` and a ``weights`` table."""
    if not stages:
        raise ConfigError(f"{where} defines no data stage.", "Add a [[stages]] table.")
    parsed = []
    for number, raw in enumerate(stages, 1):
        unknown = sorted(set(raw) - {"name", "start_step", "weights"})
        if unknown:
            raise ConfigError(f"Stage {number} in {where} has unknown key(s) {', '.join(unknown)}.",
                              "Valid keys: name, start_step, weights.")
        weights = {str(k): float(v) for k, v in dict(raw.get("weights", {})).items()}
        if not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise ConfigError(f"Stage {number} in {where} needs non-negative weights with a "
                              f"positive sum (got {weights}).")
        parsed.append(Stage(str(raw.get("name", f"stage{number}")), int(raw.get("start_step", 0)),
                            weights))
    parsed.sort(key=lambda s: s.start_step)
    if parsed[0].start_step != 0:
        raise ConfigError(f"The first stage in {where} starts at step {parsed[0].start_step}.",
                          "Start the first stage at step 0.")
    return Mixture(tuple(parsed))


def uniform_mixture(sources: list[str]) -> Mixture:
    return Mixture((Stage("all", 0, {name: 1.0 for name in sources}),))
