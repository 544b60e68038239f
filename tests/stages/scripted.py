"""A scripted provider: replays queued replies, for runner logic that no real model can be steered
into (a model that writes outside the repository, runs a denied command, or never stops).

It implements the same Provider protocol as the real backends; the real backends are tested
against real local servers and models in tests/providers/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.providers.base import ModelRequest, ModelResponse, TokenCount, ToolCall
from runtime.usage import Usage

Reply = dict[str, Any] | Callable[[ModelRequest], dict[str, Any]]


@dataclass
class ScriptedProvider:
    replies: list[Reply]
    backend: str = "scripted"
    model: str = "scripted-model"
    requests: list[ModelRequest] = field(default_factory=list)

    def complete(self, request: ModelRequest, stream_to: Any = None) -> ModelResponse:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError("The scripted provider ran out of replies")
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(request)
        calls = [ToolCall(f"call-{len(self.requests)}-{i}", name, args)
                 for i, (name, args) in enumerate(reply.get("tool_calls", []))]
        stop = "tool_use" if calls else reply.get("stop_reason", "end")
        return ModelResponse(text=reply.get("text", ""), stop_reason=stop, usage=Usage(100, 20),
                             tool_calls=calls, parsed=reply.get("parsed"), model=self.model)

    def count_tokens(self, request: ModelRequest) -> TokenCount:
        return TokenCount(100, False, "scripted")

    def context_window(self) -> int:
        return 100_000

    def describe(self) -> dict[str, Any]:
        return {"backend": self.backend, "model": self.model}
