"""`specify feature new | list | current | use`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from specify.cli.output import FEATURE_OPTION, JSON_OPTION, emit, info, warn

feature_app = typer.Typer(help="Create, list and choose features (specs/NNN-slug/).", no_args_is_help=True)


@feature_app.command("new")
def feature_new(
    description: str = typer.Argument(..., help="What the feature is for, in the user's words."),
    short_name: str | None = typer.Option(
        None, "--short-name", help="Slug to use instead of one made from the description."
    ),
    number: int | None = typer.Option(
        None, "--number", help="Feature number to use; a number in use moves to the next free one."
    ),
    timestamp: bool = typer.Option(False, "--timestamp", help="Number the feature YYYYMMDD-HHMMSS instead of NNN."),
    branch_template: str | None = typer.Option(
        None,
        "--branch-template",
        help="Branch name with {number}, {slug} and {short_name}, e.g. 'feat/{number}-{slug}'.",
    ),
    no_branch: bool = typer.Option(False, "--no-branch", help="Do not create or switch a git branch."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the names a real run would use; write nothing."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a feature: number, slug, git branch, specs/NNN-slug/spec.md and .specify/feature.json."""
    from specify.features import NewFeatureRequest, create_feature
    from specify.project import find_root

    request = NewFeatureRequest(
        description=description,
        short_name=short_name,
        number=number,
        timestamp=timestamp,
        branch_template=branch_template,
        create_branch=False if no_branch else None,
        dry_run=dry_run,
    )
    feature = create_feature(find_root().path, request)
    for message in feature.warnings:
        warn(message)
    if feature.branch is not None and feature.branch.action == "not-switched":
        warn(f"branch not switched: {feature.branch.note}")

    def human() -> None:
        prefix = "would create" if feature.dry_run else "created"
        typer.echo(f"{prefix} {feature.folder}  (slug from {feature.slug.source})")
        typer.echo(f"branch: {feature.branch_name}" + (f"  ({feature.branch.note})" if feature.branch else ""))
        if not feature.dry_run:
            typer.echo(f"spec:   {feature.spec_file}")

    emit(feature.to_json(), as_json, human)


@feature_app.command("list")
def feature_list(as_json: bool = JSON_OPTION) -> None:
    """List every feature with its files, task progress and next stage."""
    from specify.features import list_features
    from specify.project import find_root

    root = find_root().path
    summaries = list_features(root)
    rows = [summary.to_json(root) for summary in summaries]

    def human() -> None:
        if not rows:
            info(f"No features under {root / 'specs'}; create one with `specify feature new`.")
        # Line the columns up after the longest name, but let a very long one overflow alone.
        width = min(max((len(row["feature_dir"]) for row in rows), default=0), 56)
        for row in rows:
            typer.echo(_list_line(row, width))

    emit({"root": str(root), "features": rows}, as_json, human)


def _list_line(row: dict[str, Any], width: int = 40) -> str:
    mark = "*" if row["active"] else " "
    files = ",".join(name.rstrip("/").removesuffix(".md") for name, present in row["artifacts"].items() if present)
    tasks = row["tasks"]
    progress = f"{tasks['done']}/{tasks['total']}" if tasks else "-"
    line = f"{mark} {row['feature_dir']:<{width}} {progress:>9}  next: {row['next_stage']:<12} {files}"
    return line.rstrip()


@feature_app.command("current")
def feature_current(feature: str | None = FEATURE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Print the active feature folder and the rule that chose it."""
    from specify.project import find_root, resolve_feature

    root = find_root().path
    resolved = resolve_feature(root, feature)
    data = {"feature_dir": str(resolved.path), "rule": resolved.rule, "root": str(root)}
    emit(data, as_json, lambda: typer.echo(f"{resolved.path}  ({resolved.rule})"))


@feature_app.command("use")
def feature_use(
    value: str = typer.Argument(..., help="Feature to make active: NNN, NNN-slug or a path."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Make a feature the active one by writing .specify/feature.json."""
    from specify.features import use_feature
    from specify.project import FEATURE_JSON, find_root

    root = find_root().path
    relative = use_feature(root, value)
    data = {"feature_dir": relative, "feature_json": str(root / FEATURE_JSON)}
    emit(data, as_json, lambda: typer.echo(f"active feature: {relative}  ({Path(FEATURE_JSON)})"))


def register(app: typer.Typer) -> None:
    app.add_typer(feature_app, name="feature")
