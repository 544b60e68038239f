"""The body of a stage run: skills, prompts, the model calls and the writer."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from runtime.providers.base import Message, SystemBlock, ToolSpec
from runtime.runs import RunRecord
from runtime.usage import UsageLedger
from specify.errors import SpecifyError
from specify.project import Resolved
from specify.settings import LoadedSettings
from specify.stages.backend import BackendChoice
from specify.stages.inputs import StageInputs, gather
from specify.stages.prompts import render_prompt
from specify.stages.registry import Stage
from specify.stages.runner import RunOptions, RunResult
from specify.stages.session import BudgetExceededError, RunSession, answer_tool_calls, structured_call

logger = logging.getLogger(__name__)
SKILL_INJECTION_TOKENS = 1500
EXPLORE_TURNS = 6


def _skills(root: Path, loaded: LoadedSettings, notify: Any) -> Any:
    from runtime.skills import discover

    extra = [Path(d).expanduser() for d in loaded.settings.skills.dirs]
    skills = discover(root, extra_dirs=extra)
    for notice in skills.notices:
        notify(notice)
    return skills


def _user_prompt(stage: Stage, inputs: StageInputs, options: RunOptions) -> str:
    context: dict[str, Any] = {
        "text": options.text.strip(),
        "spec": inputs.artifact("spec.md"),
        "plan": inputs.artifact("plan.md"),
        "tasks": inputs.artifact("tasks.md"),
        "current": "",
        "readme": "",
        "findings": "",
    }
    if stage.name == "constitution":
        current = (inputs.root / ".specify" / "memory" / "constitution.md")
        context["current"] = current.read_text(encoding="utf-8", errors="replace")[:6000] if current.is_file() else ""
        readme = inputs.root / "README.md"
        context["readme"] = readme.read_text(encoding="utf-8", errors="replace")[:3000] if readme.is_file() else ""
    if stage.name == "analyze":
        from specify.stages.analyze import deterministic_findings_text

        context["findings"] = deterministic_findings_text(inputs)
    return render_prompt(stage.name, **context)


def _system(stage: Stage, inputs: StageInputs, skills: Any, loaded: LoadedSettings,
            native_tools: bool, user_text: str, explicit: list[str]) -> list[SystemBlock]:
    catalog = skills.catalog_text(loaded.settings.skills.catalog_tokens) if native_tools else ""
    injected = list(explicit)
    if not native_tools and skills.skills:
        # Models without tool calling: inject the most relevant skills' bodies up front.
        session = skills.session()
        injected += [session.activate(s.name) for s in skills.select(user_text, SKILL_INJECTION_TOKENS)
                     if s.name not in user_text]
    head = render_prompt("system", stage=stage.name, role=stage.role, structured=stage.output is not None,
                         constitution="", skills_catalog=catalog, active_skills=injected)
    blocks = []
    if inputs.constitution:
        blocks.append(SystemBlock(f"<constitution>\n{inputs.constitution}\n</constitution>", cacheable=True))
    blocks.append(SystemBlock(head))
    return blocks


def _explore(session: RunSession, system: list[SystemBlock], messages: list[Message], tools: Any,
             skill_session: Any, max_turns: int) -> list[Message]:
    """Let a tool-calling model read the repository and activate skills before it answers."""
    from runtime.providers.base import ModelRequest

    specs = [ToolSpec.from_dict(d) for d in tools.definitions() + skill_session.tool_definitions()]
    conversation = list(messages)
    for _ in range(max_turns):
        response = session.call(ModelRequest(messages=conversation, system=system, tools=specs, max_tokens=2048))
        if not response.tool_calls:
            break
        conversation.append(Message.assistant(response.text, response.tool_calls))
        conversation += answer_tool_calls(session, response.tool_calls, tools, skill_session)
    conversation.append(Message.user("Now write your answer as the JSON object the schema describes."))
    return conversation


def execute_stage(stage: Stage, options: RunOptions, root: Path, loaded: LoadedSettings,
                  choice: BackendChoice, provider: Any, feature: Resolved | None) -> RunResult:
    inputs = gather(root, feature, stage.required, stage.optional)
    meta = {"backend": choice.backend, "model": choice.model, "base_url": choice.base_url, "rule": choice.rule,
            "feature": str(feature.path) if feature else None, "text": options.text, "pid": os.getpid()}
    record = RunRecord.create(root, stage.name, meta)
    ledger = UsageLedger(prices=loaded.settings.prices)
    session = RunSession(stage.name, provider, record, ledger, loaded.settings.budget.max_tokens,
                         loaded.settings.budget.max_cost_usd, options.stream)
    result = RunResult(record.run_id, stage.name, "failed", "", backend=choice.describe(),
                       feature_dir=str(feature.path) if feature else None)
    try:
        _run_body(stage, options, inputs, loaded, choice, session, result)
    except BudgetExceededError as exc:
        result.status, result.message = "budget", str(exc)
    except KeyboardInterrupt:
        result.status, result.message = "interrupted", "Interrupted; resume with --resume."
        record.finish(result.status, result.message, result.files, usage=ledger.total())
        raise
    except SpecifyError as exc:
        result.status, result.message = "failed", str(exc)
        record.finish(result.status, result.message, result.files, usage=ledger.total())
        raise
    result.usage = {"total": ledger.total(), "by_stage": ledger.by_stage()}
    record.finish(result.status, result.message, result.files, usage=ledger.total(), **result.details)
    return result


def _run_body(stage: Stage, options: RunOptions, inputs: StageInputs, loaded: LoadedSettings,
              choice: BackendChoice, session: RunSession, result: RunResult) -> None:
    skills = _skills(inputs.root, loaded, options.notify)
    skill_session = skills.session()
    explicit = skill_session.activate_explicit(options.text) if options.text else []
    native_tools = choice.backend != "llamacpp"

    if stage.name == "implement":
        from specify.stages.implement import run_implement

        run_implement(stage, options, inputs, loaded, session, result, skills, skill_session, explicit)
        return

    user_text = _user_prompt(stage, inputs, options)
    system = _system(stage, inputs, skills, loaded, native_tools, user_text, explicit)
    messages = [Message.user(user_text)]
    if native_tools and stage.explore:
        from runtime.tools import Toolbox, Workspace
        from runtime.tools.files import read_tools

        toolbox = Toolbox()
        toolbox.add(*read_tools(Workspace(inputs.root)))
        turns = min(EXPLORE_TURNS, loaded.settings.budget.max_turns)
        messages = _explore(session, system, messages, toolbox, skill_session, turns)

    from specify.stages.schema import output_schema

    assert stage.output is not None
    schema = output_schema(stage.output)
    if choice.backend == "llamacpp":
        schema = _fit_local_schema(session, system, messages, schema)
    output = structured_call(session, system, messages, stage.output, schema,
                             stage.max_output_tokens, loaded.settings.model.temperature)
    session.record.write_json("output.json", output.model_dump(mode="json"))
    _write(stage, options, inputs, session, result, output)


def _fit_local_schema(session: RunSession, system: list[SystemBlock], messages: list[Message],
                      schema: dict[str, Any]) -> dict[str, Any]:
    """Tighten the schema until its longest possible reply fits what the prompt leaves free."""
    from runtime.providers.base import ModelRequest
    from specify.stages.schema import fit_schema

    probe = ModelRequest(messages=messages, system=system, output_schema=schema)
    room = session.provider.context_window() - session.provider.count_tokens(probe).tokens - 64
    fitted = fit_schema(schema, max(room, 256))
    session.record.event("schema_fit", room_tokens=room)
    return fitted


def _write(stage: Stage, options: RunOptions, inputs: StageInputs, session: RunSession,
           result: RunResult, output: Any) -> None:
    from specify.stages.writers import WRITERS, WriteContext

    if stage.name == "clarify":
        from specify.stages.clarify import handle_questions

        handle_questions(inputs, output, options, session.record, result)
        return
    ctx = WriteContext(inputs, options.text, session.record.path)
    WRITERS[stage.name](ctx, output)
    result.files = ctx.written
    if ctx.feature_dir is not None:
        result.feature_dir = str(ctx.feature_dir)
    if stage.name == "analyze":
        from specify.stages.analyze import report

        result.details.update(report(inputs, output))
    result.status = "ok"
    result.message = f"{stage.name} wrote {', '.join(ctx.written) or 'nothing'}"
