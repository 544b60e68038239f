"""The Anthropic Messages API through the official ``anthropic`` SDK.

Structured output is a forced tool call: a tool named ``write_output`` whose input schema is
the requested output schema. System blocks marked cacheable get ``cache_control`` so the
constitution and spec are read from the prompt cache on later calls. Every call streams, so
long outputs never hit the SDK's non-streaming time limit. The SDK itself retries transient
failures (429, 5xx, connection errors before the stream starts).
"""

from __future__ import annotations

import logging
from typing import Any

from runtime.providers.base import (
    OUTPUT_TOOL_NAME,
    Message,
    ModelRequest,
    ModelResponse,
    StopReason,
    StreamCallback,
    TokenCount,
    ToolCall,
    ToolSpec,
)
from runtime.providers.context import DEFAULT_HOSTED_WINDOW, ensure_fits, estimate_tokens
from runtime.providers.errors import InvalidOutputError, ProviderError, TruncatedOutputError
from runtime.providers.jsonout import parse_reply
from runtime.providers.sdkerrors import StreamProgress, map_sdk_error
from runtime.redact import redact
from runtime.usage import Usage

logger = logging.getLogger(__name__)

# The API accepts at most four cache_control breakpoints per request.
MAX_CACHE_BREAKPOINTS = 4
# Every current Claude model has a 200k-token window (larger ones need a beta header).
CLAUDE_CONTEXT_WINDOW = 200_000

_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end",
    "stop_sequence": "stop_sequence",
    "max_tokens": "max_tokens",
    "tool_use": "tool_use",
    "model_context_window_exceeded": "max_tokens",
}


class AnthropicProvider:
    """A Claude model behind the Messages API (or any server that speaks it)."""

    backend = "anthropic"

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 600.0,
        max_retries: int = 2,
        context_window: int | None = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
        self._timeout = timeout
        self._max_retries = max_retries
        self._window = context_window
        self._client: Any = None

    def _sdk_client(self) -> Any:
        if self._client is None:
            import anthropic  # about 1.7 s of CPU on first import

            self._client = anthropic.Anthropic(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self._timeout,
                max_retries=self._max_retries,
            )
        return self._client

    def context_window(self) -> int:
        if self._window:
            return self._window
        return CLAUDE_CONTEXT_WINDOW if self.model.startswith("claude") else DEFAULT_HOSTED_WINDOW

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "model": self.model, "base_url": self.base_url}

    def count_tokens(self, request: ModelRequest) -> TokenCount:
        return estimate_tokens(request)

    def count_tokens_exact(self, request: ModelRequest) -> TokenCount:
        """Count with the API's token-counting endpoint (one extra HTTP request, no cost)."""
        params = build_params(self.model, request)
        counted = self._call(
            lambda client: client.messages.count_tokens(
                model=params["model"],
                messages=params["messages"],
                system=params.get("system", []),
                tools=params.get("tools", []),
            )
        )
        return TokenCount(counted.input_tokens, exact=True, method="messages.count_tokens")

    def complete(self, request: ModelRequest, stream_to: StreamCallback | None = None) -> ModelResponse:
        self._check_size(request)
        params = build_params(self.model, request)
        progress = StreamProgress()
        message = self._call(lambda client: _stream(client, params, stream_to, progress), progress)
        return to_response(message, request)

    def _check_size(self, request: ModelRequest) -> None:
        window = self.context_window()
        estimate = estimate_tokens(request)
        if estimate.tokens + request.max_tokens <= window:
            return
        # The estimate counts high, so confirm with the exact count before rejecting.
        ensure_fits(self.count_tokens_exact(request), request.max_tokens, window, self.model)

    def _call(self, action: Any, progress: StreamProgress | None = None) -> Any:
        try:
            return action(self._sdk_client())
        except ProviderError:
            raise
        except Exception as exc:
            started = progress is not None and progress.events > 0
            mapped = map_sdk_error(exc, self.backend, self.model, mid_stream=started)
            if mapped is None:
                raise
            raise mapped from exc


def _stream(client: Any, params: dict[str, Any], stream_to: StreamCallback | None, progress: StreamProgress) -> Any:
    """Run one streaming request, forwarding text and output JSON, and return the final message."""
    current_tool: str | None = None
    with client.messages.stream(**params) as stream:
        for event in stream:
            progress.events += 1
            if stream_to is None:
                continue
            if event.type == "content_block_start":
                block = event.content_block
                current_tool = block.name if block.type == "tool_use" else None
            elif event.type == "text":
                stream_to(event.text)
            elif event.type == "input_json" and current_tool == OUTPUT_TOOL_NAME:
                stream_to(event.partial_json)
        return stream.get_final_message()


def build_params(model: str, request: ModelRequest) -> dict[str, Any]:
    """Translate a request into keyword arguments for ``client.messages.stream``."""
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": _messages(request.messages),
    }
    system = _system(request)
    if system:
        params["system"] = system
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.stop:
        params["stop_sequences"] = list(request.stop)

    tools = [_tool(spec) for spec in request.tools]
    if request.output_schema is not None:
        tools.append(
            {
                "name": OUTPUT_TOOL_NAME,
                "description": "Write the final result. Call this once with the complete output.",
                "input_schema": request.output_schema,
            }
        )
    if tools:
        params["tools"] = tools
        params["tool_choice"] = _tool_choice(request)
    return params


def _tool_choice(request: ModelRequest) -> dict[str, Any]:
    if request.output_schema is not None and not request.tools:
        return {"type": "tool", "name": OUTPUT_TOOL_NAME}
    if request.output_schema is not None or request.tool_choice == "any":
        return {"type": "any"}
    if request.tool_choice == "auto":
        return {"type": "auto"}
    return {"type": "tool", "name": request.tool_choice}


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "input_schema": spec.input_schema}


def _system(request: ModelRequest) -> list[dict[str, Any]]:
    blocks = request.system_blocks()
    cacheable = [index for index, block in enumerate(blocks) if block.cacheable]
    # A breakpoint caches the whole prefix before it, so the last ones cover the most text.
    marked = set(cacheable[-MAX_CACHE_BREAKPOINTS:])
    system: list[dict[str, Any]] = []
    for index, block in enumerate(blocks):
        entry: dict[str, Any] = {"type": "text", "text": block.text}
        if index in marked:
            entry["cache_control"] = {"type": "ephemeral"}
        system.append(entry)
    return system


def _messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Convert neutral messages; tool results become ``tool_result`` blocks in a user turn."""
    converted: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "assistant":
            blocks: list[dict[str, Any]] = []
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            for call in message.tool_calls:
                blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
            converted.append({"role": "assistant", "content": blocks})
            continue
        if message.role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
                "is_error": message.is_error,
            }
        else:
            block = {"type": "text", "text": message.content}
        # Consecutive results and a following user text share one user turn.
        if converted and converted[-1]["role"] == "user":
            converted[-1]["content"].append(block)
        else:
            converted.append({"role": "user", "content": [block]})
    return converted


def to_response(message: Any, request: ModelRequest) -> ModelResponse:
    """Convert the SDK's final ``Message`` into a neutral response, checking structured output."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    output: Any = None
    has_output = False
    for block in message.content:
        if block.type == "text":
            texts.append(block.text)
        elif block.type == "tool_use" and block.name == OUTPUT_TOOL_NAME:
            output, has_output = block.input, True
        elif block.type == "tool_use":
            calls.append(ToolCall(block.id, block.name, dict(block.input)))
    text = "".join(texts)

    stop = _STOP_REASONS.get(message.stop_reason or "end_turn", "end")
    if has_output and not calls and stop == "tool_use":
        stop = "end"
    if message.stop_reason not in _STOP_REASONS:
        logger.warning("Anthropic returned stop reason %r; treating it as the end of the reply.", message.stop_reason)

    parsed = None
    if request.output_schema is not None and not calls:
        parsed = _structured(output if has_output else None, text, stop)
    return ModelResponse(
        text=text,
        stop_reason=stop,
        usage=_usage(message.usage),
        tool_calls=calls,
        parsed=parsed,
        model=message.model,
        raw=message.model_dump(mode="json"),
    )


def _structured(output: Any, text: str, stop: StopReason) -> Any:
    if stop == "max_tokens":
        raise TruncatedOutputError(
            "The model reply was truncated at the output token limit before the output was complete.",
            "Raise the output limit (--max-tokens) or ask for a smaller artifact.",
            raw=redact(text if output is None else str(output)),
        )
    if output is not None:
        if not isinstance(output, dict):
            raise InvalidOutputError(
                "The model called the output tool with input that is not a JSON object.",
                "Retry with this error sent back to the model.",
                raw=redact(str(output)),
            )
        return output
    # The model wrote text despite the forced tool, so accept JSON found in that text.
    return parse_reply(text, stop_reason=stop, openers="{").value


def _usage(usage: Any) -> Usage:
    cache_read = usage.cache_read_input_tokens or 0
    cache_write = usage.cache_creation_input_tokens or 0
    return Usage(
        input_tokens=usage.input_tokens + cache_read + cache_write,
        output_tokens=usage.output_tokens,
        cached_tokens=cache_read,
        cache_write_tokens=cache_write,
    )
