"""Verifiers: score a generated reply against a record's checkable answer.

Each verifier returns a ``Verdict`` whose ``reward`` is 1.0 for a correct reply and 0.0
for a wrong one. JSON replies earn partial credit: 0.5 for an object that validates against
the schema and the other 0.5 for the expected values, so a policy is rewarded for getting
the structure right before the content. ``checks`` holds the partial facts the evaluation reports (the reply parsed as
JSON, validated against the schema, named a known tool). Replies are the assistant text
after the generation prompt, so a no-think reply starts after the prefilled empty think
block.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from localmodel.chat_template import parse_reply
from localmodel.data.synthetic.records import NO_THINK, ChatRecord
from localmodel.data.synthetic.sandbox import Limits, run_python

_INT_RE = re.compile(r"-?\d+")
_FENCE_RE = re.compile(r"```(?:python)?\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Verdict:
    reward: float
    checks: dict[str, bool] = field(default_factory=dict)


def verify(record: ChatRecord, reply: str, limits: Limits = Limits()) -> Verdict | None:
    """Score ``reply`` for ``record``; None when the record has no verifier."""
    spec = record.verifier
    if not spec:
        return None
    kind = spec.get("kind")
    if kind == "number":
        return verify_number(reply, int(spec["value"]))
    if kind == "json":
        return verify_json(reply, spec["schema"], spec.get("expected"))
    if kind == "python":
        return verify_python(reply, spec["tests"], limits)
    if kind == "tool_call":
        return verify_tool_calls(reply, spec["calls"], record.tools or [])
    raise ValueError(f"unknown verifier kind {kind!r} in record {record.id}")


def verify_number(reply: str, value: int) -> Verdict:
    numbers = _INT_RE.findall(parse_reply(reply).content)
    found = bool(numbers)
    return Verdict(float(found and int(numbers[-1]) == value), {"has_number": found})


def parse_json_reply(reply: str) -> Any:
    """Return the reply's content parsed as JSON; raise ValueError when it is not JSON."""
    content = parse_reply(reply).content.strip()
    return json.loads(content)


def verify_json(reply: str, schema: dict[str, Any], expected: Any = None) -> Verdict:
    import jsonschema

    try:
        value = parse_json_reply(reply)
    except ValueError:
        return Verdict(0.0, {"json_parses": False, "schema_valid": False})
    valid = jsonschema.Draft202012Validator(schema).is_valid(value)
    correct = valid and (expected is None or value == expected)
    return Verdict(0.5 * valid + 0.5 * correct, {"json_parses": True, "schema_valid": valid})


def extract_code(reply: str) -> str:
    content = parse_reply(reply).content
    match = _FENCE_RE.search(content)
    return match.group(1) if match else content


def verify_python(reply: str, tests: str, limits: Limits = Limits()) -> Verdict:
    code = extract_code(reply)
    try:
        compile(code, "<reply>", "exec")
    except SyntaxError:
        return Verdict(0.0, {"compiles": False})
    result = run_python(code + "\n\n" + tests + "\n", limits)
    return Verdict(float(result.passed), {"compiles": True})


def verify_tool_calls(reply: str, expected: list[dict[str, Any]],
                      tools: list[dict[str, Any]]) -> Verdict:
    calls = parse_reply(reply).tool_calls
    known = {t.get("function", t).get("name"): t.get("function", t) for t in tools}
    valid = bool(calls) and all(c.name in known and _has_required(c.arguments, known[c.name])
                                for c in calls)
    got = [{"name": c.name, "arguments": c.arguments} for c in calls]
    return Verdict(float(got == expected), {"tool_call_valid": valid})


def _has_required(arguments: dict[str, Any], function: dict[str, Any]) -> bool:
    required = function.get("parameters", {}).get("required", [])
    return all(key in arguments for key in required)


def follows_template(text: str, mode: str, stopped: bool) -> bool:
    """Return whether a decoded reply (stop token removed) follows the chat template."""
    if not stopped or "<|im_start|>" in text or "<|im_end|>" in text:
        return False
    if mode == NO_THINK:
        return "<think>" not in text and "</think>" not in text and bool(text.strip())
    if not text.startswith("<think>") or text.count("<think>") != 1 or text.count("</think>") != 1:
        return False
    return bool(text.split("</think>", 1)[1].strip())
