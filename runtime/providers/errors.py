"""Exceptions that every provider raises in place of its SDK's own.

The stage runner and the agent loop catch these types only, so a run behaves the same on
Anthropic, an OpenAI-compatible server and llama.cpp. Messages never contain an API key:
providers pass SDK error text through :func:`runtime.redact.redact` first.
"""

from __future__ import annotations

from specify.errors import SpecifyError


class ProviderError(SpecifyError):
    """A model call that failed; the subclasses name the usual causes."""


class AuthenticationError(ProviderError):
    """The server rejected the API key (HTTP 401 or 403), or no key was found."""


class RateLimitError(ProviderError):
    """The server kept answering HTTP 429 after the SDK's retries."""


class ContextOverflowError(ProviderError):
    """The prompt plus the requested output does not fit the model's context window."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        prompt_tokens: int | None = None,
        max_tokens: int | None = None,
        context_window: int | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.prompt_tokens = prompt_tokens
        self.max_tokens = max_tokens
        self.context_window = context_window


class ProviderTimeoutError(ProviderError):
    """The request timed out after the SDK's retries."""


class ProviderUnavailableError(ProviderError):
    """The server could not be reached, failed (HTTP 5xx) or dropped the connection."""


class InvalidOutputError(ProviderError):
    """The reply holds no JSON value where structured output was requested.

    ``raw`` is the model's reply as received, so the caller can save it for inspection.
    """

    def __init__(self, message: str, hint: str | None = None, *, raw: str = "") -> None:
        super().__init__(message, hint)
        self.raw = raw


class TruncatedOutputError(ProviderError):
    """The model stopped at the output token limit before finishing structured output."""

    def __init__(self, message: str, hint: str | None = None, *, raw: str = "") -> None:
        super().__init__(message, hint)
        self.raw = raw
