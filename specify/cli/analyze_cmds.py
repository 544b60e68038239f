"""`specify analyze`: cross-artifact checks for CI (exit 1 when any error is found)."""

from __future__ import annotations

import typer

from specify.cli.output import FEATURE_OPTION, JSON_OPTION, emit

WIDTH = 80


def analyze_command(feature: str | None = FEATURE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Check spec, plan, tasks and constitution offline; exit 1 when an error is found."""
    from specify.analysis import analyze

    data = analyze(feature)

    def human() -> None:
        for finding in data["findings"]:
            where = f"{finding['file']}:{finding['line']}"
            typer.echo(f"{where}: {finding['severity']} [{finding['rule']}]")
            typer.echo(_wrap(finding["message"], indent="    "))
        typer.echo(f"{data['errors']} error(s), {data['warnings']} warning(s) in {data['feature_dir']}")

    emit(data, as_json, human)
    if data["errors"]:
        raise typer.Exit(1)


def _wrap(text: str, indent: str) -> str:
    import textwrap

    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze_command)
