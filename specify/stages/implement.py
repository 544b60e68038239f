"""The implement stage: an agent loop over `tasks next` batches.

For each batch the loop claims the tasks and lets the model read and write files inside the
repository and run commands behind the shell policy, for up to the remaining turns. It then
runs the project's test command and ticks the tasks only when it passes. It optionally commits
and records progress in ``state.json``, so ``--resume`` continues after a crash or Ctrl-C. The loop stops when no task
is left, a check fails, or the turn or token budget is reached, and reports what it did.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from runtime.providers.base import Message, ModelRequest, ToolSpec
from runtime.providers.errors import TruncatedOutputError
from runtime.tools import Toolbox, Workspace
from runtime.tools.files import read_tools, write_tools
from runtime.tools.shell import ShellPolicy, run_command, shell_tool
from specify.errors import SpecifyError
from specify.settings import LoadedSettings
from specify.stages.inputs import StageInputs
from specify.stages.prompts import render_prompt
from specify.stages.registry import Stage
from specify.stages.session import BudgetExceededError, RunSession, answer_tool_calls

logger = logging.getLogger(__name__)


def _approver(options: Any):  # type: ignore[no-untyped-def]
    """Return the callback that decides "ask" commands: --yes approves, no terminal denies."""

    def approve(command: str, reason: str) -> bool:
        if options.yes:
            return True
        if not options.interactive or options.ask is None:
            return False
        reply = options.ask(f"Allow the model to run `{command}` ({reason})?", ["y", "n"], "n")
        return reply.strip().lower() in ("y", "yes")

    return approve


def _toolbox(root: Path, options: Any, written: list[str]) -> Toolbox:
    workspace = Workspace(root)
    toolbox = Toolbox()
    toolbox.add(*read_tools(workspace))
    toolbox.add(*write_tools(workspace, on_write=lambda path: written.append(workspace.relative(path))))
    toolbox.add(shell_tool(root, ShellPolicy(), _approver(options)))
    return toolbox


def _batch(inputs: StageInputs, options: Any, done_ids: set[str]) -> list[Any]:
    from specify.tasks import load_tasks, next_batch, read_claims

    doc = load_tasks(inputs.feature_dir / "tasks.md")
    if options.task:
        task = doc.find(options.task)
        if task is None:
            raise SpecifyError(f"Task {options.task} is not in {doc.path}.", "List tasks with `specify tasks list`.")
        return [] if task.done or task.ref in done_ids else [task]
    claims = read_claims(inputs.root, inputs.feature_dir / "tasks.md")
    return [t for t in next_batch(doc, claims) if t.ref not in done_ids]


def _work_on(session: RunSession, system: Any, batch: list[Any], inputs: StageInputs, toolbox: Toolbox,
             skill_session: Any, turns_left: int, test_command: str | None) -> tuple[int, str, bool]:
    """Run the tool loop for one batch and return the turns used and the model's summary.

    The third value is True when the model finished (replied without a tool call) before the
    turns ran out.
    """
    prompt = render_prompt("implement", tasks=batch, plan=inputs.artifact("plan.md")[:8000], test_command=test_command)
    specs = [ToolSpec.from_dict(d) for d in toolbox.definitions() + skill_session.tool_definitions()]
    if session.provider.backend == "llamacpp":
        # Tool calls are grammar-constrained JSON there: bound every string so a small model
        # cannot write past its context window in one call.
        from specify.stages.schema import compact_schema

        specs = [ToolSpec(s.name, s.description, compact_schema(s.input_schema, max_length=400, max_items=5))
                 for s in specs]
    conversation = [Message.user(prompt)]
    turns = 0
    summary = ""
    cut_replies = 0
    finished = False
    while turns < turns_left:
        turns += 1
        try:
            response = session.call(ModelRequest(messages=conversation, system=system, tools=specs, max_tokens=4096))
        except TruncatedOutputError as exc:
            # A reply cut at the output limit carries no usable tool call; nothing was written.
            cut_replies += 1
            session.record.event("truncated", turn=turns, raw=(exc.raw or "")[-2000:])
            if cut_replies >= 2:
                raise SpecifyError("The model's replies were cut at the output limit twice in a row.",
                                   "Use a model with a larger context window, or split the task.") from exc
            conversation.append(Message.user("Your last reply was cut at the output limit and was discarded. "
                                             "Make a smaller change per tool call."))
            continue
        cut_replies = 0
        summary = response.text
        if not response.tool_calls:
            finished = True
            break
        conversation.append(Message.assistant(response.text, response.tool_calls))
        conversation += answer_tool_calls(session, response.tool_calls, toolbox, skill_session)
    return turns, summary, finished


def _commit(root: Path, message: str) -> str | None:
    import git  # GitPython: about 60 ms

    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    repo.git.add(A=True)
    if not repo.is_dirty(index=True, untracked_files=False):
        return None
    repo.index.commit(message)
    return repo.head.commit.hexsha[:12]


def run_implement(stage: Stage, options: Any, inputs: StageInputs, loaded: LoadedSettings, session: RunSession,
                  result: Any, skills: Any, skill_session: Any, explicit: list[str]) -> None:
    from specify.stages.execute import _system
    from specify.tasks import release_claim, set_done, write_claim

    record = session.record
    state = _resume_state(inputs.root, options, record)
    done_ids: set[str] = set(state.get("done", []))
    max_turns = loaded.settings.budget.max_turns
    turns_used = 0
    written: list[str] = []
    test_command = loaded.settings.implement.test_command
    system = _system(stage, inputs, skills, loaded, True, "", explicit)
    toolbox = _toolbox(inputs.root, options, written)
    outcome, reason = "ok", "no open task is left"
    try:
        while True:
            batch = _batch(inputs, options, done_ids)
            if not batch:
                break
            if turns_used >= max_turns:
                outcome, reason = "budget", f"the turn budget of {max_turns} is used up"
                break
            ids = [t.ref for t in batch]
            write_claim(inputs.root, record.run_id, ids, inputs.feature_dir / "tasks.md")
            written_before = len(written)
            record.event("batch", tasks=ids)
            used, summary, finished = _work_on(session, system, batch, inputs, toolbox, skill_session,
                                               max_turns - turns_used, test_command)
            turns_used += used
            if not finished:
                outcome, reason = "budget", f"the turn budget of {max_turns} ran out during {', '.join(ids)}"
                break
            changed = len(written) > written_before
            if not test_command and not changed:
                outcome, reason = "failed", f"the model changed no file for {', '.join(ids)} and no test command is set"
                break
            if test_command:
                status, output = run_command(test_command, inputs.root)
                record.event("check", command=test_command, status=status, output=output[-4000:])
                if status != 0:
                    outcome, reason = "failed", f"`{test_command}` failed (exit {status}) after {', '.join(ids)}"
                    break
            set_done(inputs.feature_dir / "tasks.md", ids, done=True)
            done_ids.update(ids)
            record.write_json("state.json", {"done": sorted(done_ids), "turns": turns_used})
            if loaded.settings.implement.commit_per_task:
                sha = _commit(inputs.root, f"Implement {', '.join(ids)}\n\n{summary.strip()[:1500]}")
                record.event("commit", tasks=ids, sha=sha)
            if options.task:
                break
    except BudgetExceededError as exc:
        outcome, reason = "budget", str(exc)
    except SpecifyError as exc:
        outcome, reason = "failed", str(exc)
    finally:
        release_claim(inputs.root, record.run_id)
    result.status = outcome
    result.files = sorted(set(written))
    result.details.update({"done": sorted(done_ids), "turns": turns_used})
    result.message = f"implemented {len(done_ids)} task(s) in {turns_used} turn(s); stopped because {reason}"


def _resume_state(root: Path, options: Any, record: Any) -> dict[str, Any]:
    """Return the progress of the run being resumed ("" means the latest implement run)."""
    if options.resume is None:
        return {}
    from runtime.runs import list_runs

    candidates = [r for r in list_runs(root) if r.run_id != record.run_id and "-implement-" in r.run_id]
    if options.resume:
        candidates = [r for r in candidates if r.run_id == options.resume]
        if not candidates:
            raise SpecifyError(f"No implement run '{options.resume}' to resume.", "List runs with `specify runs list`.")
    if not candidates:
        return {}
    previous = candidates[-1]
    state = previous.read_json("state.json", {}) or {}
    record.event("resume", from_run=previous.run_id, done=state.get("done", []))
    return state
