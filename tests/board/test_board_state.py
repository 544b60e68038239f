"""The board's state logic, tested without Textual."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.board.features import load_features
from specify.board.state import (
    DONE,
    IN_PROGRESS,
    TODO,
    CardFilter,
    board_counts,
    build_cards,
    build_lanes,
    filter_choices,
    find_card,
)
from specify.cli.main import app as cli_app
from specify.tasks import load_tasks, parse_tasks, task_stats
from specify.tasks.claims import Claim

CASES = Path(__file__).parent / "fixtures" / "cases"
CASE_FILES = sorted(p.relative_to(CASES).as_posix() for p in CASES.rglob("*.md") if p.name != "README.md")
CASE_TASK_FILES = [name for name in CASE_FILES if name.endswith("tasks.md") or name.startswith("tasks/")]


def _expected() -> dict[str, dict[str, int]]:
    expected = {}
    for folder in ("speckit", "tasks/other-tools"):
        data = json.loads((CASES / folder / "expected.json").read_text(encoding="utf-8"))
        expected.update({f"{folder}/{name}": counts for name, counts in data.items()})
    return expected


def _cards(path: Path, claims: dict | None = None):
    return build_cards("001-case", path, load_tasks(path), claims)


def _claim(run_id: str) -> Claim:
    return Claim(run_id=run_id, pid=os.getpid(), host="here", started_at="2026-01-01T00:00:00+00:00", path=Path("x"))


ALBUMS = CASES / "tasks" / "crlf-bom-phases.md"


def test_status_follows_done_and_claims():
    cards = _cards(ALBUMS, {"T002": _claim("run-7")})
    by_ref = {card.task.ref: card for card in cards}
    assert by_ref["T001"].status == TODO
    assert by_ref["T002"].status == IN_PROGRESS
    assert by_ref["T002"].claimed_by == "run-7"


def test_done_task_ignores_its_claim(tmp_path: Path):
    path = tmp_path / "tasks.md"
    path.write_text("- [x] T001 Done already\n", encoding="utf-8")
    (card,) = _cards(path, {"T001": _claim("run-1")})
    assert card.status == DONE
    assert card.claimed_by is None


def test_dependency_badges_name_open_tasks():
    by_ref = {card.task.ref: card for card in _cards(ALBUMS)}
    assert by_ref["T006"].blocked_by == ("T004", "T005")
    assert by_ref["T003"].blocking == ("T004", "T005")
    assert by_ref["T001"].blocked_by == ()


def test_done_dependency_unblocks(tmp_path: Path):
    path = tmp_path / "tasks.md"
    path.write_bytes(ALBUMS.read_bytes().replace(b"- [ ] T003", b"- [x] T003"))
    by_ref = {card.task.ref: card for card in _cards(path)}
    assert by_ref["T004"].blocked_by == ()
    assert by_ref["T003"].blocking == ()


def test_status_view_has_three_lanes():
    lanes = build_lanes(_cards(ALBUMS), "status")
    assert [lane.title for lane in lanes] == ["To do", "In progress", "Done"]
    assert [len(lane.cards) for lane in lanes] == [6, 0, 0]


def test_phase_view_follows_file_order():
    lanes = build_lanes(_cards(ALBUMS), "phase")
    assert [lane.title for lane in lanes] == [
        "Phase 1: Setup",
        "Phase 2: Foundational",
        "Phase 3: User Story 1 - Browse albums (Priority: P1)",
    ]


def test_story_view_groups_untagged_tasks():
    lanes = build_lanes(_cards(ALBUMS), "story")
    assert [(lane.title, len(lane.cards)) for lane in lanes] == [("No user story", 3), ("US1", 3)]


def test_unknown_view_is_rejected():
    with pytest.raises(ValueError, match="unknown view"):
        build_lanes([], "priority")


def test_text_filter_needs_every_word():
    cards = _cards(ALBUMS)
    shown = [c.task.ref for c in cards if CardFilter(text="model app/src").matches(c)]
    assert shown == ["T004", "T005"]


def test_text_filter_ignores_case():
    cards = _cards(ALBUMS)
    assert [c.task.ref for c in cards if CardFilter(text="SQLITE").matches(c)] == ["T003"]


def test_facet_filters_combine():
    cards = _cards(ALBUMS, {"T004": _claim("run-1")})
    card_filter = CardFilter().with_facet("story", "US1").with_facet("status", TODO)
    assert [c.task.ref for c in cards if card_filter.matches(c)] == ["T005", "T006"]


def test_filter_describes_itself():
    card_filter = CardFilter(text="grid", phase="Phase 1: Setup", status=DONE)
    assert card_filter.describe() == "/grid phase=Phase 1: Setup status=Done"
    assert card_filter.active


def test_filter_choices_list_every_facet():
    labels = [label for _, _, label in filter_choices(_cards(ALBUMS))]
    assert labels[:3] == ["Status: To do", "Status: In progress", "Status: Done"]
    assert "Phase: Phase 2: Foundational" in labels
    assert labels[-2:] == ["Story: No user story", "Story: US1"]


def test_find_card_locates_lane_and_row():
    lanes = build_lanes(_cards(ALBUMS), "phase")
    assert find_card(lanes, "001-case:T003") == (1, 0)
    assert find_card(lanes, "001-case:T999") is None


def test_counts_include_claimed_tasks():
    counts = board_counts(_cards(ALBUMS, {"T001": _claim("r")}))
    assert counts[IN_PROGRESS] == 1
    assert counts["open"] == 6


def test_cards_without_ids_use_line_refs():
    doc = parse_tasks(b"- [ ] First\n- [~] Second\n")
    cards = build_cards("001-case", Path("tasks.md"), doc)
    assert [card.task.ref for card in cards] == ["L1", "L2"]
    assert board_counts(cards)["unknown_markers"] == 1


@pytest.mark.parametrize("name", CASE_TASK_FILES)
def test_counts_equal_task_stats(name: str):
    doc = load_tasks(CASES / name)
    counts = board_counts(build_cards("001-case", CASES / name, doc))
    stats = task_stats(doc)
    for key in ("total", "done", "open", "unknown_markers", "by_phase"):
        assert counts[key] == stats[key], key


@pytest.mark.parametrize("name", sorted(_expected()))
def test_counts_equal_expected_counts(name: str):
    counts = board_counts(_cards(CASES / name))
    expected = _expected()[name]
    for key in ("total", "done", "unknown_markers"):
        assert counts[key] == expected[key], key


def test_counts_equal_cli_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The board's counts equal `specify tasks stats --json` for every case file."""
    root = tmp_path / "project"
    (root / ".specify" / "memory").mkdir(parents=True)
    for number, name in enumerate(CASE_TASK_FILES, start=1):
        folder = root / "specs" / f"{number:03d}-case"
        folder.mkdir(parents=True)
        (folder / "tasks.md").write_bytes((CASES / name).read_bytes())
    monkeypatch.chdir(root)

    runner = CliRunner()
    for feature in load_features(root):
        result = runner.invoke(cli_app, ["tasks", "stats", "--json", "--feature", feature.name])
        assert result.exit_code == 0, result.output
        stats = json.loads(result.stdout)
        counts = board_counts(build_cards(feature.name, feature.tasks_path, feature.doc))
        for key in ("total", "done", "open", "unknown_markers", "by_phase"):
            assert counts[key] == stats[key], (feature.name, key)


def test_state_modules_avoid_textual():
    code = (
        "import sys; import specify.board.state, specify.board.features, specify.board.context, "
        "specify.board.keymap, specify.board.external; print('textual' in sys.modules)"
    )
    import subprocess

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
