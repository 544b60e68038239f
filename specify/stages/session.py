"""One stage run's connection to a model: budget checks, transcript and usage on every call."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from runtime.providers.base import (
    Message,
    ModelRequest,
    ModelResponse,
    Provider,
    StreamCallback,
    SystemBlock,
)
from runtime.providers.errors import InvalidOutputError, TruncatedOutputError
from runtime.runs import RunRecord
from runtime.usage import UsageLedger
from specify.errors import SpecifyError

logger = logging.getLogger(__name__)


class BudgetExceededError(SpecifyError):
    """The run reached its token, cost or turn budget."""


class StageOutputError(SpecifyError):
    """The model's reply failed validation twice; nothing was written."""


@dataclass
class RunSession:
    stage: str
    provider: Provider
    record: RunRecord
    ledger: UsageLedger
    max_tokens_total: int | None = None
    max_cost_usd: float | None = None
    stream: StreamCallback | None = None
    calls: int = field(default=0)

    def spent_tokens(self) -> int:
        return sum(call.usage.total_tokens for call in self.ledger.calls)

    def check_budget(self) -> None:
        spent = self.spent_tokens()
        if self.max_tokens_total is not None and spent >= self.max_tokens_total:
            raise BudgetExceededError(
                f"Token budget reached: {spent} of {self.max_tokens_total} tokens used.",
                "Raise --max-tokens or budget.max_tokens, then resume with --resume.",
            )
        cost = self.ledger.total().get("cost_usd")
        if self.max_cost_usd is not None and isinstance(cost, float) and cost >= self.max_cost_usd:
            raise BudgetExceededError(
                f"Cost budget reached: ${cost:.4f} of ${self.max_cost_usd:.4f}.",
                "Raise budget.max_cost_usd, then resume with --resume.",
            )

    def call(self, request: ModelRequest) -> ModelResponse:
        self.check_budget()
        request.max_tokens = fit_output_budget(self.provider, request)
        if self.max_tokens_total is not None:
            remaining = self.max_tokens_total - self.spent_tokens()
            request.max_tokens = max(1, min(request.max_tokens, remaining))
        self.calls += 1
        user_text = "\n\n".join(f"[{m.role}] {m.content}" for m in request.messages)
        self.record.save_prompt(self.calls, request.system_text(), user_text)
        self.record.event("request", call=self.calls, messages=len(request.messages),
                          tools=[t.name for t in request.tools], structured=request.output_schema is not None,
                          max_tokens=request.max_tokens)
        try:
            response = self.provider.complete(request, stream_to=self.stream)
        except SpecifyError as exc:
            self.record.event("error", call=self.calls, kind=type(exc).__name__, message=str(exc))
            raise
        self.ledger.record(self.stage, response.model or self.provider.model, response.usage)
        self.record.event("response", call=self.calls, text=response.text, stop_reason=response.stop_reason,
                          tool_calls=[{"id": c.id, "name": c.name, "arguments": c.arguments} for c in response.tool_calls],
                          parsed=response.parsed, usage=response.usage.to_dict())
        self.record.write_json("usage.json", {"calls": [
            {"stage": c.stage, "model": c.model, **c.usage.to_dict(), "cost_usd": c.cost_usd} for c in self.ledger.calls
        ], "by_stage": self.ledger.by_stage(), "total": self.ledger.total()})
        return response


def answer_tool_calls(session: RunSession, calls: list[Any], toolbox: Any, skill_session: Any) -> list[Message]:
    """Run each tool call (a skill tool or a repository tool) and return the result messages.

    Errors come back to the model as error results; every call is recorded in the transcript.
    """
    skill_tools = {d["name"] for d in skill_session.tool_definitions()}
    results = []
    for call in calls:
        if call.name in skill_tools:
            content, is_error = skill_session.handle_tool_call(call.name, call.arguments), False
        else:
            outcome = toolbox.call(call.name, call.arguments)
            content, is_error = outcome.content, outcome.is_error
        session.record.event("tool_result", name=call.name, arguments=call.arguments, is_error=is_error,
                             content=content[:4000])
        results.append(Message.tool_result(call.id, content, is_error=is_error))
    return results


def fit_output_budget(provider: Provider, request: ModelRequest, margin: int = 16) -> int:
    """Shrink ``max_tokens`` so prompt plus reply fit the context window, when it is known.

    A prompt that leaves fewer than 256 tokens for the reply keeps its ``max_tokens``, so the
    provider's own check rejects it with the numbers instead of a reply cut short.
    """
    try:
        window = provider.context_window()
        prompt = provider.count_tokens(request).tokens
    except (NotImplementedError, AttributeError):
        return request.max_tokens
    room = window - prompt - margin
    return min(request.max_tokens, room) if room >= 256 else request.max_tokens


def _validation_message(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors()[:20]:
        location = ".".join(str(part) for part in error["loc"]) or "(root)"
        lines.append(f"- {location}: {error['msg']}")
    return "\n".join(lines)


def structured_call(
    session: RunSession,
    system: list[SystemBlock],
    messages: list[Message],
    model: type[BaseModel],
    schema: dict[str, Any],
    max_tokens: int,
    temperature: float | None,
) -> BaseModel:
    """Ask for output matching ``schema``; retry once with the validation error, then fail.

    The last raw reply is saved as ``raw-reply.txt`` in the run folder when both tries fail.
    """
    conversation = list(messages)
    last_error = ""
    for attempt in (1, 2):
        request = ModelRequest(messages=conversation, system=system, output_schema=schema,
                               max_tokens=max_tokens, temperature=temperature)
        try:
            response = session.call(request)
        except (InvalidOutputError, TruncatedOutputError) as exc:
            raw = getattr(exc, "raw", "") or ""
            session.record.write_text("raw-reply.txt", raw or str(exc))
            if attempt == 2:
                raise StageOutputError(f"The model's reply was unusable twice: {exc}",
                                       f"The raw reply is in {session.record.path / 'raw-reply.txt'}.") from exc
            last_error = str(exc)
            conversation = [*messages, Message.user(f"Your reply could not be used: {last_error}\nReply again with one complete JSON object.")]
            continue
        try:
            return model.model_validate(response.parsed)
        except ValidationError as exc:
            import json

            raw = json.dumps(response.parsed, ensure_ascii=False, indent=2) if response.parsed is not None else response.text
            session.record.write_text("raw-reply.txt", raw)
            last_error = _validation_message(exc)
            session.record.event("validation_error", attempt=attempt, errors=last_error)
            if attempt == 2:
                raise StageOutputError(
                    f"The model's {session.stage} output failed validation twice:\n{last_error}",
                    f"Nothing was written. The raw reply is in {session.record.path / 'raw-reply.txt'}.",
                ) from exc
            conversation = [*messages, Message.assistant(raw),
                            Message.user(f"That output is invalid:\n{last_error}\nReply again with corrected JSON.")]
    raise AssertionError("unreachable")
