"""The record of one stage run: ``.specify/runs/<run-id>/``.

Layout::

    meta.json         stage, feature, backend, model, the rule that chose them, start time
    prompts/          the rendered system and user prompts, one file per call
    transcript.jsonl  one JSON event per line (request, response, tool call, tool result, error)
    usage.json        tokens per call (input, output, cached) and totals; cost when priced
    outcome.json      status (ok, failed, interrupted, budget), message, files written
    state.json        progress an interrupted run resumes from (implement)
    raw-reply.txt     the last unvalidated model reply, kept when validation failed

Everything written here passes through :func:`runtime.redact.redact`, so API keys never
reach the disk.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specify.fsutil import atomic_write_text

RUNS_DIR = Path(".specify") / "runs"


def _redact(text: str) -> str:
    from runtime.redact import redact

    return redact(text)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def new_run_id(stage: str) -> str:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{stage}-{secrets.token_hex(2)}"


@dataclass
class RunRecord:
    root: Path
    run_id: str

    @property
    def path(self) -> Path:
        return self.root / RUNS_DIR / self.run_id

    @classmethod
    def create(cls, root: Path, stage: str, meta: dict[str, Any]) -> RunRecord:
        record = cls(root, new_run_id(stage))
        (record.path / "prompts").mkdir(parents=True, exist_ok=False)
        record.write_json("meta.json", {"run_id": record.run_id, "stage": stage, "started_at": _now(), **meta})
        return record

    @classmethod
    def open(cls, root: Path, run_id: str) -> RunRecord:
        record = cls(root, run_id)
        if not (record.path / "meta.json").is_file():
            from specify.errors import SpecifyError

            raise SpecifyError(f"No run '{run_id}' under {root / RUNS_DIR}.", "List runs with `specify runs list`.")
        return record

    def write_json(self, name: str, data: Any) -> None:
        atomic_write_text(self.path / name, _redact(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n")

    def read_json(self, name: str, default: Any = None) -> Any:
        try:
            return json.loads((self.path / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return default

    def write_text(self, name: str, text: str) -> Path:
        target = self.path / name
        atomic_write_text(target, _redact(text))
        return target

    def save_prompt(self, call: int, system: str, user: str) -> None:
        self.write_text(f"prompts/{call:03d}-system.md", system)
        self.write_text(f"prompts/{call:03d}-user.md", user)

    def event(self, event_type: str, /, **data: Any) -> None:
        """Append one event to the transcript (a single short write, flushed)."""
        line = _redact(json.dumps({"time": _now(), "event": event_type, **data}, ensure_ascii=False, default=str))
        with open(self.path / "transcript.jsonl", "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def events(self) -> list[dict[str, Any]]:
        path = self.path / "transcript.jsonl"
        if not path.is_file():
            return []
        events = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a crash; the rest of the transcript stays readable
        return events

    def finish(self, status: str, message: str = "", files: list[str] | None = None, **extra: Any) -> None:
        self.write_json("outcome.json", {
            "status": status, "message": message, "files": files or [], "finished_at": _now(), **extra,
        })


def list_runs(root: Path) -> list[RunRecord]:
    base = root / RUNS_DIR
    if not base.is_dir():
        return []
    return [RunRecord(root, p.name) for p in sorted(base.iterdir()) if (p / "meta.json").is_file()]
