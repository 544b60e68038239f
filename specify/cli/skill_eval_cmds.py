"""`specify skill eval`: measure whether a skill's description triggers it when it should."""

from __future__ import annotations

from pathlib import Path

import typer

from specify.cli.output import JSON_OPTION, emit, info


def skill_eval(
    name: str = typer.Argument(..., help="Name of the skill under test."),
    queries: Path = typer.Option(..., "--queries", help="JSON list of {query, should_trigger} items."),
    backend: str = typer.Option(None, "--backend", help="anthropic, openai or llamacpp (default: the embedded model)."),
    model: str = typer.Option(None, "--model", help="Model name, or a GGUF file path for llamacpp."),
    base_url: str = typer.Option(None, "--base-url", help="Base URL of an OpenAI-compatible server."),
    runs: int = typer.Option(3, "--runs", help="Runs per query; trigger rates are over these runs."),
    skills_dir: list[Path] = typer.Option(None, "--skills-dir", help="Extra folder to search for skills (repeatable)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Report precision and recall of a skill's activation over should / should-not queries."""
    from runtime.skills import discover
    from specify.errors import ProjectNotFoundError
    from specify.project import find_root
    from specify.settings import load_settings
    from specify.skill_eval import load_queries, run_eval
    from specify.stages.backend import choose_backend
    from specify.stages.runner import build_provider

    items = load_queries(queries)
    try:
        root = find_root().path
    except ProjectNotFoundError:
        root = None
    loaded = load_settings(root, {"model.backend": backend, "model.name": model, "model.base_url": base_url})
    choice = choose_backend(loaded)
    info(f"specify skill eval: {choice.describe()}")
    skills = discover(root, extra_dirs=list(skills_dir or []))
    report = run_eval(skills, name, items, build_provider(choice, loaded), runs)

    def human() -> None:
        for row in report["queries"]:
            mark = "pass" if row["passed"] else "FAIL"
            want = "should" if row["should_trigger"] else "should not"
            typer.echo(f"{mark}  {row['trigger_rate']:.2f}  ({want})  {row['query'][:70]}")

        def fmt(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}"

        typer.echo(f"{report['skill']}: precision {fmt(report['precision'])}, recall {fmt(report['recall'])}, "
                   f"{report['passed']}/{report['total']} queries pass")

    emit(report, as_json, human)


def register(app: typer.Typer) -> None:
    from specify.cli.skill_cmds import skill_app

    skill_app.command("eval")(skill_eval)
