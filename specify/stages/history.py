"""Summaries of recorded runs for `specify runs list | show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.runs import RunRecord, list_runs


def _tokens(usage: dict[str, Any] | None) -> int:
    total = (usage or {}).get("total", {})
    return int(total.get("input_tokens", 0)) + int(total.get("output_tokens", 0))


def list_summaries(root: Path) -> dict[str, Any]:
    rows = []
    by_stage: dict[str, dict[str, int]] = {}
    for record in list_runs(root):
        meta = record.read_json("meta.json", {}) or {}
        outcome = record.read_json("outcome.json") or {}
        tokens = _tokens(record.read_json("usage.json"))
        stage = meta.get("stage", "?")
        rows.append({"run_id": record.run_id, "stage": stage, "status": outcome.get("status", "incomplete"),
                     "tokens": tokens, "backend": f"{meta.get('backend')} {Path(str(meta.get('model'))).name}"})
        totals = by_stage.setdefault(stage, {"runs": 0, "tokens": 0})
        totals["runs"] += 1
        totals["tokens"] += tokens
    return {"runs": rows, "by_stage": by_stage}


def show_run(root: Path, run_id: str) -> dict[str, Any]:
    record = RunRecord.open(root, run_id)
    return {
        "meta": record.read_json("meta.json", {}),
        "outcome": record.read_json("outcome.json"),
        "usage": record.read_json("usage.json"),
        "events": record.events(),
    }
