"""`specify tasks list | next | done | undo | stats`: read and tick the feature's tasks.md."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import typer

from specify.cli.output import FEATURE_OPTION, JSON_OPTION, emit, warn

tasks_app = typer.Typer(help="List, schedule and tick the tasks in the feature's tasks.md.", no_args_is_help=True)

WIDTH = 80
IDS_ARGUMENT = typer.Argument(
    ..., help="Task ids such as T001 (any case; 'T001,T002' also works), or L<line> for tasks without an id."
)
SHA_OPTION = typer.Option(
    None,
    "--if-sha256",
    help="Write only if tasks.md still has this sha256 (from `tasks list --json`).",
)


def _shown(path: str) -> str:
    """Return ``path`` relative to the working directory when it is below it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def _columns(char: str) -> int:
    """Return the terminal columns ``char`` takes: 2 for wide CJK and emoji, 0 for combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _clip(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal columns, ending a cut line with "..."."""
    if sum(_columns(char) for char in text) <= width:
        return text
    used = 0
    for index, char in enumerate(text):
        used += _columns(char)
        if used > width - 3:
            return text[:index] + "..."
    return text


def _box(row: dict[str, Any]) -> str:
    return f"[{row['marker'] or ''}]".ljust(3)


def _task_line(row: dict[str, Any], width: int = WIDTH) -> str:
    tags = f"{'P' if row['parallel'] else '':<2}{row['story'] or '':<5}"
    head = f"{'  ' * row['level']}{_box(row)} {row['ref']:<6} {tags}"
    if row["claimed_by"]:
        head += f" (claimed by {row['claimed_by']})"
    return _clip(f"{head}  {row['description']}", width)


def _show_warnings(data: dict[str, Any]) -> None:
    for message in data.get("warnings", []):
        warn(message)


@tasks_app.command("list")
def list_command(feature: str | None = FEATURE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Print every task with its checkbox, id, tags and phase."""
    from specify.tasks.service import list_tasks

    data = list_tasks(feature)
    _show_warnings(data)

    def human() -> None:
        phase: object = object()
        for row in data["tasks"]:
            if row["phase"] != phase:
                phase = row["phase"]
                typer.echo(_clip(f"{row['phase'] or '(no phase)'}", WIDTH))
            typer.echo("  " + _task_line(row, WIDTH - 2))
        if not data["tasks"]:
            typer.echo(f"No tasks in {_shown(data['file'])}.")

    emit(data, as_json, human)


@tasks_app.command("next")
def next_command(feature: str | None = FEATURE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Print the next batch of runnable tasks ([P] tasks that can run together)."""
    from specify.tasks.service import next_tasks

    data = next_tasks(feature)

    def human() -> None:
        for row in data["details"]:
            typer.echo(_task_line(row))
        for row in data["claimed"]:
            typer.echo(f"skipped {row['id']}: claimed by run {row['claimed_by']}")
        if not data["tasks"]:
            if not data["remaining"]:
                typer.echo("No runnable task: all tasks are done.")
            else:
                typer.echo(
                    f"No runnable task: {data['remaining']} open task(s) wait for dependencies or are "
                    "claimed; `specify analyze` reports dependency cycles."
                )

    emit(data, as_json, human)


def _mark(ids: list[str], done: bool, feature: str | None, sha: str | None, as_json: bool) -> None:
    from specify.tasks.service import mark

    data = mark(ids, done, feature, sha)
    state = "done" if done else "open"

    def human() -> None:
        if data["changed"]:
            typer.echo(f"Marked {state}: {', '.join(data['changed'])}")
        if data["unchanged"]:
            typer.echo(f"Already {state}: {', '.join(data['unchanged'])}")
        typer.echo(f"{data['done']}/{data['total']} done in {_shown(data['file'])}")

    emit(data, as_json, human)


@tasks_app.command("done")
def done_command(
    ids: list[str] = IDS_ARGUMENT,
    feature: str | None = FEATURE_OPTION,
    expected_sha256: str | None = SHA_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Tick tasks: change only their checkboxes to [x]."""
    _mark(ids, True, feature, expected_sha256, as_json)


@tasks_app.command("undo")
def undo_command(
    ids: list[str] = IDS_ARGUMENT,
    feature: str | None = FEATURE_OPTION,
    expected_sha256: str | None = SHA_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Untick tasks: change their [x] checkboxes back to [ ]."""
    _mark(ids, False, feature, expected_sha256, as_json)


@tasks_app.command("stats")
def stats_command(feature: str | None = FEATURE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Print how many tasks are done, open and oddly marked, per phase."""
    from specify.tasks.service import tasks_stats

    data = tasks_stats(feature)
    _show_warnings(data)

    def human() -> None:
        typer.echo(_shown(data["file"]))
        typer.echo(
            f"{data['done']}/{data['total']} done, {data['open']} open, {data['unknown_markers']} unknown markers"
        )
        for phase, row in data["by_phase"].items():
            counts = f"{row['done']:>4}/{row['total']:<4}"
            typer.echo(f"  {counts} {_clip(phase, WIDTH - len(counts) - 3)}")
        if len(data["by_level"]) > 1:
            levels = ", ".join(f"{level}: {row['done']}/{row['total']}" for level, row in data["by_level"].items())
            typer.echo(_clip(f"done by nesting level: {levels}", WIDTH))

    emit(data, as_json, human)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
