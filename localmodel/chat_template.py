"""The ChatML chat template shared by training, the GGUF and the Hugging Face export.

The template renders ``<|im_start|>role\\n...<|im_end|>\\n`` turns. A ``/think`` or
``/no_think`` flag in the system message picks the reasoning mode, and the flag is removed
from the system text. Without a flag the ``enable_thinking`` variable decides (default true).
In no-think mode every assistant turn starts with an empty ``<think>\\n\\n</think>\\n`` block,
in the history and in the generation prompt alike, so supervised training sees exactly what
inference prefills. Tools are listed as JSON inside ``<tools>``. The model calls them with
``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks, and tool results come
back as user turns wrapped in ``<tool_response>``.

``render_chat`` uses the Jinja settings of transformers' ``apply_chat_template`` and of
llama-cpp-python's ``Jinja2ChatFormatter`` (sandboxed, ``trim_blocks``, ``lstrip_blocks``,
``tojson`` without HTML escaping or key sorting), so all three give the same text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

IM_END = "<|im_end|>"
EMPTY_THINK = "<think>\n\n</think>\n"

CHAT_TEMPLATE = """\
{%- set ns = namespace(think=true, system='') -%}
{%- if enable_thinking is defined and enable_thinking is false -%}
{%- set ns.think = false -%}
{%- endif -%}
{%- set loop_messages = messages -%}
{%- if messages and messages[0]['role'] == 'system' -%}
{%- set ns.system = messages[0]['content'] -%}
{%- set loop_messages = messages[1:] -%}
{%- if '/no_think' in ns.system -%}
{%- set ns.think = false -%}
{%- elif '/think' in ns.system -%}
{%- set ns.think = true -%}
{%- endif -%}
{%- set ns.system = ns.system.replace('/no_think', '').replace('/think', '') | trim -%}
{%- endif -%}
<|im_start|>system
## Metadata

Reasoning Mode: {{ '/think' if ns.think else '/no_think' }}
{% if ns.system %}

## Custom Instructions

{{ ns.system }}
{% endif %}
{% if tools %}

## Tools

You may call one or more functions to help with the request. \
The function signatures are inside <tools></tools>:
<tools>
{% for tool in tools %}
{{ tool | tojson }}
{% endfor %}
</tools>
For each function call, reply with a JSON object holding the function name and its \
arguments inside <tool_call></tool_call> tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>
{% endif %}
<|im_end|>
{% for message in loop_messages %}
{% if message['role'] == 'user' %}
<|im_start|>user
{{ message['content'] }}<|im_end|>
{% elif message['role'] == 'assistant' %}
{% set content = message['content'] or '' %}
<|im_start|>assistant
{% if not ns.think and not content.startswith('<think>') %}
<think>

</think>
{% endif %}
{{ content }}
{%- for call in message.get('tool_calls') or [] %}
{% set function = call['function'] if call['function'] is defined else call %}
{% set arguments = function['arguments'] %}
{% if content or not loop.first %}{{ '\n' }}{% endif %}
<tool_call>
{"name": "{{ function['name'] }}", "arguments": \
{{ arguments if arguments is string else arguments | tojson }}}
</tool_call>
{%- endfor %}
<|im_end|>
{% elif message['role'] == 'tool' %}
<|im_start|>user
<tool_response>
{{ message['content'] }}
</tool_response><|im_end|>
{% else %}
{{ raise_exception('Unsupported chat role: ' + message['role']) }}
{% endif %}
{% endfor %}
{% if add_generation_prompt %}
<|im_start|>assistant
{% if not ns.think %}
<think>

</think>
{% endif %}
{% endif %}
"""


class ChatTemplateError(ValueError):
    """A message list the template cannot render (an unknown role)."""


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class AssistantReply:
    """An assistant turn split into its reasoning, visible text and tool calls."""

    content: str
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)


def _raise(message: str) -> None:
    raise ChatTemplateError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent,
                      separators=separators, sort_keys=sort_keys)


def render_chat(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    add_generation_prompt: bool = False,
    enable_thinking: bool | None = None,
) -> str:
    """Render ``messages`` with :data:`CHAT_TEMPLATE` as the inference servers do."""
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise
    variables: dict[str, Any] = {
        "messages": messages,
        "tools": tools,
        "add_generation_prompt": add_generation_prompt,
    }
    if enable_thinking is not None:
        variables["enable_thinking"] = enable_thinking
    return env.from_string(CHAT_TEMPLATE).render(**variables)


_THINK_RE = re.compile(r"^\s*<think>(.*?)</think>\s*", re.DOTALL)
_TOOL_CALL_RE = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)


def parse_reply(text: str) -> AssistantReply:
    """Split generated assistant text into reasoning, content and ``<tool_call>`` blocks.

    A block whose body is not a JSON object with a string ``name`` stays in the content,
    so malformed output is shown to the caller instead of being dropped.
    """
    reasoning = ""
    match = _THINK_RE.match(text)
    if match:
        reasoning = match.group(1).strip()
        text = text[match.end():]

    calls: list[ToolCall] = []

    def take_call(found: re.Match[str]) -> str:
        try:
            body = json.loads(found.group(1))
        except json.JSONDecodeError:
            return found.group(0)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return found.group(0)
        arguments = body.get("arguments") or {}
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                return found.group(0)
        if not isinstance(arguments, dict):
            return found.group(0)
        calls.append(ToolCall(body["name"], arguments))
        return ""

    content = _TOOL_CALL_RE.sub(take_call, text)
    return AssistantReply(content=content.strip(), reasoning=reasoning, tool_calls=calls)
