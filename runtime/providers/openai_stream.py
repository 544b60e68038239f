"""Collect a Chat Completions reply, streamed or not, into one plain record."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from runtime.providers.base import OUTPUT_TOOL_NAME, StreamCallback, ToolCall
from runtime.providers.sdkerrors import StreamProgress
from runtime.providers.toolcalls import decode_arguments, new_call_id
from runtime.usage import Usage


@dataclass
class CollectedReply:
    """The parts of a completion the provider needs; ``usage`` is None if the server sent none."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    matched_stop: Any = None
    usage: Usage | None = None
    model: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _usage(usage: Any) -> Usage | None:
    if usage is None:
        return None
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(
        input_tokens=usage.prompt_tokens or 0,
        output_tokens=usage.completion_tokens or 0,
        cached_tokens=cached,
    )


def collect_completion(completion: Any) -> CollectedReply:
    """Collect a non-streamed ``ChatCompletion``."""
    if not completion.choices:
        return CollectedReply(usage=_usage(completion.usage), model=completion.model or "")
    choice = completion.choices[0]
    calls = [
        ToolCall(call.id or new_call_id(), call.function.name, decode_arguments(call.function.arguments))
        for call in (choice.message.tool_calls or [])
    ]
    return CollectedReply(
        text=choice.message.content or "",
        tool_calls=calls,
        finish_reason=choice.finish_reason,
        matched_stop=getattr(choice, "stop_reason", None),
        usage=_usage(completion.usage),
        model=completion.model or "",
        raw=completion.model_dump(mode="json"),
    )


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


def collect_stream(
    stream: Any, stream_to: StreamCallback, stream_output_tool: bool, progress: StreamProgress
) -> CollectedReply:
    """Read a streamed completion to the end, forwarding text (and output-tool JSON) fragments.

    Raises whatever the SDK or HTTP client raises if the stream breaks; the caller maps it.
    """
    reply = CollectedReply()
    texts: list[str] = []
    partial: dict[int, _PartialCall] = {}
    chunks = 0
    for chunk in stream:
        chunks += 1
        progress.events += 1
        reply.model = chunk.model or reply.model
        if chunk.usage is not None:
            reply.usage = _usage(chunk.usage)
        for choice in chunk.choices or []:
            delta = choice.delta
            if delta is not None and delta.content:
                texts.append(delta.content)
                stream_to(delta.content)
            for call_delta in (delta.tool_calls if delta is not None else None) or []:
                _merge_call(partial, call_delta, stream_to if stream_output_tool else None)
            if choice.finish_reason:
                reply.finish_reason = choice.finish_reason
                reply.matched_stop = getattr(choice, "stop_reason", None)
    reply.text = "".join(texts)
    reply.tool_calls = [
        ToolCall(call.id or new_call_id(), call.name, decode_arguments("".join(call.arguments)))
        for _, call in sorted(partial.items())
    ]
    reply.raw = {
        "streamed": True,
        "chunks": chunks,
        "text": reply.text,
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": json.dumps(call.arguments)} for call in reply.tool_calls
        ],
        "finish_reason": reply.finish_reason,
        "model": reply.model,
    }
    return reply


def _merge_call(partial: dict[int, _PartialCall], delta: Any, stream_to: StreamCallback | None) -> None:
    call = partial.setdefault(delta.index or 0, _PartialCall())
    if delta.id:
        call.id = delta.id
    function = delta.function
    if function is None:
        return
    # OpenAI sends the name once; llama-cpp-python's server repeats it in every delta.
    if function.name and (not call.name or function.name.startswith(call.name)):
        call.name = function.name
    if function.arguments:
        call.arguments.append(function.arguments)
        if stream_to is not None and call.name == OUTPUT_TOOL_NAME:
            stream_to(function.arguments)
