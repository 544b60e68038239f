"""Which tasks run next, and counts for progress reports."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from specify.tasks.model import Task, TasksDocument

logger = logging.getLogger(__name__)

NO_PHASE = "(no phase)"


def next_batch(doc: TasksDocument, claimed: Mapping[str, Any] | None = None) -> list[Task]:
    """Return the next batch of tasks to work on (empty when none is runnable).

    The batch is the first open task, in file order, whose phase has no open task in an
    earlier phase and whose dependencies are done. When that task is marked ``[P]``, the
    batch also takes the ``[P]`` tasks right after it in the same phase that do not depend on
    each other. Tasks whose ``ref`` (upper case) is a key of ``claimed`` are skipped; they still
    count as open, so they hold back later phases and their dependents.

    Tasks outside any phase are neither held back by phases nor hold them back. A dependency
    on an id that the document does not contain is ignored (``specify analyze`` reports it),
    so a typo cannot stall a run forever.
    """
    claimed_refs = {ref.upper() for ref in (claimed or {})}
    done_ids = {task.id.upper() for task in doc.tasks if task.id and task.done}
    known_ids = {task.id.upper() for task in doc.tasks if task.id}
    open_phases = {task.phase_index for task in doc.tasks if not task.done and task.phase_index >= 0}
    earliest_open = min(open_phases, default=None)

    def runnable(task: Task) -> bool:
        if task.done or task.ref.upper() in claimed_refs:
            return False
        if task.phase_index >= 0 and earliest_open is not None and task.phase_index > earliest_open:
            return False
        return all(dep.upper() in done_ids or dep.upper() not in known_ids for dep in task.depends_on)

    for position, task in enumerate(doc.tasks):
        if runnable(task):
            if not task.parallel:
                return [task]
            return _parallel_run(doc.tasks, position, runnable)
    return []


def _parallel_run(tasks: list[Task], start: int, runnable: Callable[[Task], bool]) -> list[Task]:
    """Collect ``tasks[start]`` and the runnable [P] tasks that follow it in its phase.

    The run ends at the phase's end or at an open task without [P]. A [P] task that is
    claimed or waits for an open task (a batch member included) is left out, so no two
    members of the batch depend on each other.
    """
    first = tasks[start]
    batch = [first]
    for task in tasks[start + 1 :]:
        if task.phase_index != first.phase_index or not (task.done or task.parallel):
            break
        if not task.done and runnable(task):
            batch.append(task)
    return batch


def task_stats(doc: TasksDocument) -> dict[str, Any]:
    """Return ``total``, ``done``, ``open`` and ``unknown_markers`` counts, per phase and per level.

    ``by_phase`` maps each phase heading (``"(no phase)"`` for tasks outside phases) to its
    ``total``, ``done`` and ``open`` counts in file order; ``by_level`` does the same for
    nesting depth (``"0"`` for top-level tasks). ``with_id`` and ``with_id_done`` count
    the tasks with a spec-kit id (``T001``); OpenSpec numbers such as ``1.1`` are not counted.
    """
    by_phase: dict[str, dict[str, int]] = {}
    by_level: dict[str, dict[str, int]] = {}
    for task in doc.tasks:
        for table, key in ((by_phase, task.phase or NO_PHASE), (by_level, str(task.level))):
            row = table.setdefault(key, {"total": 0, "done": 0, "open": 0})
            row["total"] += 1
            row["done" if task.done else "open"] += 1

    done = sum(task.done for task in doc.tasks)
    return {
        "total": len(doc.tasks),
        "done": done,
        "open": len(doc.tasks) - done,
        "unknown_markers": len(doc.unknown_markers),
        "with_id": sum(_speckit_id(task) for task in doc.tasks),
        "with_id_done": sum(_speckit_id(task) and task.done for task in doc.tasks),
        "by_phase": by_phase,
        "by_level": by_level,
    }


def _speckit_id(task: Task) -> bool:
    return task.id is not None and task.id.startswith("T")
