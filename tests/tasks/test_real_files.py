"""Real task lists from spec-kit and OpenSpec projects give the counts in expected.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specify.tasks import load_tasks, next_batch, task_stats

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = [
    (base, name, counts)
    for base in (FIXTURES / "speckit", FIXTURES / "tasks" / "other-tools")
    for name, counts in json.loads((base / "expected.json").read_text()).items()
]


@pytest.mark.parametrize(("base", "name", "counts"), CASES, ids=[c[1].split("/")[0] for c in CASES])
def test_counts_match_expected(base: Path, name: str, counts: dict[str, int]) -> None:
    doc = load_tasks(base / name)
    stats = task_stats(doc)
    assert {key: stats[key] for key in counts} == counts


@pytest.mark.parametrize(("base", "name", "counts"), CASES, ids=[c[1].split("/")[0] for c in CASES])
def test_next_batch_is_open(base: Path, name: str, counts: dict[str, int]) -> None:
    batch = next_batch(load_tasks(base / name))
    assert all(not task.done for task in batch)
    assert bool(batch) == (counts["done"] < counts["total"])


def test_legacy_phase_numbering() -> None:
    doc = load_tasks(FIXTURES / "speckit/1264459640__ModularGodot.Core/specs/001-mnt-d-godotprojects/tasks.md")
    assert [phase.number for phase in doc.phases] == ["3.1", "3.2", "3.3", "3.4", "3.5"]


def test_wrapped_lines_join_task() -> None:
    doc = load_tasks(
        FIXTURES / "speckit/LahkLeKey__Banana/.specify/specs/024-electron-customer-verdict-surface/tasks.md"
    )
    task = doc.find("T004")
    assert task.end_line == task.line + 2
    assert task.description.endswith("if/when icon tokens land).")


def test_openspec_ids_are_numbers() -> None:
    doc = load_tasks(FIXTURES / "tasks/other-tools/Fission-AI__OpenSpec/openspec/changes/add-amp-support/tasks.md")
    assert doc.task_ids[:3] == ["1.1", "1.2", "1.3"]
