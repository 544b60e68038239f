"""The provider-neutral request, response and provider interface.

A caller builds a :class:`ModelRequest`, passes it to :meth:`Provider.complete` and gets a
:class:`ModelResponse`, whichever backend runs the model. Messages, tools and stop reasons
are normalised here; each provider module translates them to and from its own API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from runtime.providers.errors import (
    AuthenticationError,
    ContextOverflowError,
    InvalidOutputError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    TruncatedOutputError,
)
from runtime.usage import Usage

__all__ = [
    "AuthenticationError",
    "ContextOverflowError",
    "InvalidOutputError",
    "Message",
    "ModelRequest",
    "ModelResponse",
    "Provider",
    "ProviderError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "RateLimitError",
    "StopReason",
    "StreamCallback",
    "SystemBlock",
    "TokenCount",
    "ToolCall",
    "ToolSpec",
    "TruncatedOutputError",
    "Usage",
]

StopReason = Literal["end", "max_tokens", "tool_use", "stop_sequence"]
Role = Literal["user", "assistant", "tool"]
# Receives each fragment of the reply as it arrives: text, or the JSON of structured output.
StreamCallback = Callable[[str], None]

# Name of the tool that carries structured output where a forced tool call is the mechanism.
OUTPUT_TOOL_NAME = "write_output"


@dataclass(frozen=True)
class SystemBlock:
    """One part of the system prompt.

    ``cacheable`` marks a stable prefix (the constitution, the spec) that a provider with prompt
    caching may cache; blocks are sent in order, so put cacheable blocks first.
    """

    text: str
    cacheable: bool = False


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call; ``input_schema`` is a JSON Schema object."""

    name: str
    description: str
    input_schema: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolSpec:
        """Build from ``{"name", "description", "input_schema"}`` (``parameters`` also accepted)."""
        schema = data.get("input_schema", data.get("parameters", {"type": "object"}))
        return cls(data["name"], data.get("description", ""), schema)


@dataclass(frozen=True)
class ToolCall:
    """A call the model asked for; ``arguments`` is the decoded JSON object."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One conversation turn.

    ``user`` and ``assistant`` carry text; an assistant turn may also carry ``tool_calls``. A
    ``tool`` turn returns the result of the call named by ``tool_call_id``.
    """

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    is_error: bool = False

    @classmethod
    def user(cls, text: str) -> Message:
        return cls("user", text)

    @classmethod
    def assistant(cls, text: str, tool_calls: Sequence[ToolCall] = ()) -> Message:
        return cls("assistant", text, tuple(tool_calls))

    @classmethod
    def tool_result(cls, call_id: str, text: str, *, is_error: bool = False) -> Message:
        return cls("tool", text, tool_call_id=call_id, is_error=is_error)


@dataclass
class ModelRequest:
    """Everything one model call needs, independent of the backend.

    ``output_schema`` asks for structured output: the reply is one JSON value matching it and
    arrives in :attr:`ModelResponse.parsed`. ``tool_choice`` is ``"auto"`` (the model decides),
    ``"any"`` (it must call some tool) or a tool name (it must call that one).
    """

    messages: list[Message]
    system: str | list[SystemBlock] = ""
    tools: list[ToolSpec] = field(default_factory=list)
    output_schema: dict[str, Any] | None = None
    max_tokens: int = 4096
    temperature: float | None = None
    stop: list[str] = field(default_factory=list)
    tool_choice: str = "auto"

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, not {self.max_tokens}")
        names = [tool.name for tool in self.tools]
        if self.tool_choice not in ("auto", "any") and self.tool_choice not in names:
            raise ValueError(f"tool_choice {self.tool_choice!r} is not 'auto', 'any' or one of the tools {names}")

    def system_blocks(self) -> list[SystemBlock]:
        if isinstance(self.system, str):
            return [SystemBlock(self.system)] if self.system else []
        return list(self.system)

    def system_text(self) -> str:
        return "\n\n".join(block.text for block in self.system_blocks())


@dataclass
class ModelResponse:
    """A finished reply.

    ``parsed`` holds the decoded JSON when the request had an ``output_schema``; ``raw`` is the
    provider's response as a JSON-compatible dict, for transcripts.
    """

    text: str
    stop_reason: StopReason
    usage: Usage
    tool_calls: list[ToolCall] = field(default_factory=list)
    parsed: Any = None
    model: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return self.stop_reason == "max_tokens"


@dataclass(frozen=True)
class TokenCount:
    """Prompt size in tokens; ``exact`` is False for an estimate."""

    tokens: int
    exact: bool
    method: str


@runtime_checkable
class Provider(Protocol):
    """A model backend. Implementations: anthropic, openai, llamacpp."""

    backend: str
    model: str

    def complete(self, request: ModelRequest, stream_to: StreamCallback | None = None) -> ModelResponse:
        """Run one call, streaming fragments to ``stream_to`` if given.

        Raises a :class:`ProviderError` subclass on failure; a request with ``output_schema``
        never returns without ``parsed`` set.
        """
        ...

    def count_tokens(self, request: ModelRequest) -> TokenCount:
        """Count (or conservatively estimate) the prompt tokens of ``request``."""
        ...

    def context_window(self) -> int:
        """Return the model's context window in tokens."""
        ...

    def describe(self) -> dict[str, Any]:
        """Return facts for the run log: backend, model, endpoint or file, offload."""
        ...


def schema_json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True, ensure_ascii=False)
