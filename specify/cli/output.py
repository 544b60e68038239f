"""Shared output helpers: one JSON object on stdout with ``--json``, diagnostics on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object on stdout.")
FEATURE_OPTION = typer.Option(
    None, "--feature", help="Feature to act on: NNN, NNN-slug or a path (default: the active one)."
)


def _default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"Cannot serialise {type(value).__name__} to JSON")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def emit(data: dict[str, Any], as_json: bool, human: Callable[[], None] | None = None) -> None:
    """Print ``data`` as JSON, or call ``human`` to print it for people."""
    if as_json or human is None:
        sys.stdout.write(dumps(data) + "\n")
    else:
        human()


def warn(message: str) -> None:
    """Print a warning on stderr, so stdout stays parseable."""
    sys.stderr.write(f"warning: {message}\n")


def info(message: str) -> None:
    sys.stderr.write(f"{message}\n")
