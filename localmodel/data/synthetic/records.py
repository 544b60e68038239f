"""Chat records: the JSONL format every generator writes and every post-training stage reads.

One line per record::

    {"id": "arithmetic-00012-think", "family": "arithmetic", "mode": "think",
     "difficulty": 1, "messages": [{"role": "system", ...}, ...], "tools": [...],
     "verifier": {"kind": "number", "value": 7}}

Only ``messages`` is required, so a user's own chat JSONL can replace or join the generated
files. ``mode`` is read from the ``/think`` or ``/no_think`` flag of the system message when
absent; a record without ``verifier`` trains SFT and mid-training but is skipped by the
stages and metrics that need a checkable answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specify.errors import ConfigError

THINK, NO_THINK = "think", "no_think"
ROLES = ("system", "user", "assistant", "tool")


@dataclass
class ChatRecord:
    messages: list[dict[str, Any]]
    id: str = ""
    family: str = "custom"
    mode: str = THINK
    difficulty: int = 0
    tools: list[dict[str, Any]] | None = None
    verifier: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "family": self.family, "mode": self.mode,
                               "difficulty": self.difficulty, "messages": self.messages}
        if self.tools:
            out["tools"] = self.tools
        if self.verifier is not None:
            out["verifier"] = self.verifier
        if self.meta:
            out["meta"] = self.meta
        return out

    def prompt_messages(self) -> list[dict[str, Any]]:
        """Return the messages before the first assistant turn: what a policy is asked."""
        for index, message in enumerate(self.messages):
            if message["role"] == "assistant":
                return self.messages[:index]
        return list(self.messages)

    def first_reply(self) -> str:
        """Return the text of the first assistant turn, tool calls rendered as the template does."""
        from localmodel.posttrain.chatdata import render_chat

        prompt = self.prompt_messages()
        reply = self.messages[len(prompt)]
        head = render_chat(prompt, self.tools, add_generation_prompt=True)
        full = render_chat([*prompt, reply], self.tools)
        return full[len(head):].removesuffix("<|im_end|>\n")


def mode_of(messages: list[dict[str, Any]]) -> str:
    """Return the reasoning mode the chat template picks for ``messages`` (think by default)."""
    if messages and messages[0].get("role") == "system":
        system = str(messages[0].get("content") or "")
        if "/no_think" in system:
            return NO_THINK
    return THINK


def record_from_dict(raw: Any, where: str) -> ChatRecord:
    """Check one JSONL object and build its record; errors name ``where`` (file:line)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
        raise ConfigError(f"{where} has no 'messages' list.",
                          'Each line needs {"messages": [{"role": ..., "content": ...}, ...]}.')
    for message in raw["messages"]:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise ConfigError(f"{where} has a message with an invalid role: {message!r}.",
                              f"Use one of: {', '.join(ROLES)}.")
    if not any(m["role"] == "assistant" for m in raw["messages"]):
        raise ConfigError(f"{where} has no assistant message to learn from.")
    return ChatRecord(
        messages=raw["messages"], id=str(raw.get("id") or where),
        family=str(raw.get("family") or "custom"),
        mode=str(raw.get("mode") or mode_of(raw["messages"])),
        difficulty=int(raw.get("difficulty") or 0), tools=raw.get("tools") or None,
        verifier=raw.get("verifier"), meta=dict(raw.get("meta") or {}),
    )


def read_records(path: Path) -> list[ChatRecord]:
    """Read a chat JSONL file; an invalid line raises ConfigError naming file and line."""
    if not path.is_file():
        raise ConfigError(f"Chat data file {path} does not exist.",
                          "Generate one with: specify model data synth --out DIR")
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number} is not valid JSON ({exc.msg}).") from exc
            records.append(record_from_dict(raw, f"{path}:{number}"))
    return records


def read_many(paths: Iterable[Path]) -> list[ChatRecord]:
    return [record for path in paths for record in read_records(Path(path))]


def write_records(path: Path, records: Iterable[ChatRecord]) -> int:
    """Write records as JSONL atomically; return how many were written."""
    from specify.fsutil import atomic_write_text

    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)
