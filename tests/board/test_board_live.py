"""Live reload: other processes change the files while the board runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import drive, frozen_clock, wait_until
from test_board_app import lane_refs, selected_ref, summary

from specify.board.app import BoardApp
from specify.tasks.claims import write_claim


def live_app(project: Path) -> BoardApp:
    return BoardApp(project, project / "specs" / "001-photo-albums", watch=True, clock=frozen_clock)


async def watcher_ready(pilot, app: BoardApp, root: Path) -> None:
    """Touch a file until the watcher reports it, so later changes cannot be missed."""
    probe = root / ".specify" / "memory" / "probe.md"
    count = 0

    def seen() -> bool:
        nonlocal count
        count += 1
        probe.write_text(str(count), encoding="utf-8")
        return probe.resolve() in getattr(app, "watched_paths", set())

    await wait_until(pilot, seen)
    app.watched_paths.clear()


def run_writer(path: Path, code: str) -> None:
    """Change ``path`` from another process, the way an agent or editor would."""
    script = f"import pathlib\npath = pathlib.Path({str(path)!r})\n{code}\n"
    subprocess.run([sys.executable, "-c", script], check=True)


def test_external_edit_keeps_selection(project: Path, albums: Path):
    app = live_app(project)
    seen = []

    async def steps(pilot):
        await pilot.press("j", "j")
        await watcher_ready(pilot, app, project)
        run_writer(albums / "tasks.md", "path.write_bytes(path.read_bytes().replace(b'- [ ] T001', b'- [x] T001'))")
        await wait_until(pilot, lambda: lane_refs(app)[2] == ["T001"])
        seen.extend([selected_ref(app), summary(app)])

    drive(app, steps)
    assert seen[0] == "T003"
    assert "reloaded 12:34:56" in seen[1]


def test_own_write_is_not_a_reload(project: Path, albums: Path):
    app = live_app(project)
    seen = []

    async def steps(pilot):
        await watcher_ready(pilot, app, project)
        await pilot.press("space")
        await wait_until(pilot, lambda: (albums / "tasks.md").resolve() in app.watched_paths)
        seen.append(app.reloaded_at)

    drive(app, steps)
    assert seen == [None]


def test_invalid_file_marks_stale(project: Path, albums: Path):
    app = live_app(project)
    seen = []

    async def steps(pilot):
        await watcher_ready(pilot, app, project)
        run_writer(albums / "tasks.md", "path.write_bytes(b'- [ ] T001 caf\\xc3')")
        await wait_until(pilot, lambda: "STALE" in summary(app))
        seen.append(lane_refs(app)[0])
        run_writer(albums / "tasks.md", "path.write_bytes(b'- [ ] T001 Rewritten\\n')")
        await wait_until(pilot, lambda: "STALE" not in summary(app))
        seen.append(lane_refs(app)[0])

    drive(app, steps)
    assert seen[0] == ["T001", "T002", "T003", "T004", "T005", "T006"]
    assert seen[1] == ["T001"]


def test_claim_moves_card_in_progress(project: Path):
    app = live_app(project)
    seen = []

    async def steps(pilot):
        await watcher_ready(pilot, app, project)
        write_claim(project, "run-1", ["T002"])
        await wait_until(pilot, lambda: lane_refs(app)[1] == ["T002"])
        seen.append(summary(app))

    drive(app, steps)
    assert "1 in progress" in seen[0]


def test_new_feature_folder_appears(project: Path):
    app = live_app(project)

    async def steps(pilot):
        await watcher_ready(pilot, app, project)
        folder = project / "specs" / "005-export"
        folder.mkdir()
        (folder / "tasks.md").write_text("- [ ] T001 Export albums\n", encoding="utf-8")
        await wait_until(pilot, lambda: app.feature("005-export") is not None)
        await wait_until(pilot, lambda: app.feature("005-export").doc is not None)

    drive(app, steps)
    assert [task.ref for task in app.feature("005-export").doc.tasks] == ["T001"]
