"""OpenAI Chat Completions through the official ``openai`` SDK, for OpenAI and compatible servers.

``base_url`` points the SDK at llama.cpp's server, llama-cpp-python's server, vLLM, Ollama or
LM Studio. Servers differ in structured output, so the provider tries, in order:
``json_schema`` (OpenAI, vLLM, Ollama), ``json_object`` with a ``schema`` (the only form
llama-cpp-python's server accepts), then a forced tool call. The first mode the server accepts
is kept for later calls. Tool calls that a server returns as ``<tool_call>`` text are parsed.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
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
)
from runtime.providers.context import BYTES_PER_TOKEN, DEFAULT_HOSTED_WINDOW, ensure_fits, estimate_tokens
from runtime.providers.errors import ProviderError
from runtime.providers.jsonout import parse_reply
from runtime.providers.openai_stream import collect_completion, collect_stream
from runtime.providers.sdkerrors import StreamProgress, map_sdk_error
from runtime.providers.toolcalls import parse_text_tool_calls
from runtime.usage import Usage

logger = logging.getLogger(__name__)

STRUCTURED_MODES = ("json_schema", "json_object", "tool")
# Status codes with which servers reject a response_format they do not support
# (llama-cpp-python 0.3.36 returns 500 with a validation message for json_schema).
_UNSUPPORTED_FORMAT_STATUSES = (400, 404, 422, 500, 501)
_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|tool_choice|tools", re.I)
# NOTE: windows of OpenAI models as published when this was written; set model.n_ctx or pass
# context_window for any other model.
_KNOWN_WINDOWS = {"gpt-4o": 128_000, "gpt-4.1": 1_047_576, "o3": 200_000, "o4-mini": 200_000, "gpt-5": 400_000}


class OpenAIProvider:
    """A model behind a Chat Completions endpoint."""

    backend = "openai"

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 600.0,
        max_retries: int = 2,
        context_window: int | None = None,
        structured_mode: str | None = None,
        token_limit_param: str | None = None,
    ) -> None:
        if structured_mode is not None and structured_mode not in STRUCTURED_MODES:
            raise ValueError(f"structured_mode must be one of {STRUCTURED_MODES}, not {structured_mode!r}")
        self.model = model
        self.base_url = base_url
        self._api_key = api_key
        self._timeout = timeout
        self._max_retries = max_retries
        self._window = context_window
        self._client: Any = None
        # Fixed by the caller, or found by fallback on the first structured call.
        self.structured_mode = structured_mode
        self._mode_known = structured_mode is not None
        # OpenAI's reasoning models reject max_tokens; compatible servers read only max_tokens.
        # The SDK falls back to OPENAI_BASE_URL when no base URL is given.
        endpoint = base_url or os.environ.get("OPENAI_BASE_URL")
        official = endpoint is None or "api.openai.com" in endpoint
        self.token_limit_param = token_limit_param or ("max_completion_tokens" if official else "max_tokens")

    def _sdk_client(self) -> Any:
        if self._client is None:
            import openai  # about 0.6 s of CPU on first import

            self._client = openai.OpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self._timeout,
                max_retries=self._max_retries,
            )
        return self._client

    def context_window(self) -> int:
        if self._window:
            return self._window
        for prefix, window in _KNOWN_WINDOWS.items():
            if self.model.startswith(prefix):
                return window
        return DEFAULT_HOSTED_WINDOW

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "model": self.model,
            "base_url": self.base_url,
            "structured_mode": self.structured_mode,
        }

    def count_tokens(self, request: ModelRequest) -> TokenCount:
        return estimate_tokens(request)

    def complete(self, request: ModelRequest, stream_to: StreamCallback | None = None) -> ModelResponse:
        ensure_fits(estimate_tokens(request), request.max_tokens, self.context_window(), self.model)
        if request.output_schema is None:
            return self._send(request, None, stream_to)
        if self._mode_known:
            return self._send(request, self.structured_mode, stream_to)

        modes = _modes_from(self.structured_mode)
        for index, mode in enumerate(modes):
            try:
                response = self._probe(request, mode, stream_to)
            except _FormatRejected as rejected:
                if index == len(modes) - 1:
                    raise rejected.error from rejected.cause
                logger.warning(
                    "%s rejected structured output mode %s (HTTP %s); trying %s.",
                    self.base_url or "The server", mode, rejected.status, modes[index + 1],
                )
                continue
            self.structured_mode, self._mode_known = mode, True
            return response
        raise AssertionError("unreachable: the loop returns or raises")

    def _probe(self, request: ModelRequest, mode: str, stream_to: StreamCallback | None) -> ModelResponse:
        """Try ``mode`` once without SDK retries; a rejection of the format raises _FormatRejected.

        A 5xx that does not mention the format is taken for a transient fault and the request
        is sent again with the SDK's retries, so one bad moment does not downgrade the mode.
        """
        try:
            return self._send(request, mode, stream_to, retries=0)
        except ProviderError as error:
            cause = error.__cause__
            status = getattr(cause, "status_code", None)
            if cause is None or status not in _UNSUPPORTED_FORMAT_STATUSES:
                raise
            if status >= 500 and not _FORMAT_WORDS.search(error.message):
                return self._send(request, mode, stream_to)
            raise _FormatRejected(error, cause, status) from cause

    def _send(
        self, request: ModelRequest, mode: str | None, stream_to: StreamCallback | None, retries: int | None = None
    ) -> ModelResponse:
        params = build_params(self.model, request, mode, self.token_limit_param)
        progress = StreamProgress()
        try:
            client = self._sdk_client()
            if retries is not None:
                client = client.with_options(max_retries=retries)
            if stream_to is None:
                reply = collect_completion(client.chat.completions.create(**params))
            else:
                params["stream"] = True
                params["stream_options"] = {"include_usage": True}
                stream = client.chat.completions.create(**params)
                reply = collect_stream(stream, stream_to, mode == "tool", progress)
        except ProviderError:
            raise
        except Exception as exc:
            mapped = map_sdk_error(exc, self.backend, self.model, mid_stream=progress.events > 0)
            if mapped is None:
                raise
            raise mapped from exc
        return to_response(reply, request, mode)


class _FormatRejected(Exception):
    """A server error that may mean the structured output mode is unsupported."""

    def __init__(self, error: ProviderError, cause: BaseException, status: int) -> None:
        super().__init__(error.message)
        self.error = error
        self.cause = cause
        self.status = status


def _modes_from(current: str | None) -> list[str]:
    start = STRUCTURED_MODES.index(current) if current else 0
    return list(STRUCTURED_MODES[start:])


def build_params(
    model: str, request: ModelRequest, mode: str | None, token_limit_param: str = "max_tokens"
) -> dict[str, Any]:
    """Translate a request into keyword arguments for ``chat.completions.create``."""
    params: dict[str, Any] = {"model": model, "messages": _messages(request), token_limit_param: request.max_tokens}
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.stop:
        params["stop"] = list(request.stop)

    tools = [_function(spec.name, spec.description, spec.input_schema) for spec in request.tools]
    schema = request.output_schema
    if mode == "json_schema":
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": schema, "strict": False},
        }
    elif mode == "json_object":
        params["response_format"] = {"type": "json_object", "schema": schema}
    elif mode == "tool":
        tools.append(_function(OUTPUT_TOOL_NAME, "Write the final result as the arguments.", schema or {}))
    if tools:
        params["tools"] = tools
        params["tool_choice"] = _tool_choice(request, mode)
    return params


def _tool_choice(request: ModelRequest, mode: str | None) -> Any:
    if mode == "tool" and not request.tools:
        return {"type": "function", "function": {"name": OUTPUT_TOOL_NAME}}
    if mode == "tool" or request.tool_choice == "any":
        return "required"
    if request.tool_choice == "auto":
        return "auto"
    return {"type": "function", "function": {"name": request.tool_choice}}


def _function(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": schema}}


def _messages(request: ModelRequest) -> list[dict[str, Any]]:
    # OpenAI caches prompt prefixes automatically, so cacheable blocks need no marking.
    converted: list[dict[str, Any]] = []
    system = request.system_text()
    if system:
        converted.append({"role": "system", "content": system})
    for message in request.messages:
        converted.append(_message(message))
    return converted


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}


_FINISH_REASONS: dict[str, StopReason] = {
    "stop": "end",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
}


def to_response(reply: Any, request: ModelRequest, mode: str | None) -> ModelResponse:
    """Build the neutral response from a collected reply (see :mod:`openai_stream`)."""
    stop = _FINISH_REASONS.get(reply.finish_reason or "stop", "end")
    # vLLM reports the matched stop string in a non-standard `stop_reason` field.
    if stop == "end" and isinstance(reply.matched_stop, str) and reply.matched_stop in request.stop:
        stop = "stop_sequence"
    if reply.finish_reason not in _FINISH_REASONS:
        logger.warning("The server returned finish reason %r; treating it as the end.", reply.finish_reason)

    text = reply.text
    calls = list(reply.tool_calls)
    if request.tools and not calls and "<tool_call>" in text:
        text, calls = parse_text_tool_calls(text, [spec.name for spec in request.tools])
    output_calls = [call for call in calls if call.name == OUTPUT_TOOL_NAME]
    calls = [call for call in calls if call.name != OUTPUT_TOOL_NAME]
    if calls and stop == "end":
        stop = "tool_use"
    if output_calls and not calls and stop == "tool_use":
        stop = "end"

    parsed = None
    if request.output_schema is not None and not calls:
        parsed = _structured(text, stop, output_calls)
    return ModelResponse(
        text=text,
        stop_reason=stop,
        usage=reply.usage or _estimated_usage(request, reply),
        tool_calls=calls,
        parsed=parsed,
        model=reply.model,
        raw=reply.raw,
    )


def _estimated_usage(request: ModelRequest, reply: Any) -> Usage:
    """Estimate tokens for a server that streamed no usage, marked as not exact."""
    written = reply.text + "".join(json.dumps(call.arguments) for call in reply.tool_calls)
    output = math.ceil(len(written.encode("utf-8")) / BYTES_PER_TOKEN)
    return Usage(input_tokens=estimate_tokens(request).tokens, output_tokens=output, exact=False)


def _structured(text: str, stop: StopReason, output_calls: list[ToolCall]) -> Any:
    if output_calls and stop != "max_tokens":
        arguments = output_calls[0].arguments
        if "_invalid_json" not in arguments:
            return arguments
        text = arguments["_invalid_json"]
    return parse_reply(text, stop_reason=stop, openers="{").value
