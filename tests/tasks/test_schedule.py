"""Scheduling: the `tasks next` rule, claims, and the counts of `tasks stats`."""

from __future__ import annotations

import dataclasses

import pytest

from specify.tasks import TasksDocument, next_batch, parse_tasks, task_stats


def with_done(doc: TasksDocument, ids: set[str]) -> TasksDocument:
    tasks = [dataclasses.replace(t, done=t.id in ids, marker="x" if t.id in ids else " ") for t in doc.tasks]
    return dataclasses.replace(doc, tasks=tasks)


def batch_ids(doc: TasksDocument, claimed: dict | None = None) -> list[str]:
    return [task.ref for task in next_batch(doc, claimed)]


@pytest.mark.parametrize(
    ("done", "expected"),
    [
        (set(), ["T001"]),
        ({"T001"}, ["T002"]),
        ({"T001", "T002", "T003"}, ["T004", "T005"]),
        ({"T001", "T002", "T003", "T004"}, ["T005"]),
        ({"T001", "T002", "T003", "T004", "T005"}, ["T006"]),
        ({"T001", "T002", "T003", "T004", "T005", "T006"}, []),
    ],
)
def test_next_on_phased_fixture(tasks_fixture, done: set[str], expected: list[str]) -> None:
    doc = with_done(parse_tasks(tasks_fixture("crlf-bom-phases.md")), done)
    assert batch_ids(doc) == expected


def test_earlier_phase_blocks_later() -> None:
    doc = parse_tasks("## Phase 1: A\n- [x] T001 a\n- [ ] T002 b (depends on T003)\n## Phase 2: B\n- [ ] T003 c\n")
    assert batch_ids(doc) == []


def test_unmet_dependency_skipped() -> None:
    doc = parse_tasks("- [ ] T001 a (depends on T002)\n- [ ] T002 b\n")
    assert batch_ids(doc) == ["T002"]


def test_unknown_dependency_ignored() -> None:
    doc = parse_tasks("- [ ] T001 a (depends on T999)\n")
    assert batch_ids(doc) == ["T001"]


def test_parallel_batch_stops_at_sequential() -> None:
    doc = parse_tasks("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 c\n- [ ] T004 [P] d\n")
    assert batch_ids(doc) == ["T001", "T002"]


def test_parallel_batch_excludes_dependents() -> None:
    doc = parse_tasks("- [ ] T001 [P] a\n- [ ] T002 [P] b (depends on T001)\n- [ ] T003 [P] c\n")
    assert batch_ids(doc) == ["T001", "T003"]


def test_parallel_batch_skips_claimed() -> None:
    doc = parse_tasks("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n")
    assert batch_ids(doc, {"T002": object()}) == ["T001", "T003"]


def test_parallel_batch_skips_done_tasks() -> None:
    doc = parse_tasks("- [ ] T001 [P] a\n- [x] T002 [P] b\n- [ ] T003 [P] c\n")
    assert batch_ids(doc) == ["T001", "T003"]


def test_parallel_batch_stays_in_phase() -> None:
    doc = parse_tasks("## Phase 1: A\n- [ ] T001 [P] a\n## Phase 2: B\n- [ ] T002 [P] b\n")
    assert batch_ids(doc) == ["T001"]


def test_claimed_tasks_skipped(tasks_fixture) -> None:
    doc = with_done(parse_tasks(tasks_fixture("crlf-bom-phases.md")), {"T001", "T002", "T003"})
    assert batch_ids(doc, {"T004": object()}) == ["T005"]


def test_claimed_task_still_blocks_phase() -> None:
    doc = parse_tasks("## Phase 1: A\n- [ ] T001 a\n## Phase 2: B\n- [ ] T002 b\n")
    assert batch_ids(doc, {"T001": object()}) == []


def test_open_child_of_done_parent(tasks_fixture) -> None:
    doc = parse_tasks(tasks_fixture("nested-subtasks.md"))
    assert batch_ids(doc) == ["T001a"]


def test_idless_tasks_use_line_refs() -> None:
    doc = parse_tasks("# Checklist\n- [x] first\n- [ ] second\n")
    assert batch_ids(doc) == ["L3"]


def test_stats_counts_and_levels(tasks_fixture) -> None:
    stats = task_stats(parse_tasks(tasks_fixture("nested-subtasks.md")))
    assert (stats["total"], stats["done"], stats["open"]) == (7, 3, 4)
    assert stats["by_level"]["0"] == {"total": 4, "done": 3, "open": 1}
    assert stats["by_level"]["1"] == {"total": 2, "done": 0, "open": 2}
    assert stats["by_level"]["2"] == {"total": 1, "done": 0, "open": 1}
    assert stats["by_phase"]["Phase 1: Setup"] == {"total": 5, "done": 2, "open": 3}


def test_stats_counts_unknown_markers() -> None:
    stats = task_stats(parse_tasks("- [-] T001 a\n- [] T002 b\n- [x] T003 c\n- [ ] 1.1 d\n"))
    assert stats["unknown_markers"] == 2
    assert stats["done"] == 1
    assert stats["with_id"] == 3
    assert stats["by_phase"]["(no phase)"]["total"] == 4
