"""Render validated stage outputs into spec-kit compatible Markdown.

Ids and numbers come from here, never from the model: requirements FR-001.., criteria
SC-001.., tasks T001.. in file order (continuing after existing ids when appending),
checklist items CHK001... Templates live in ``templates/render/``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from specify.stages import models

ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def roman(number: int) -> str:
    out = []
    for value, numeral in ROMAN:
        while number >= value:
            out.append(numeral)
            number -= value
    return "".join(out)


def _cell(value: str) -> str:
    """Escape a value for a Markdown table cell."""
    return value.replace("|", "\\|").replace("\n", " ")


@cache
def _environment() -> Any:
    import jinja2  # about 40 ms; only stages render

    from specify.resources import templates_dir

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "render")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["cell"] = _cell
    env.globals["roman"] = roman
    return env


def render(template: str, **context: Any) -> str:
    context.setdefault("today", _dt.date.today().isoformat())
    text = _environment().get_template(template).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def render_constitution(out: models.ConstitutionOutput, version: str, ratified: str | None = None) -> str:
    today = _dt.date.today().isoformat()
    return render("constitution.md.j2", out=out, version=version, ratified=ratified or today)


def render_spec(out: models.SpecOutput, *, branch: str, description: str) -> str:
    return render("spec.md.j2", out=out, branch=branch, description=description.replace('"', "'"))


def render_plan(out: models.PlanOutput, *, title: str, branch: str) -> dict[str, str]:
    """Return plan.md and, when the model gave their content, research, data model and quickstart."""
    files = {"plan.md": render("plan.md.j2", out=out, title=title, branch=branch)}
    if out.research:
        files["research.md"] = render("research.md.j2", out=out, title=title)
    if out.data_model:
        files["data-model.md"] = render("data-model.md.j2", out=out, title=title)
    if out.quickstart:
        files["quickstart.md"] = render("quickstart.md.j2", out=out, title=title)
    return files


@dataclass(frozen=True)
class NumberedTask:
    id: str
    description: str
    parallel: bool
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class NumberedPhase:
    name: str
    story: int | None
    tasks: tuple[NumberedTask, ...]


def number_tasks(out: models.TasksOutput, start: int = 1) -> list[NumberedPhase]:
    """Assign T-ids in order and turn the model's 1-based positions into ids.

    A dependency on a later or unknown position is dropped: it cannot be honoured in file
    order, and a task list with a cycle would block `tasks next` for ever.
    """
    positions: list[str] = []
    phases = []
    for phase in out.phases:
        numbered = []
        for task in phase.tasks:
            task_id = f"T{start + len(positions):03d}"
            depends = tuple(positions[p - 1] for p in task.depends_on if 1 <= p <= len(positions))
            description = _with_files(task.description, task.files)
            numbered.append(NumberedTask(task_id, description, task.parallel and not depends, depends))
            positions.append(task_id)
        phases.append(NumberedPhase(phase.name, phase.story, tuple(numbered)))
    return phases


def _with_files(description: str, files: Iterable[str]) -> str:
    missing = [f for f in files if f not in description]
    return f"{description} in {', '.join(missing)}" if missing else description


def render_tasks(out: models.TasksOutput, *, title: str) -> str:
    return render("tasks.md.j2", phases=number_tasks(out), title=title)


def render_checklist(out: models.ChecklistOutput, *, title: str, start: int = 1) -> str:
    groups: dict[str, list[dict[str, str]]] = {}
    for index, item in enumerate(out.items):
        groups.setdefault(item.category, []).append({"id": f"CHK{start + index:03d}", "text": item.text})
    domain_title = out.domain.replace("-", " ").title()
    return render("checklist.md.j2", out=out, groups=list(groups.items()), title=title, domain_title=domain_title)
