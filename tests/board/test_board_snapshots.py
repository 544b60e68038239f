"""Snapshot tests of the board's main screens at fixed sizes.

The only wall-clock time the board shows is "reloaded HH:MM:SS", and it comes from the
frozen clock passed in. The root conftest isolates HOME, and ``run_before`` turns cursor
blink off.
Accept intended changes with ``pytest tests/board --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

from conftest import frozen_clock, wait_until
from textual.widgets import Input

from specify.board.app import BoardApp


def make_app(project: Path) -> BoardApp:
    return BoardApp(project, project / "specs" / "001-photo-albums", watch=False, clock=frozen_clock)


async def steady(pilot) -> None:
    """Wait until every feature is parsed and the detail pane drawn; stop cursor blink."""
    await wait_until(pilot, lambda: pilot.app.ready)
    for search in pilot.app.query(Input):
        search.cursor_blink = False
    await pilot.pause()


def test_status_view_80x24(project: Path, snap_compare):
    assert snap_compare(make_app(project), terminal_size=(80, 24), run_before=steady)


def test_phase_view_badges(project: Path, snap_compare):
    assert snap_compare(make_app(project), press=["v", "j", "j", "j", "j"], terminal_size=(80, 24), run_before=steady)


def test_help_screen(project: Path, snap_compare):
    assert snap_compare(make_app(project), press=["question_mark"], terminal_size=(80, 24), run_before=steady)


def test_search_filter_shown(project: Path, snap_compare):
    assert snap_compare(
        make_app(project), press=["slash", "m", "o", "d", "e", "l"], terminal_size=(80, 24), run_before=steady
    )


def test_wide_board_with_detail(project: Path, snap_compare):
    (project / "specs" / "001-photo-albums" / "tasks.md").write_bytes(
        (project / "specs" / "001-photo-albums" / "tasks.md")
        .read_bytes()
        .replace(b"- [ ] T001", b"- [x] T001")
        .replace(b"- [ ] T002", b"- [x] T002")
    )
    assert snap_compare(make_app(project), press=["j", "j"], terminal_size=(140, 36), run_before=steady)


def test_stale_marker(project: Path, snap_compare):
    app = make_app(project)
    tasks = project / "specs" / "001-photo-albums" / "tasks.md"

    async def break_file(pilot) -> None:
        await steady(pilot)
        tasks.write_bytes(b"- [ ] T001 caf\xc3")
        pilot.app.reload_paths([tasks])
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=break_file)
