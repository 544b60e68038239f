"""`specify board`: the live task board (needs the ``tui`` extra)."""

from __future__ import annotations

import typer

from specify.cli.output import FEATURE_OPTION


def board(
    feature: str | None = FEATURE_OPTION,
    all_features: bool = typer.Option(
        False, "--all", help="Show the tasks of every feature at once."
    ),
) -> None:
    """Open a live task board over tasks.md: columns, filters, toggles and runs."""
    from specify.board import open_board

    open_board(feature, all_features)


def register(app: typer.Typer) -> None:
    app.command("board")(board)
