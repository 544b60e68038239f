"""`specify skill ...` (new, validate, list, show, catalog, package, install, trust) and `specify trust`."""

from __future__ import annotations

from pathlib import Path

import typer

from specify.cli.output import JSON_OPTION, emit, info, warn

skill_app = typer.Typer(help="Write, check, list and ship Agent Skills.", no_args_is_help=True)

SKILLS_DIR_OPTION = typer.Option(None, "--skills-dir", help="Extra folder to search for skills (repeatable).")
TRUST_OPTION = typer.Option(False, "--trust-project-skills",
                            help="Load this project's skills for this run without recording trust.")


def _discover(skills_dirs: list[Path] | None, trust: bool):
    from runtime.skills.service import discover_configured

    skills, budget = discover_configured(skills_dirs or [], trust)
    for message in skills.warnings:
        warn(message)
    for message in skills.notices:
        info(message)
    return skills, budget


@skill_app.command("new")
def new(
    name: str = typer.Argument(..., help="Skill name: 1-64 characters of a-z, 0-9 and single hyphens."),
    path: Path = typer.Option(None, "--path", help="Parent folder (default: .specify/skills of the "
                              "project, else the current folder)."),
    with_dirs: list[str] = typer.Option(None, "--with", help="Resource folders to create: "
                                        "scripts, references, assets (comma-separated or repeated)."),
    description: str = typer.Option(None, "--description", help="Description; without it a "
                                     "placeholder is written that fails validation until replaced."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a skill folder with a SKILL.md to fill in."""
    from runtime.skills.scaffold import create_skill
    from runtime.skills.service import project_root

    if path is None:
        root, is_project = project_root()
        path = root / ".specify" / "skills" if is_project else Path.cwd()
    created = create_skill(name, path, with_dirs or [], description)
    data = {"folder": str(created.folder), "files": [str(f) for f in created.files]}

    def human() -> None:
        typer.echo(f"Created {created.folder}")
        for file in created.files:
            typer.echo(f"  {file.relative_to(created.folder)}")
        if description is None:
            typer.echo("Next: replace the placeholder description, then run "
                       f"`specify skill validate {created.folder}`.")

    emit(data, as_json, human)


@skill_app.command("validate")
def validate(
    paths: list[Path] = typer.Argument(..., help="Skill folders, SKILL.md files, or folders holding skills."),
    profile: str = typer.Option("spec", "--profile", help="Rules: spec, claude-code or claude-api."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check skills strictly and list every error of each; exit 1 on any error."""
    from runtime.skills.rules import PROFILES
    from runtime.skills.validate import validate_paths
    from specify.errors import UsageError

    if profile not in PROFILES:
        raise UsageError(f"Unknown profile '{profile}'.", f"Choose one of {', '.join(PROFILES)}.")
    reports, walk_warnings = validate_paths(paths, profile)
    for message in walk_warnings:
        warn(message)
    errors = sum(len(r.errors) for r in reports)
    data = {"profile": profile, "skills": [r.to_dict() for r in reports], "errors": errors,
            "warnings": sum(len(r.warnings) for r in reports)}

    def human() -> None:
        for report in reports:
            verdict = "valid" if report.valid else "invalid"
            typer.echo(f"{report.path.parent}: {verdict}")
            for diagnostic in report.diagnostics:
                typer.echo(f"  {diagnostic}")
        typer.echo(f"{len(reports)} skill(s), {errors} error(s), {data['warnings']} warning(s)")

    emit(data, as_json, human)
    if errors:
        raise typer.Exit(1)


@skill_app.command("list")
def list_skills(
    skills_dir: list[Path] = SKILLS_DIR_OPTION,
    trust: bool = TRUST_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List every skill found: name, scope, status, path, what shadows it, and diagnostics."""
    skills, _ = _discover(skills_dir, trust)
    rows = [entry.to_dict() for entry in skills.entries]

    def human() -> None:
        for row in rows:
            name = row["name"] or "?"
            line = f"{name:<28} {row['scope']:<8} {row['status']:<9} {row['path']}"
            if row["shadowed_by"]:
                line += f"  (shadowed by {row['shadowed_by']})"
            if row["model_invocable"] is False:
                line += "  (user-invoked only)"
            typer.echo(line)
            for diagnostic in row["diagnostics"]:
                typer.echo(f"    {diagnostic['severity']}: line {diagnostic['line']}: {diagnostic['message']}")

    emit({"skills": rows, "warnings": skills.warnings, "notices": skills.notices}, as_json, human)


@skill_app.command("show")
def show(
    name: str = typer.Argument(..., help="Name of a loaded skill."),
    skills_dir: list[Path] = SKILLS_DIR_OPTION,
    trust: bool = TRUST_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Print a skill's details and the content a model receives when it is activated."""
    from runtime.skills.service import show_skill

    skills, _ = _discover(skills_dir, trust)
    data = show_skill(skills, name)

    def human() -> None:
        typer.echo(f"{data['name']} ({data['scope']}) {data['path']}")
        for diagnostic in data["diagnostics"]:
            typer.echo(f"  {diagnostic['severity']}: line {diagnostic['line']}: {diagnostic['message']}")
        typer.echo("")
        typer.echo(data["content"])

    emit(data, as_json, human)


@skill_app.command("catalog")
def catalog(
    budget: int = typer.Option(None, "--budget", help="Token budget (default: skills.catalog_tokens)."),
    skills_dir: list[Path] = SKILLS_DIR_OPTION,
    trust: bool = TRUST_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Print the exact skills catalog a model receives in its system prompt."""
    skills, default_budget = _discover(skills_dir, trust)
    result = skills.catalog(budget if budget is not None else default_budget)
    for message in result.warnings:
        warn(message)
    data = {"text": result.text, "tokens": result.tokens, "budget_tokens": result.budget_tokens,
            "skills": result.skills, "shortened": result.shortened, "omitted": result.omitted}
    emit(data, as_json, lambda: typer.echo(result.text, nl=False))


@skill_app.command("package")
def package(
    path: Path = typer.Argument(..., help="Skill folder."),
    output: Path = typer.Option(None, "-o", "--output", help="Archive file (default: ./NAME.skill)."),
    profile: str = typer.Option("spec", "--profile", help="Validation rules: spec, claude-code or claude-api."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Validate a skill and write it as a .skill zip with a NAME/ top folder."""
    from runtime.skills.package import package_skill

    result = package_skill(path, output, profile)
    for relative, reason in result.excluded:
        info(f"excluded {relative}: {reason}")
    data = {"archive": str(result.archive), "name": result.name, "files": result.files,
            "excluded": [{"path": p, "reason": r} for p, r in result.excluded]}
    emit(data, as_json, lambda: typer.echo(f"Wrote {result.archive} ({len(result.files)} files)"))


@skill_app.command("install")
def install(
    source: Path = typer.Argument(..., help="A .skill archive or a skill folder."),
    user: bool = typer.Option(False, "--user", help="Install for this user (the default)."),
    project: bool = typer.Option(False, "--project", help="Install into this project's .specify/skills."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Install a skill; archive entries that would land outside the target are rejected."""
    from runtime.skills.package import install_skill
    from runtime.skills.service import install_target, project_root
    from runtime.skills.trust import is_trusted

    installed = install_skill(source, install_target(user, project))
    emit({"installed": str(installed)}, as_json, lambda: typer.echo(f"Installed {installed}"))
    if project and not is_trusted(project_root()[0]):
        info("Project skills load only in a trusted project: run `specify trust` to load it.")


def trust(
    path: Path = typer.Argument(None, help="Project folder (default: the current project)."),
    revoke: bool = typer.Option(False, "--revoke", help="Stop trusting the project."),
    show_all: bool = typer.Option(False, "--list", help="List the trusted projects."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Trust this project's skills (prompt text from the repository) so they load."""
    from runtime.skills.service import project_root
    from runtime.skills.trust import revoke_project, trust_project, trusted_projects

    if show_all:
        projects = trusted_projects()
        emit({"projects": projects}, as_json, lambda: typer.echo("\n".join(projects)))
        return
    root = path.resolve() if path else project_root()[0]
    changed = revoke_project(root) if revoke else trust_project(root)
    state = "not trusted" if revoke else "trusted"
    message = f"{root} is {state}" + ("" if changed else " (no change)")
    emit({"project": str(root), "trusted": not revoke, "changed": changed}, as_json,
         lambda: typer.echo(message))


def register(app: typer.Typer) -> None:
    skill_app.command("trust")(trust)
    app.add_typer(skill_app, name="skill")
    app.command("trust")(trust)
