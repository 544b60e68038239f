"""`specify check`: the active feature's documents and the next stage to run."""

from __future__ import annotations

from typing import Any

import typer

from specify.cli.output import FEATURE_OPTION, JSON_OPTION, emit


def check(
    require_tasks: bool = typer.Option(False, "--require-tasks", help="Fail unless plan.md and tasks.md exist."),
    include_tasks: bool = typer.Option(False, "--include-tasks", help="List tasks.md in AVAILABLE_DOCS when present."),
    paths_only: bool = typer.Option(False, "--paths-only", help="Print only the feature's paths; check nothing."),
    feature: str | None = FEATURE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Report what exists for the active feature and which stage to run next."""
    from specify.features import CheckRequest, check_feature
    from specify.project import find_root

    request = CheckRequest(feature, require_tasks, include_tasks, paths_only)
    report = check_feature(find_root().path, request)
    emit(report, as_json, lambda: _print_report(report))


def _print_report(report: dict[str, Any]) -> None:
    for key in ("REPO_ROOT", "BRANCH", "FEATURE_DIR", "FEATURE_SPEC", "IMPL_PLAN", "TASKS"):
        if key in report:
            typer.echo(f"{key}: {report[key] or 'none (no active feature)'}")
    if report.get("rule"):
        typer.echo(f"feature chosen by: {report['rule']}")
    if "AVAILABLE_DOCS" in report:
        typer.echo(f"AVAILABLE_DOCS: {', '.join(report['AVAILABLE_DOCS']) or 'none'}")
    tasks = report.get("tasks")
    if tasks:
        typer.echo(f"tasks: {tasks['done']}/{tasks['total']} done")
    for problem in report.get("problems", []):
        typer.echo(f"problem: {problem}")
    if "next_stage" in report:
        typer.echo(f"next stage: {report['next_stage']}")


def register(app: typer.Typer) -> None:
    app.command("check")(check)
