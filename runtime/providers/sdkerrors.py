"""Translate exceptions of the Anthropic and OpenAI SDKs (and their HTTP client) into ours.

Both SDKs share one exception layout (APIStatusError with ``status_code`` and ``body``,
APIConnectionError, APITimeoutError), so the mapping goes by class names in the MRO and
never imports either SDK. A connection dropped while a stream is being read surfaces as the
HTTP client's own TransportError, which the SDKs do not wrap.
"""

from __future__ import annotations

import re
from typing import Any

from runtime.providers.errors import (
    AuthenticationError,
    ContextOverflowError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
)
from runtime.redact import redact

MAX_DETAIL_CHARS = 300
_OVERFLOW = re.compile(
    r"context[_ ]length|context window|prompt is too long|too many tokens|exceeds? (the )?(model'?s? )?"
    r"(maximum )?context|maximum context",
    re.I,
)
_KEY_HINT = {
    "anthropic": "Check ANTHROPIC_API_KEY or `specify config set keys.anthropic_api_key KEY --user`.",
    "openai": "Check OPENAI_API_KEY or `specify config set keys.openai_api_key KEY --user`.",
}


class StreamProgress:
    """Count of stream events received, which separates a dropped stream from a failed connect."""

    events = 0


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _detail(exc: BaseException) -> str:
    text = redact(str(exc)).strip() or type(exc).__name__
    return text if len(text) <= MAX_DETAIL_CHARS else text[:MAX_DETAIL_CHARS] + "..."


def _error_type(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("type") or error.get("code") or "")
    return ""


def map_sdk_error(
    exc: BaseException, backend: str, model: str, *, mid_stream: bool = False
) -> ProviderError | None:
    """Return the project error for an SDK or HTTP client exception, or None if it is neither.

    ``mid_stream`` means the reply had started to arrive, so a connection error means the
    server dropped the connection rather than being unreachable.
    """
    names = _class_names(exc)
    detail = _detail(exc)
    connection_error = bool(names & {"APIConnectionError", "TransportError"})
    if mid_stream and connection_error and "APITimeoutError" not in names:
        return ProviderUnavailableError(
            f"The {backend} server dropped the connection while sending the reply for {model}: {detail}",
            "Nothing was written; retry the stage.",
        )
    if "APITimeoutError" in names or "TimeoutException" in names:
        return ProviderTimeoutError(
            f"The {backend} request for {model} timed out after the SDK's retries: {detail}",
            "Retry later, or raise the timeout for slow local servers.",
        )
    if "APIConnectionError" in names:
        return ProviderUnavailableError(
            f"Could not connect to the {backend} server for {model}: {detail}",
            "Check the network and the base URL, then retry.",
        )
    if "TransportError" in names:
        return ProviderUnavailableError(
            f"The connection to the {backend} server failed for {model}: {detail}",
            "Check the network and the base URL, then retry.",
        )
    if "APIStatusError" in names:
        return _map_status(exc, backend, model, detail)
    if "APIError" in names:
        # An error event inside an otherwise successful (HTTP 200) stream.
        return ProviderUnavailableError(
            f"The {backend} server reported an error while streaming the reply for {model}: {detail}",
            "Nothing was written; retry the stage.",
        )
    return None


def _map_status(exc: BaseException, backend: str, model: str, detail: str) -> ProviderError:
    status = getattr(exc, "status_code", 0) or 0
    kind = _error_type(getattr(exc, "body", None))
    if status in (401, 403) or kind in ("authentication_error", "permission_error", "invalid_api_key"):
        return AuthenticationError(
            f"The {backend} server rejected the API key ({status}): {detail}", _KEY_HINT.get(backend)
        )
    if status == 429 or kind == "rate_limit_error":
        return RateLimitError(
            f"The {backend} server kept rate-limiting requests for {model} after the SDK's retries: {detail}",
            "Wait a minute and retry, or lower the request rate.",
        )
    if status in (400, 413, 422) and (_OVERFLOW.search(detail) or kind == "context_length_exceeded"):
        return ContextOverflowError(
            f"The prompt does not fit the context window of {model}: {detail}",
            "Shorten the input or lower --max-tokens.",
        )
    if status >= 500 or kind in ("overloaded_error", "api_error"):
        return ProviderUnavailableError(
            f"The {backend} server failed ({status or kind}) for {model} after the SDK's retries: {detail}",
            "Retry later.",
        )
    if status == 404:
        return ProviderError(
            f"The {backend} server does not know the model '{model}' (404): {detail}", "Check --model."
        )
    return ProviderError(
        f"The {backend} server rejected the request for {model} ({status}): {detail}",
        "Check the model name, --max-tokens and the server's supported options.",
    )
