"""`specify demo`: build a throw-away project and walk through the workflow on it.

Each step runs the real `specify` command in a subprocess and prints it with its output, so
what a newcomer sees is exactly what they would type. With the embedded model (the default)
the constitution, specify, plan and tasks stages run headless; with ``--no-model`` the
feature gets the example spec, plan and tasks bundled in ``templates/demo/`` instead.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import typer

from specify.errors import SpecifyError

DESCRIPTION = "Export notes as Markdown so they can be pasted into a wiki"
CONSTITUTION = "A small command-line program: standard library only, tested, never loses a user's notes"


def _step(args: list[str], cwd: Path, *, check: bool = True) -> int:
    typer.echo(f"\n$ specify {shlex.join(args)}")
    sys.stdout.flush()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    completed = subprocess.run([sys.executable, "-m", "specify", *args], cwd=cwd, env=env,
                               stdout=sys.stdout, stderr=subprocess.STDOUT, check=False)
    if check and completed.returncode != 0:
        raise SpecifyError(f"`specify {shlex.join(args)}` failed with exit status {completed.returncode} in {cwd}.",
                           "The output above shows why; rerun it with SPECIFY_DEBUG=1 for details.")
    return completed.returncode


def _prepare(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise SpecifyError(f"{target} is a file, not a folder.", "Pass --dir with a new or empty folder.")
    if target.exists() and any(target.iterdir()):
        raise SpecifyError(f"{target} is not empty.", "Pass --dir with a new or empty folder.")
    from specify.resources import templates_dir

    demo = templates_dir() / "demo"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(demo / "notes.py", target / "notes.py")
    (target / "README.md").write_text("# notes\n\nA tiny note-taking program: `python notes.py add TEXT`.\n")


def _fill_from_examples(target: Path) -> None:
    """Copy the bundled example artifacts into the feature that `feature new` created."""
    import datetime
    import json

    from specify.resources import templates_dir

    feature_dir = target / json.loads((target / ".specify" / "feature.json").read_text())["feature_directory"]
    values = {"{{ branch }}": feature_dir.name, "{{ date }}": datetime.date.today().isoformat(),
              "{{ description }}": DESCRIPTION}
    for name in ("spec.md", "plan.md", "tasks.md"):
        text = (templates_dir() / "demo" / name).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        (feature_dir / name).write_text(text, encoding="utf-8")
    constitution = (templates_dir() / "demo" / "constitution.md").read_text(encoding="utf-8")
    constitution = constitution.replace("{{ date }}", values["{{ date }}"])
    (target / ".specify" / "memory" / "constitution.md").write_text(constitution, encoding="utf-8")
    typer.echo(f"\n(copied the example constitution, spec.md, plan.md and tasks.md into {feature_dir.relative_to(target)})")


def _model_missing(model: Path) -> str | None:
    """Return why the embedded model cannot run (no model file, no llama.cpp), or None."""
    if not model.is_file():
        return f"{model} is missing"
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed; pip install 'specify-agent[local]' adds it"
    return None


def demo(
    directory: Path = typer.Option(None, "--dir", help="Folder for the demo project (default: a new temporary folder)."),
    agent: str = typer.Option("claude", "--agent", help="Coding agent to write stage commands for."),
    no_model: bool = typer.Option(False, "--no-model", help="Use the bundled example artifacts instead of the model."),
) -> None:
    """Create a demo project and run the workflow on it, printing each command."""
    from specify.integrations.agents import get_agent
    from specify.stages.backend import EMBEDDED_MODEL

    get_agent(agent)  # an unknown agent fails here, before any folder is made
    target = (directory or Path(tempfile.mkdtemp(prefix="specify-demo-"))).resolve()
    _prepare(target)
    typer.echo(f"Demo project: {target}")
    _step(["init", "--here", "--agent", agent, "--non-interactive", "--force"], target)
    missing = _model_missing(EMBEDDED_MODEL) if not no_model else None
    use_model = not no_model and missing is None
    if missing is not None:
        typer.echo(f"\nThe embedded model cannot run here ({missing}), so the demo uses the bundled "
                   "example artifacts, as with --no-model.")
    if use_model:
        typer.echo("\nThe next stages run headless on the embedded model (a tiny local model: it shows the "
                   "mechanics, not useful content).")
        _step(["run", "constitution", CONSTITUTION], target)
        _step(["run", "specify", DESCRIPTION], target)
        _step(["run", "plan"], target)
        _step(["run", "tasks"], target)
    else:
        _step(["feature", "new", DESCRIPTION], target)
        _fill_from_examples(target)
    _step(["check"], target)
    _step(["tasks", "next"], target)
    if use_model:
        typer.echo("\n(analyze checks content as well as structure, so it usually finds gaps in the tiny "
                   "model's artifacts; a hosted model or a larger GGUF fills them.)")
    _step(["analyze"], target, check=False)
    typer.echo(f"\nDone. Explore it: cd {target} && specify tasks list")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
