"""`specify init`: set up a project for spec-driven development with one or more agents."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from specify.cli.output import JSON_OPTION, emit, warn
from specify.errors import UsageError
from specify.initialise.prompt import ask_agent, can_prompt, missing_agent, prompt_blocker
from specify.integrations.agents import Mode, choices_text
from specify.integrations.render import invocation

if TYPE_CHECKING:
    from specify.initialise.service import InitReport

MODE_HELP = "Write stage commands as Agent Skills (SKILL.md folders)."
COMMANDS_HELP = "Write stage commands as command files."
COMMANDS_DIR_HELP = "Folder for the generic agent's command files, relative to the project."


def choose_mode(skills: bool, commands: bool) -> Mode | None:
    if skills and commands:
        raise UsageError("--skills and --commands exclude each other.", "Pass only one of them.")
    if skills:
        return "skills"
    if commands:
        return "commands"
    return None


def print_changes(changes: list, dry_run: bool) -> None:  # type: ignore[type-arg]
    for change in changes:
        reason = f"  ({change.reason})" if change.reason and change.status in ("kept", "adopted") else ""
        typer.echo(f"  {change.status:<9} {change.path}{reason}")
        if dry_run and change.writes and change.old is not None:
            typer.echo(change.diff(), nl=False)


def print_init(report: InitReport) -> None:
    verb = "Would initialise" if report.dry_run else "Initialised"
    targets = ", ".join(f"{plan.agent.key} ({plan.mode})" for plan in report.agents)
    typer.echo(f"{verb} {report.root} for {targets}:")
    print_changes(report.changes, report.dry_run)
    counts = ", ".join(f"{count} {status}" for status, count in sorted(report.counts().items()))
    if report.dry_run:
        typer.echo(f"Files: {counts} (dry run: nothing was written).")
    else:
        typer.echo(f"Files: {counts}.")
    kept = [change.path for change in report.changes if change.status == "kept"]
    if kept:
        typer.echo(f"Kept {len(kept)} file(s) you own or edited; specify did not change them.")
    if report.git and report.git.repository == "created" and report.git.commit:
        note = (
            " with a fallback identity (git has no user.name/user.email)" if report.git.identity == "fallback" else ""
        )
        typer.echo(f"git: created a repository and committed as {report.git.commit[:10]}{note}.")
    elif report.git and report.git.repository == "existing":
        typer.echo("git: existing repository; nothing committed.")
    if not report.dry_run and report.agents:
        first = report.agents[0]
        start = invocation(first.agent, first.mode, "constitution")
        typer.echo(f"Next: in {first.agent.name}, run {start}, then {invocation(first.agent, first.mode, 'specify')}.")


AGENT_HELP = f"Agent to write commands for (repeatable): {choices_text()}."


def init(
    directory: Annotated[Path | None, typer.Argument(help="Folder to initialise (created if missing).")] = None,
    here: Annotated[bool, typer.Option("--here", help="Initialise the current folder.")] = False,
    agents: Annotated[list[str] | None, typer.Option("--agent", "--integration", help=AGENT_HELP)] = None,
    skills: Annotated[bool, typer.Option("--skills", help=MODE_HELP)] = False,
    commands: Annotated[bool, typer.Option("--commands", help=COMMANDS_HELP)] = False,
    commands_dir: Annotated[str | None, typer.Option("--commands-dir", help=COMMANDS_DIR_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help="Initialise a non-empty folder, keeping its files.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan with diffs; write nothing.")] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Create no git repository and commit nothing.")] = False,
    non_interactive: Annotated[bool, typer.Option("--non-interactive", help="Never prompt; fail instead.")] = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the stage commands for your coding agents and the .specify/ project files."""
    if here and directory is not None:
        raise UsageError(f"Both --here and the folder {directory} were given.", "Pass only one of them.")
    target = Path.cwd() if here or directory is None else directory
    if directory is None and not here:
        raise UsageError("No folder given.", "Pass a folder, or --here for the current one.")
    chosen = list(agents or [])
    if not chosen:
        if not can_prompt(non_interactive or as_json):
            raise missing_agent(prompt_blocker(non_interactive, as_json))
        chosen = [ask_agent()]

    from specify.initialise.service import InitRequest, init_project

    request = InitRequest(
        target=target,
        agents=chosen,
        mode=choose_mode(skills, commands),
        commands_dir=commands_dir,
        force=force,
        dry_run=dry_run,
        git=not no_git,
    )
    report = init_project(request)
    for message in report.warnings:
        warn(message)
    emit(report.to_dict(), as_json, lambda: print_init(report))


def register(app: typer.Typer) -> None:
    app.command("init")(init)
