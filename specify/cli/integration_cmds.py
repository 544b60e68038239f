"""`specify integration`: list, add, remove, inspect and upgrade agent targets after init."""

from __future__ import annotations

import typer

from specify.cli.init_cmds import MODE_HELP, choose_mode, print_changes
from specify.cli.output import JSON_OPTION, emit
from specify.project import find_root

integration_app = typer.Typer(help="Manage the agents that get stage commands.", no_args_is_help=True)
DRY_RUN = typer.Option(False, "--dry-run", help="Print what would change and write nothing.")


def _optional_root():  # type: ignore[no-untyped-def]
    from specify.errors import ProjectNotFoundError

    try:
        return find_root().path
    except ProjectNotFoundError:
        return None


@integration_app.command("list")
def list_cmd(as_json: bool = JSON_OPTION) -> None:
    """List the agents specify can write commands for, and which this project has."""
    from specify.integrations.manage import list_integrations

    rows = list_integrations(_optional_root())

    def human() -> None:
        for row in rows:
            mark = "*" if row["installed"] else " "
            aliases = f" [{', '.join(row['aliases'])}]" if row["aliases"] else ""  # type: ignore[arg-type]
            modes = "/".join(row["modes"])  # type: ignore[arg-type]
            typer.echo(f"{mark} {row['key']:<9} {modes:<16} {row['name']}{aliases}")

    emit({"integrations": rows}, as_json, human)


@integration_app.command("add")
def add_cmd(
    key: str = typer.Argument(..., help="Agent key or alias."),
    skills: bool = typer.Option(False, "--skills", help=MODE_HELP),
    commands: bool = typer.Option(False, "--commands", help="Write stage commands as command files."),
    commands_dir: str | None = typer.Option(None, "--commands-dir", help="Folder for the generic agent."),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write one agent's stage commands into this project."""
    from specify.integrations.manage import add_integration

    plan = add_integration(find_root().path, key, choose_mode(skills, commands), commands_dir, dry_run)
    data = {**plan.to_dict(), "dry_run": dry_run, "files": [c.to_dict() for c in plan.changes]}
    emit(data, as_json, lambda: print_changes(plan.changes, dry_run))


@integration_app.command("remove")
def remove_cmd(
    key: str = typer.Argument(..., help="Agent key or alias."),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_OPTION,
) -> None:
    """Delete the agent's files that are unchanged since specify wrote them; keep edited ones."""
    from specify.integrations.manage import remove_integration

    report = remove_integration(find_root().path, key, dry_run)

    def human() -> None:
        for state in report.files:
            typer.echo(f"  {state.state:<9} {state.path}")
        kept = sum(1 for state in report.files if state.state == "kept")
        if kept:
            typer.echo(f"Kept {kept} file(s) you edited; delete them yourself if you no longer need them.")
        for path in report.merged_left:
            typer.echo(f"Keys merged into {path} stay; remove them by hand if unwanted.")

    emit(report.to_dict(dry_run), as_json, human)


@integration_app.command("status")
def status_cmd(as_json: bool = JSON_OPTION) -> None:
    """Show each installed agent's managed files: unchanged, modified or missing."""
    from specify.integrations.manage import integration_status

    rows = integration_status(find_root().path)

    def human() -> None:
        if not rows:
            typer.echo("No integrations installed. Run `specify integration add KEY`.")
        for row in rows:
            files = row["files"]
            typer.echo(
                f"{row['key']} ({row['mode']}, specify {row['specify_version']}): {len(files)} files, "  # type: ignore[arg-type]
                f"{len(row['modified'])} modified, {len(row['missing'])} missing, "  # type: ignore[arg-type]
                f"{len(row['upgradable'])} to upgrade"  # type: ignore[arg-type]
            )
            for path in row["modified"]:  # type: ignore[attr-defined]
                typer.echo(f"  modified  {path}")
            for path in row["missing"]:  # type: ignore[attr-defined]
                typer.echo(f"  missing   {path}")

    emit({"integrations": rows}, as_json, human)


@integration_app.command("upgrade")
def upgrade_cmd(
    key: str | None = typer.Argument(None, help="Agent to upgrade (default: every installed one)."),
    dry_run: bool = DRY_RUN,
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-render installed agents with this version, replacing only unchanged managed files."""
    from specify.initialise.upgrade import upgrade_project

    report = upgrade_project(find_root().path, key, dry_run)
    data = {
        "dry_run": dry_run,
        "shared": [change.to_dict() for change in report.shared],
        "integrations": [
            {**plan.to_dict(), "files": [change.to_dict() for change in plan.changes]} for plan in report.plans
        ],
    }

    def human() -> None:
        if report.shared:
            typer.echo("shared .specify/ files:")
            print_changes(report.shared, dry_run)
        for plan in report.plans:
            typer.echo(f"{plan.agent.key} ({plan.mode}):")
            print_changes(plan.changes, dry_run)

    emit(data, as_json, human)


def register(app: typer.Typer) -> None:
    app.add_typer(integration_app, name="integration")
