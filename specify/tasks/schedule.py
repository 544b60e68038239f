"""Which tasks run next, and counts for progress reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specify.tasks.model import Task, TasksDocument


def next_batch(doc: TasksDocument, claimed: Mapping[str, Any] | None = None) -> list[Task]:
    """Return the next batch of tasks to work on (empty when none is runnable).

    The batch is the first open task, in file order, whose phase has no open task in an
    earlier phase and whose dependencies are done. When that task is marked ``[P]``, the
    batch also takes the ``[P]`` tasks right after it in the same phase that do not depend on
    each other. Tasks whose id is a key of ``claimed`` are skipped.
    """
    raise NotImplementedError


def task_stats(doc: TasksDocument) -> dict[str, Any]:
    """Return ``total``, ``done``, ``open``, ``unknown_markers`` and ``by_phase`` counts."""
    raise NotImplementedError
