"""Rules for tasks.md: line format, unique ids, known and runnable dependencies, files, story coverage."""

from __future__ import annotations

import re

from specify.analysis.findings import Report
from specify.tasks.encoding import split_lines
from specify.tasks.model import Task, TasksDocument

# Spec-kit's task line: `- [ ] T012 [P] [US1] Description`, tags optional and in this order.
TASK_FORMAT = re.compile(r"^- \[[ xX]\] T\d{3,}[A-Za-z]? (?:\[P\] )?(?:\[US\d+\] )?(?!\[(?:P|US\d+)\])\S")
STORY_IN_HEADING = re.compile(r"\b(?:User\s+Story|US)[\s-]*(\d+)\b", re.IGNORECASE)


def check_tasks(doc: TasksDocument, name: str, report: Report, stories: dict[str, int]) -> None:
    """Add findings for ``doc``; ``stories`` are the spec's user stories (may be empty)."""
    lines = [text for _, text in split_lines(doc.text)]
    _check_format(doc, name, report, lines)
    _check_ids(doc, name, report)
    _check_dependency_order(doc, name, report)
    _check_cycles(doc, name, report)
    _check_markers(doc, name, report)
    _check_coverage(doc, name, report, stories)


def _check_format(doc: TasksDocument, name: str, report: Report, lines: list[str]) -> None:
    for task in doc.tasks:
        if task.level > 0:
            continue
        if task.id is None:
            if task.phase is not None:
                report.add(
                    name,
                    task.line,
                    "task-id",
                    "warning",
                    "Task in a phase has no id; start its text with the next free id (T001...).",
                )
            continue
        if task.id.startswith("T") and not TASK_FORMAT.match(lines[task.line - 1]):
            report.add(
                name,
                task.line,
                "task-format",
                "warning",
                f"{task.id} does not follow `- [ ] T001 [P] [US1] Description`; use '-', a "
                "three-digit id, then the optional [P] and [USn] tags in that order.",
            )
        if not task.files:
            report.add(
                name,
                task.line,
                "task-files",
                "warning",
                f"{task.id} names no file; add the path it creates or changes.",
            )


def _check_ids(doc: TasksDocument, name: str, report: Report) -> None:
    first_line: dict[str, int] = {}
    for task in doc.tasks:
        if task.id is None:
            continue
        key = task.id.upper()
        if key in first_line:
            report.add(
                name,
                task.line,
                "duplicate-task-id",
                "error",
                f"{task.id} is used again (first on line {first_line[key]}); renumber one of them.",
            )
        else:
            first_line[key] = task.line
    for task in doc.tasks:
        for dep in task.depends_on:
            if dep.upper() not in first_line:
                report.add(
                    name,
                    task.line,
                    "unknown-dependency",
                    "error",
                    f"{task.ref} depends on {dep}, which is not a task in this file.",
                )


def _unique_tasks(doc: TasksDocument) -> dict[str, Task]:
    """Map each id used by exactly one task (upper case) to that task."""
    return {task.id.upper(): task for task in doc.tasks if task.id is not None and not task.duplicate_id}


def _check_dependency_order(doc: TasksDocument, name: str, report: Report) -> None:
    # A phase waits for every earlier phase, so a task that waits for a later phase never runs.
    by_id = _unique_tasks(doc)
    for task in doc.tasks:
        if task.phase_index < 0:
            continue
        for dep in task.depends_on:
            target = by_id.get(dep.upper())
            if target is not None and target.phase_index > task.phase_index:
                report.add(
                    name,
                    task.line,
                    "later-phase-dependency",
                    "error",
                    f"{task.ref} depends on {target.ref} (line {target.line}), which is in a later "
                    "phase, so neither can ever run; move one task or drop the dependency.",
                )


def _check_cycles(doc: TasksDocument, name: str, report: Report) -> None:
    by_id = _unique_tasks(doc)
    graph = {key: [d.upper() for d in task.depends_on if d.upper() in by_id] for key, task in by_id.items()}
    for cycle in _find_cycles(graph):
        first = min((by_id[key] for key in cycle), key=lambda task: task.line)
        path = " -> ".join(by_id[key].ref for key in [*cycle, cycle[0]])
        report.add(
            name,
            first.line,
            "dependency-cycle",
            "error",
            f"Tasks depend on each other in a cycle ({path}), so `specify tasks next` never "
            "offers them; drop one of these dependencies.",
        )


def _find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Return one cycle per back edge of an iterative depth-first search (linear time)."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    for root in graph:
        if root in done:
            continue
        path: list[str] = [root]
        on_path = {root: 0}
        pending = [iter(graph[root])]
        while pending:
            node = next(pending[-1], None)
            if node is None:
                finished = path.pop()
                del on_path[finished]
                done.add(finished)
                pending.pop()
            elif node in on_path:
                cycles.append(path[on_path[node] :])
            elif node not in done:
                on_path[node] = len(path)
                path.append(node)
                pending.append(iter(graph[node]))
    return cycles


def _check_markers(doc: TasksDocument, name: str, report: Report) -> None:
    for task in doc.unknown_markers:
        report.add(
            name,
            task.line,
            "unknown-marker",
            "warning",
            f"Checkbox [{task.marker}] of {task.ref} counts as not done; use [ ] or [x].",
        )
    if doc.unclosed_fence_line is not None:
        report.add(
            name,
            doc.unclosed_fence_line,
            "unclosed-fence",
            "warning",
            "Code fence never closes, so no line after it is read as a task; close it.",
        )


def _covered_stories(doc: TasksDocument) -> set[str]:
    covered = {task.story for task in doc.tasks if task.story}
    for phase in doc.phases:
        covered.update(f"US{int(n)}" for n in STORY_IN_HEADING.findall(phase.title))
    return covered


def _check_coverage(doc: TasksDocument, name: str, report: Report, stories: dict[str, int]) -> None:
    covered = _covered_stories(doc)
    for story in stories:
        if story not in covered:
            report.add(
                name,
                1,
                "story-coverage",
                "error",
                f"User story {story} of spec.md has no tasks; add tasks tagged [{story}].",
            )
    if not stories:
        return
    tagged: dict[str, Task] = {}
    for task in doc.tasks:
        if task.story and task.story not in stories:
            tagged.setdefault(task.story, task)
    for story, task in tagged.items():
        report.add(
            name,
            task.line,
            "unknown-story",
            "warning",
            f"{task.ref} is tagged [{story}], but spec.md has no user story {story}.",
        )
