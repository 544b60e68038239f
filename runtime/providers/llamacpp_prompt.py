"""Prompt and grammar construction for the in-process llama.cpp provider.

Messages are rendered with the chat template stored in the GGUF. Tool calls use constrained
JSON: when a request has tools, the reply must be one JSON object matching a union schema
("call this tool with these arguments", "here is the output", or, with tool choice ``auto``,
"here is a plain reply"), and a grammar built from that schema forces it. The model can
therefore not produce a malformed call, even with random weights.
"""

from __future__ import annotations

import json
import re
from typing import Any

from runtime.providers.base import Message, ModelRequest, ToolCall
from runtime.providers.toolcalls import new_call_id

# Keys of the envelope object the grammar forces when tools are offered. A call reads
# {"name": ..., "arguments": {...}}, the JSON that Hermes-style chat templates (SmolLM3's
# among them) teach models to write inside <tool_call> blocks.
TOOL_KEY = "name"
ARGUMENTS_KEY = "arguments"
OUTPUT_KEY = "output"
REPLY_KEY = "reply"


def chat_messages(request: ModelRequest, template_renders_tools: bool) -> list[dict[str, Any]]:
    """Convert the request to the OpenAI-style message dicts that chat templates expect.

    An assistant's earlier tool calls are written back in the same envelope the grammar
    forces, so the history shows the model the format it must write.
    """
    system = request.system_text()
    if request.tools and not template_renders_tools:
        system = (system + "\n\n" if system else "") + describe_tools(request)
    messages: list[dict[str, Any]] = []
    if system:
        messages.append({"role": "system", "content": system})
    for message in request.messages:
        messages.append(_chat_message(message))
    return messages


def _chat_message(message: Message) -> dict[str, Any]:
    if message.role == "assistant" and message.tool_calls:
        call = message.tool_calls[0]
        envelope = json.dumps({TOOL_KEY: call.name, ARGUMENTS_KEY: call.arguments}, ensure_ascii=False)
        return {"role": "assistant", "content": envelope}
    if message.role == "tool":
        prefix = "Tool error" if message.is_error else "Tool result"
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": f"{prefix}: {message.content}"}
    return {"role": message.role, "content": message.content}


def describe_tools(request: ModelRequest) -> str:
    lines = [
        "Reply with one JSON object. To call a tool write "
        f'{{"{TOOL_KEY}": NAME, "{ARGUMENTS_KEY}": {{...}}}}. Tools:'
    ]
    for spec in request.tools:
        lines.append(f"- {spec.name}: {spec.description} Arguments: {json.dumps(spec.input_schema)}")
    if request.output_schema is not None:
        lines.append(f'When done, write {{"{OUTPUT_KEY}": RESULT}} with the final result.')
    elif request.tool_choice == "auto":
        lines.append(f'To answer without a tool, write {{"{REPLY_KEY}": TEXT}}.')
    return "\n".join(lines)


def grammar_schema(request: ModelRequest) -> dict[str, Any] | None:
    """Return the JSON schema the reply must match, or None for free text."""
    if not request.tools:
        return request.output_schema
    tools = request.tools
    if request.tool_choice not in ("auto", "any"):
        tools = [spec for spec in request.tools if spec.name == request.tool_choice]
    variants: list[dict[str, Any]] = [
        _object({TOOL_KEY: {"const": spec.name}, ARGUMENTS_KEY: spec.input_schema}) for spec in tools
    ]
    if request.output_schema is not None:
        variants.append(_object({OUTPUT_KEY: request.output_schema}))
    elif request.tool_choice == "auto":
        variants.append(_object({REPLY_KEY: {"type": "string"}}))
    return variants[0] if len(variants) == 1 else {"anyOf": variants}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


_PARTIAL_REPLY = re.compile(r'^\s*\{\s*"' + REPLY_KEY + r'"\s*:\s*"(.*)$', re.S)


def partial_reply(text: str) -> str | None:
    """Return the text of a ``{"reply": ...}`` envelope cut off inside its string, else None."""
    match = _PARTIAL_REPLY.match(text)
    if match is None:
        return None
    body = match.group(1)
    # Drop a dangling escape, then read the rest as the inside of a JSON string.
    for end in range(len(body), max(len(body) - 6, -1), -1):
        try:
            return json.loads('"' + body[:end] + '"', strict=False)
        except json.JSONDecodeError:
            continue
    return None


def decode_envelope(value: Any) -> tuple[str, list[ToolCall], Any]:
    """Split a decoded envelope into (reply text, tool calls, structured output)."""
    if not isinstance(value, dict):
        return "", [], None
    if TOOL_KEY in value:
        arguments = value.get(ARGUMENTS_KEY)
        call = ToolCall(new_call_id(), str(value[TOOL_KEY]), arguments if isinstance(arguments, dict) else {})
        return "", [call], None
    if OUTPUT_KEY in value:
        return "", [], value[OUTPUT_KEY]
    return str(value.get(REPLY_KEY, "")), [], None


# llama-cpp-python's schema-to-grammar converter (0.3.36) ignores these keywords, so values
# generated under the grammar may break them; the caller's validation still applies.
UNENFORCED_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "uniqueItems")
# Integer ranges up to this many values become an enum, which the grammar does enforce.
MAX_ENUM_RANGE = 1000


def grammar_ready(schema: Any) -> tuple[Any, list[str]]:
    """Rewrite bounded integer ranges as enums; return the schema and the keywords left unenforced."""
    unenforced: list[str] = []
    return _rewrite(schema, unenforced, "$"), unenforced


def _rewrite(node: Any, unenforced: list[str], where: str) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, unenforced, f"{where}[{index}]") for index, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    values = _integer_range(node)
    if values is not None:
        rest = {key: value for key, value in node.items() if key not in UNENFORCED_KEYWORDS and key != "type"}
        return {**rest, "enum": values}
    unenforced.extend(f"{where}.{key}" for key in UNENFORCED_KEYWORDS if key in node)
    return {key: _rewrite(value, unenforced, f"{where}.{key}") for key, value in node.items()}


def _integer_range(node: dict[str, Any]) -> list[int] | None:
    if node.get("type") != "integer" or "enum" in node or "multipleOf" in node:
        return None
    low = node.get("minimum")
    high = node.get("maximum")
    if isinstance(node.get("exclusiveMinimum"), int | float) and not isinstance(node.get("exclusiveMinimum"), bool):
        low = int(node["exclusiveMinimum"]) + 1
    if isinstance(node.get("exclusiveMaximum"), int | float) and not isinstance(node.get("exclusiveMaximum"), bool):
        high = int(node["exclusiveMaximum"]) - 1
    if low is None or high is None or high - low + 1 > MAX_ENUM_RANGE or high < low:
        return None
    return list(range(int(-(-low // 1)), int(high // 1) + 1))
