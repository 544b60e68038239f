"""The ``specify`` command: registers the command groups and maps errors to exit codes.

Command modules import only Typer and light services at module level; heavy libraries
(torch, llama_cpp, anthropic, openai, textual) load inside the commands that use them,
so ``specify --help`` stays fast.
"""

from __future__ import annotations

import logging
import os
import sys

import typer
from typer.core import TyperGroup

from specify import __version__
from specify.errors import SpecifyError


class SpecifyGroup(TyperGroup):
    """Root command group that prints a project error as one line and exits with its code."""

    def invoke(self, ctx: typer.Context):  # type: ignore[no-untyped-def, override]
        try:
            return super().invoke(ctx)
        except SpecifyError as exc:
            if os.environ.get("SPECIFY_DEBUG") == "1":
                raise
            typer.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


app = typer.Typer(
    cls=SpecifyGroup,
    name="specify",
    help="Spec-driven development with LLMs: specs, plans and tasks that coding agents and local models follow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"specify {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details on stderr."),
) -> None:
    """Spec-driven development with LLMs."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _register() -> None:
    from specify.cli import commands

    commands.register(app)


_register()


# Options whose value may be left out, and the value they then take (click has no such option
# type): `specify run implement --resume` means `--resume last`.
OPTIONAL_VALUE_OPTIONS = {"--resume": "last"}


def normalise_argv(argv: list[str]) -> list[str]:
    """Insert the implied value after an optional-value option of `specify run` given without one."""
    if "run" not in argv:
        return list(argv)
    out: list[str] = []
    for index, arg in enumerate(argv):
        out.append(arg)
        implied = OPTIONAL_VALUE_OPTIONS.get(arg)
        following = argv[index + 1] if index + 1 < len(argv) else None
        if implied is not None and (following is None or following.startswith("-")):
            out.append(implied)
    return out


def run() -> None:
    """Console-script entry point."""
    app(args=normalise_argv(sys.argv[1:]), prog_name="specify")
