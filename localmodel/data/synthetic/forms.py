"""Turn one solved task into its think and no-think chat records.

Think form: the system message carries ``/think`` and the reply is
``<think>\\nREASONING\\n</think>\\nANSWER``. No-think form: ``/no_think`` and the bare answer;
the chat template prefills the empty think block, so the record leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localmodel.data.synthetic.records import NO_THINK, THINK, ChatRecord

MODES = (THINK, NO_THINK)


@dataclass
class Solved:
    """One generated task with its worked solution."""

    family: str
    difficulty: int
    user: str
    reasoning: str
    answer: str
    verifier: dict[str, Any]
    instructions: str = ""  # extra system text after the mode flag
    tools: list[dict[str, Any]] | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # first reply's calls
    tool_results: list[str] = field(default_factory=list)  # one tool turn per call
    final: str = ""  # the reply after the tool results


def system_message(mode: str, instructions: str) -> dict[str, str]:
    flag = "/think" if mode == THINK else "/no_think"
    return {"role": "system", "content": f"{flag} {instructions}".strip()}


def to_records(task: Solved, number: int, modes: tuple[str, ...] = MODES) -> list[ChatRecord]:
    """Return one record per requested mode, with ids ``FAMILY-NNNNN-MODE``."""
    records = []
    for mode in modes:
        messages = [system_message(mode, task.instructions), {"role": "user", "content": task.user}]
        messages.extend(_assistant_turns(task, mode))
        records.append(ChatRecord(
            messages=messages, id=f"{task.family}-{number:05d}-{mode}", family=task.family,
            mode=mode, difficulty=task.difficulty, tools=task.tools, verifier=task.verifier,
        ))
    return records


def _assistant_turns(task: Solved, mode: str) -> list[dict[str, Any]]:
    first = task.answer
    if mode == THINK:
        first = f"<think>\n{task.reasoning}\n</think>\n{task.answer}"
    if not task.tool_calls:
        return [{"role": "assistant", "content": first}]
    turns: list[dict[str, Any]] = [{"role": "assistant", "content": first.rstrip("\n"),
                                    "tool_calls": [{"type": "function", "function": call}
                                                   for call in task.tool_calls]}]
    turns.extend({"role": "tool", "content": result} for result in task.tool_results)
    turns.append({"role": "assistant", "content": task.final})
    return turns
