"""The tasks.md engine: one parser and writer shared by the CLI, the stage runner and the board.

Public API::

    doc = load_tasks(path)                  # or parse_tasks(text_or_bytes, path=None)
    doc.tasks, doc.phases, doc.sha256
    next_batch(doc, claimed=read_claims(root))   # the tasks to work on now
    task_stats(doc)                         # total, done, open, unknown_markers, by_phase
    set_done(path, ["T001"], done=True, expected_sha256=doc.sha256)

Writes change only checkbox characters, under a cross-process lock, with an atomic replace.
"""

from specify.tasks.claims import Claim, read_claims, release_claim, write_claim
from specify.tasks.model import Phase, Task, TasksDocument
from specify.tasks.parser import load_tasks, parse_tasks
from specify.tasks.schedule import next_batch, task_stats
from specify.tasks.writer import set_done

__all__ = [
    "Claim",
    "Phase",
    "Task",
    "TasksDocument",
    "load_tasks",
    "next_batch",
    "parse_tasks",
    "read_claims",
    "release_claim",
    "set_done",
    "task_stats",
    "write_claim",
]
