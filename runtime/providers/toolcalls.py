"""Tool calls that a server returns as text instead of structured ``tool_calls``.

Models trained on the Hermes and Qwen chat formats write a call as
``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``, and OpenAI-compatible servers
without a tool-call parser pass that text through unchanged.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable

from runtime.providers.base import ToolCall

logger = logging.getLogger(__name__)

_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def parse_text_tool_calls(text: str, known_tools: Iterable[str]) -> tuple[str, list[ToolCall]]:
    """Split ``text`` into the prose outside ``<tool_call>`` blocks and the calls inside them.

    A block whose JSON is invalid, or that names a tool not in ``known_tools``, is kept in the
    text and logged, so the caller sees what the model wrote instead of a silent drop.
    """
    names = set(known_tools)
    calls: list[ToolCall] = []
    prose: list[str] = []
    position = 0
    for match in _BLOCK.finditer(text):
        call = _decode_call(match.group(1), names)
        if call is None:
            continue
        prose.append(text[position : match.start()])
        position = match.end()
        calls.append(call)
    prose.append(text[position:])
    return "".join(prose).strip(), calls


def _decode_call(body: str, names: set[str]) -> ToolCall | None:
    try:
        data = json.loads(body, strict=False)
    except json.JSONDecodeError as exc:
        logger.warning("Ignoring a <tool_call> block that is not valid JSON: %s", exc)
        return None
    if not isinstance(data, dict) or data.get("name") not in names:
        logger.warning("Ignoring a <tool_call> block for an unknown tool: %.80s", body)
        return None
    arguments = data.get("arguments", data.get("parameters", {}))
    if isinstance(arguments, str):
        arguments = decode_arguments(arguments)
    if not isinstance(arguments, dict):
        logger.warning("Ignoring a <tool_call> block whose arguments are not an object: %.80s", body)
        return None
    return ToolCall(str(data.get("id") or new_call_id()), data["name"], arguments)


def decode_arguments(raw: str | None) -> dict:
    """Decode a tool call's JSON arguments string; an empty string means no arguments.

    Invalid JSON is returned as ``{"_invalid_json": raw}`` so the agent loop can send the
    problem back to the model as a tool error instead of crashing.
    """
    if not raw or not raw.strip():
        return {}
    try:
        value = json.loads(raw, strict=False)
    except json.JSONDecodeError:
        return {"_invalid_json": raw}
    return value if isinstance(value, dict) else {"_invalid_json": raw}
