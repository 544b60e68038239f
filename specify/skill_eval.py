"""`specify skill eval`: does a skill's description make a model activate it when it should?

For each query of the eval set and each run, the model sees the skills catalog and the
`activate_skill` tool (the same system prompt a stage run builds) and the query as the user
turn. A run triggers when the model's first tool call activates the skill under test. A query
passes when its trigger rate is at least 0.5 for `should_trigger: true` and below 0.5 otherwise.
Precision and recall are computed over all runs.

Eval file: a JSON list of ``{"query": str, "should_trigger": bool}`` (the format that Anthropic's
skill-creator uses), or ``{"queries": [...]}`` holding that list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specify.errors import SpecifyError, UsageError

SYSTEM = ("You are a coding assistant. Skills extend what you can do; when a skill in the catalog fits the "
          "user's request, call activate_skill with its name before anything else. Otherwise answer directly.")


@dataclass(frozen=True)
class EvalQuery:
    query: str
    should_trigger: bool


@dataclass
class QueryResult:
    query: str
    should_trigger: bool
    triggers: int = 0
    runs: int = 0
    activated: list[str | None] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.triggers / self.runs if self.runs else 0.0

    @property
    def passed(self) -> bool:
        return self.rate >= 0.5 if self.should_trigger else self.rate < 0.5


def load_queries(path: Path) -> list[EvalQuery]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise UsageError(f"Eval file not found: {path}.", "Pass a JSON file of {query, should_trigger} items.") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}.", "Fix the JSON and run again.") from exc
    items = data.get("queries") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise UsageError(f"{path} contains no queries.", 'Use [{"query": "...", "should_trigger": true}, ...].')
    queries = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("query"), str) or not isinstance(
                item.get("should_trigger"), bool):
            raise UsageError(f"{path}: item {index} needs a string 'query' and a boolean 'should_trigger'.",
                             f"Got: {json.dumps(item)[:120]}")
        queries.append(EvalQuery(item["query"], item["should_trigger"]))
    return queries


def _first_activation(provider: Any, system: str, tools: list[Any], query: str) -> str | None:
    from runtime.providers.base import Message, ModelRequest

    response = provider.complete(ModelRequest(messages=[Message.user(query)], system=system, tools=tools,
                                              max_tokens=256, temperature=1.0))
    for call in response.tool_calls:
        if call.name == "activate_skill":
            return str(call.arguments.get("name"))
        return None  # another tool first: no trigger, as skill-creator counts it
    return None


def run_eval(skills: Any, name: str, queries: list[EvalQuery], provider: Any, runs: int = 3) -> dict[str, Any]:
    """Run every query ``runs`` times and return per-query rates, precision and recall."""
    from runtime.providers.base import ToolSpec

    if skills.get(name) is None:
        known = ", ".join(sorted(skills.skills)) or "none"
        raise SpecifyError(f"Skill '{name}' was not found.", f"Loaded skills: {known}.")
    if runs < 1:
        raise UsageError(f"--runs must be at least 1, got {runs}.")
    system = SYSTEM + "\n\n" + skills.catalog_text()
    tools = [ToolSpec.from_dict(d) for d in skills.tool_definitions() if d["name"] == "activate_skill"]
    results = []
    for item in queries:
        result = QueryResult(item.query, item.should_trigger)
        for _ in range(runs):
            activated = _first_activation(provider, system, tools, item.query)
            result.activated.append(activated)
            result.runs += 1
            result.triggers += activated == name
        results.append(result)
    return summarise(name, results)


def summarise(name: str, results: list[QueryResult]) -> dict[str, Any]:
    true_pos = sum(r.triggers for r in results if r.should_trigger)
    false_neg = sum(r.runs - r.triggers for r in results if r.should_trigger)
    false_pos = sum(r.triggers for r in results if not r.should_trigger)
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else None
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else None
    return {
        "skill": name,
        "precision": precision,
        "recall": recall,
        "passed": sum(r.passed for r in results),
        "total": len(results),
        "queries": [{"query": r.query, "should_trigger": r.should_trigger, "trigger_rate": r.rate,
                     "passed": r.passed, "activated": r.activated} for r in results],
    }
