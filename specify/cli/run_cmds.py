"""`specify run STAGE` and `specify runs list | show`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from specify.cli.output import FEATURE_OPTION, JSON_OPTION, emit, info

runs_app = typer.Typer(help="List and inspect headless runs (.specify/runs/).", no_args_is_help=True)

STAGE_HELP = "constitution, specify, clarify, plan, checklist, tasks, analyze, implement or converge."


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def _ask(question: str, choices: list[str], default: str) -> str:
    typer.echo(question, err=True)
    return typer.prompt(f"Answer [{'/'.join(choices)}]", default=default, err=True)


def _resume_target(resume: str | None) -> str | None:
    """Return None (no resume), "" (the latest implement run) or a run id."""
    if resume is None:
        return None
    return "" if resume == "last" else resume


def run(
    stage: str = typer.Argument(..., help=f"Stage to run: {STAGE_HELP}"),
    text: str = typer.Argument("", help="Input for the stage (the feature description for specify)."),
    backend: str = typer.Option(None, "--backend", help="anthropic, openai or llamacpp (default: the embedded model)."),
    model: str = typer.Option(None, "--model", help="Model name, or a GGUF file path for llamacpp."),
    base_url: str = typer.Option(None, "--base-url", help="Base URL of an OpenAI-compatible server."),
    feature: str = FEATURE_OPTION,
    task: str = typer.Option(None, "--task", help="Implement only this task id."),
    max_turns: int = typer.Option(None, "--max-turns", help="Agent loop turns for this run."),
    max_tokens: int = typer.Option(None, "--max-tokens", help="Token budget (input plus output) for this run."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Approve commands the shell policy would ask about (never denied ones)."),
    resume: str = typer.Option(None, "--resume", help="Continue an interrupted implement run: RUN_ID, or the last one when no id is given."),
    answers: Path = typer.Option(None, "--answers", help="Apply clarify answers from this JSON file."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run a workflow stage headless against a model."""
    from specify.stages.runner import RunOptions, run_stage

    def stream(fragment: str) -> None:
        sys.stderr.write(fragment)
        sys.stderr.flush()

    options = RunOptions(
        stage=stage, text=text, backend=backend, model=model, base_url=base_url, feature=feature, task=task,
        max_turns=max_turns, max_tokens=max_tokens, yes=yes, answers=answers,
        resume=_resume_target(resume),
        interactive=_interactive(), stream=None if as_json else stream, notify=info, ask=_ask,
    )
    result = run_stage(options)

    def human() -> None:
        typer.echo(f"\n{result.stage}: {result.status}: {result.message}")
        for path in result.files:
            typer.echo(f"  {path}")
        total = result.usage.get("total", {})
        if total:
            cost = total.get("cost_usd")
            typer.echo(f"tokens: {total.get('input_tokens', 0)} in, {total.get('output_tokens', 0)} out, "
                       f"{total.get('cached_tokens', 0)} cached" + (f"; cost ${cost:.4f}" if cost else ""))
        if result.run_id:
            typer.echo(f"run: .specify/runs/{result.run_id}")

    emit(result.to_json(), as_json, human)
    if result.status in ("failed", "budget"):
        raise typer.Exit(1)


@runs_app.command("list")
def runs_list(as_json: bool = JSON_OPTION) -> None:
    """List runs with their stage, status and tokens, and totals per stage."""
    from specify.project import find_root
    from specify.stages.history import list_summaries

    summary = list_summaries(find_root().path)

    def human() -> None:
        for row in summary["runs"]:
            typer.echo(f"{row['run_id']:<36} {row['status']:<11} {row['tokens']:>8} tok  {row['backend']}")
        for stage, totals in summary["by_stage"].items():
            typer.echo(f"total {stage:<12} {totals['runs']} run(s), {totals['tokens']} tokens")

    emit(summary, as_json, human)


@runs_app.command("show")
def runs_show(run_id: str = typer.Argument(..., help="Run id from `specify runs list`."), as_json: bool = JSON_OPTION) -> None:
    """Print one run: its settings, outcome, usage and transcript events."""
    from specify.project import find_root
    from specify.stages.history import show_run

    data = show_run(find_root().path, run_id)

    def human() -> None:
        meta, outcome = data["meta"], data["outcome"] or {}
        typer.echo(f"{meta['run_id']}  stage {meta['stage']}  backend {meta.get('backend')}  model {meta.get('model')}")
        typer.echo(f"status {outcome.get('status', 'running or crashed')}: {outcome.get('message', '')}")
        for event in data["events"]:
            detail = event.get("text") or event.get("message") or event.get("name") or ""
            typer.echo(f"  {event['time']}  {event['event']:<16} {str(detail)[:100]}")

    emit(data, as_json, human)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.add_typer(runs_app, name="runs")
