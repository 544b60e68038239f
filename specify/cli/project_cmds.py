"""`specify root` and `specify config show | set`."""

from __future__ import annotations

from pathlib import Path

import typer

from specify.cli.output import JSON_OPTION, emit
from specify.errors import ProjectNotFoundError
from specify.project import find_root

config_app = typer.Typer(help="Show or change settings.", no_args_is_help=True)


def root(as_json: bool = JSON_OPTION) -> None:
    """Print the project root and the rule that found it."""
    resolved = find_root()
    data = {"root": str(resolved.path), "rule": resolved.rule}
    emit(data, as_json, lambda: typer.echo(f"{resolved.path}  ({resolved.rule})"))


def _optional_root() -> Path | None:
    try:
        return find_root().path
    except ProjectNotFoundError:
        return None


def _lookup(settings: object, dotted: str) -> object:
    node = settings
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


@config_app.command("show")
def config_show(as_json: bool = JSON_OPTION) -> None:
    """Print each effective setting and the rule that set it (secrets are masked)."""
    from specify.settings import SECRET_KEYS, load_settings, setting_keys  # pydantic models: ~60 ms

    loaded = load_settings(_optional_root())
    rows = []
    for key in setting_keys():
        value = _lookup(loaded.settings, key)
        if key in SECRET_KEYS and value:
            value = "********"
        rows.append({"key": key, "value": value, "source": loaded.source_of(key)})
    for name, price in loaded.settings.prices.items():
        rows.append({"key": f"prices.{name}", "value": price.model_dump(), "source": loaded.source_of("prices")})

    def human() -> None:
        width = max(len(row["key"]) for row in rows)
        for row in rows:
            typer.echo(f"{row['key']:<{width}}  {row['value']!s:<24}  {row['source']}")

    emit({"settings": rows}, as_json, human)


# ignore_unknown_options lets a negative number such as -1 through as the value.
@config_app.command("set", context_settings={"ignore_unknown_options": True})
def config_set(
    key: str = typer.Argument(..., help="Dotted key, for example model.backend."),
    value: str = typer.Argument(..., help="New value; TOML syntax for numbers, booleans and lists."),
    user: bool = typer.Option(False, "--user", help="Write the user config instead of the project's."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write one setting (secrets go only to the user config, mode 0600)."""
    from specify.settings import SECRET_KEYS, set_setting

    target = set_setting(key, value, root=_optional_root(), user=user)
    shown = "********" if key in SECRET_KEYS else value
    emit({"key": key, "file": str(target)}, as_json, lambda: typer.echo(f"{key} = {shown}  ->  {target}"))


def register(app: typer.Typer) -> None:
    app.command("root")(root)
    app.add_typer(config_app, name="config")
