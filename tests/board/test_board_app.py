"""Pilot tests: every key binding of the board, driven through a headless terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import drive, frozen_clock, wait_until
from textual.widgets import Input, Log, OptionList, Static

from specify.board import build_app
from specify.board.app import BoardApp
from specify.board.external import RUN_COMMAND_ENV
from specify.board.screens import ChoiceScreen, HelpScreen
from specify.board.widgets import LaneList


def make_app(project: Path, feature: str | None = "001-photo-albums", **options) -> BoardApp:
    folder = project / "specs" / feature if feature else None
    return BoardApp(project, folder, watch=False, clock=frozen_clock, **options)


def selected_ref(app: BoardApp) -> str | None:
    card = app.selected_card()
    return card.task.ref if card else None


def lane_refs(app: BoardApp) -> list[list[str]]:
    return [[card.task.ref for card in lane.cards if card] for lane in app.query(LaneList)]


def summary(app: BoardApp) -> str:
    return str(app.query_one("#summary", Static).render())


def tick_on_disk(path: Path, *refs: str) -> None:
    data = path.read_bytes()
    for ref in refs:
        data = data.replace(f"- [ ] {ref}".encode(), f"- [x] {ref}".encode())
    path.write_bytes(data)


def test_j_k_and_arrows_move_within_lane(project: Path):
    app = make_app(project)
    seen = []

    async def steps(pilot):
        for key in ("j", "down", "k", "up"):
            await pilot.press(key)
            seen.append(selected_ref(app))

    drive(app, steps)
    assert seen == ["T002", "T003", "T002", "T001"]


def test_h_l_and_arrows_cross_lanes(project: Path, albums: Path):
    tick_on_disk(albums / "tasks.md", "T001")
    app = make_app(project)
    seen = []

    async def steps(pilot):
        for key in ("l", "right", "h", "left"):
            await pilot.press(key)
            seen.append((app.focused.lane_key, selected_ref(app)))

    drive(app, steps)
    assert seen == [("in_progress", None), ("done", "T001"), ("in_progress", None), ("todo", "T002")]


def test_space_ticks_one_byte(project: Path, albums: Path):
    before = (albums / "tasks.md").read_bytes()
    app = make_app(project)

    async def steps(pilot):
        await pilot.press("space")

    drive(app, steps)
    after = (albums / "tasks.md").read_bytes()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    assert after.startswith(b"\xef\xbb\xbf")
    assert after.count(b"\r\n") == before.count(b"\r\n")


def test_space_twice_restores_file(project: Path, albums: Path):
    before = (albums / "tasks.md").read_bytes()
    app = make_app(project)
    lanes = []

    async def steps(pilot):
        await pilot.press("space")
        lanes.append(lane_refs(app))
        await pilot.press("space")

    drive(app, steps)
    assert lanes[0][2] == ["T001"]
    assert (albums / "tasks.md").read_bytes() == before


def test_space_never_overwrites_external_edit(project: Path, albums: Path):
    app = make_app(project)
    path = albums / "tasks.md"

    async def steps(pilot):
        tick_on_disk(path, "T003")
        await pilot.press("space")

    drive(app, steps)
    text = path.read_bytes()
    assert b"- [x] T003" in text
    assert b"- [ ] T001" in text


def test_conflict_reloads_the_board(project: Path, albums: Path):
    app = make_app(project)
    done_lane = []

    async def steps(pilot):
        tick_on_disk(albums / "tasks.md", "T003")
        await pilot.press("space")
        done_lane.extend(lane_refs(app)[2])

    drive(app, steps)
    assert done_lane == ["T003"]


def test_n_selects_next_runnable(project: Path, albums: Path):
    tick_on_disk(albums / "tasks.md", "T001", "T002", "T003")
    app = make_app(project)

    seen = []

    async def steps(pilot):
        await pilot.press("n")
        seen.append(selected_ref(app))

    drive(app, steps)
    assert seen == ["T004"]


def test_slash_filters_incrementally(project: Path):
    app = make_app(project)
    shown = []

    async def steps(pilot):
        await pilot.press("slash", "m", "o", "d")
        shown.append(lane_refs(app)[0])
        await pilot.press("e", "l", "space", "p", "h", "o", "enter")
        shown.append(lane_refs(app)[0])
        shown.append(type(app.focused).__name__)

    drive(app, steps)
    assert shown[0] == ["T004", "T005"]
    assert shown[1] == ["T005"]
    assert shown[2] == "LaneList"


def test_escape_clears_filters(project: Path):
    app = make_app(project)

    seen = []

    async def steps(pilot):
        await pilot.press("slash", "g", "r", "i", "d", "enter", "escape")
        seen.append(lane_refs(app)[0])
        seen.append(app.query_one("#search", Input).value)

    drive(app, steps)
    assert seen == [["T001", "T002", "T003", "T004", "T005", "T006"], ""]


def test_f_filters_by_story(project: Path):
    app = make_app(project)
    shown = []

    async def steps(pilot):
        await pilot.press("f")
        assert isinstance(app.screen, ChoiceScreen)
        choices = app.screen.query_one(OptionList)
        ids = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
        for _ in range(ids.index("story\tUS1")):
            await pilot.press("down")
        await pilot.press("enter")
        shown.append(lane_refs(app)[0])
        shown.append(summary(app))

    drive(app, steps)
    assert shown[0] == ["T004", "T005", "T006"]
    assert "story=US1" in shown[1]


def test_v_cycles_views(project: Path):
    app = make_app(project)
    titles = []

    async def steps(pilot):
        for _ in range(3):
            await pilot.press("v")
            titles.append([lane.border_title for lane in app.query(LaneList)])

    drive(app, steps)
    assert titles == [["By phase (6)"], ["By user story (6)"], ["To do (6)", "In progress (0)", "Done (0)"]]


def test_phase_view_h_l_jump_groups(project: Path):
    app = make_app(project)
    seen = []

    async def steps(pilot):
        await pilot.press("v")
        for key in ("l", "l", "h"):
            await pilot.press(key)
            seen.append(selected_ref(app))

    drive(app, steps)
    assert seen == ["T003", "T004", "T003"]


def test_s_switches_feature(project: Path):
    app = make_app(project)

    async def steps(pilot):
        await pilot.press("s")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "down", "enter")
        seen.append(summary(app))

    seen = []
    drive(app, steps)
    assert app.active == "003-nested-subtasks"
    assert "003-nested-subtasks" in seen[0]


def test_question_mark_shows_help(project: Path):
    app = make_app(project, keymap={"toggle_done": "x"})
    screens = []

    async def steps(pilot):
        await pilot.press("question_mark")
        screens.append(app.screen)
        await pilot.press("escape")
        screens.append(app.screen)

    drive(app, steps)
    assert isinstance(screens[0], HelpScreen)
    assert not isinstance(screens[1], HelpScreen)


def test_q_quits(project: Path):
    app = make_app(project)

    async def steps(pilot):
        await pilot.press("q")

    drive(app, steps)
    assert app.return_code == 0


def test_remapped_key_replaces_default(project: Path, albums: Path):
    app = make_app(project, keymap={"toggle_done": "x"})

    async def steps(pilot):
        await pilot.press("space")
        assert b"- [x] T001" not in (albums / "tasks.md").read_bytes()
        await pilot.press("x")

    drive(app, steps)
    assert b"- [x] T001" in (albums / "tasks.md").read_bytes()


def test_user_config_remaps_keys(project: Path, isolated_env: Path, albums: Path):
    config = isolated_env / "specify" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[keybindings]\ntoggle_done = "t"\n', encoding="utf-8")
    app = build_app("001", watch=False, clock=frozen_clock)

    async def steps(pilot):
        await pilot.press("t")

    drive(app, steps)
    assert b"- [x] T001" in (albums / "tasks.md").read_bytes()


def test_e_opens_editor_at_line(project: Path, albums: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    argv_file = tmp_path / "argv.txt"
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        f"pathlib.Path({str(argv_file)!r}).write_text(' '.join(sys.argv[1:]))\n"
        "path = pathlib.Path(sys.argv[-1])\n"
        "path.write_bytes(path.read_bytes().replace(b'- [ ] T002', b'- [x] T002'))\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    app = make_app(project)

    seen = []

    async def steps(pilot):
        await pilot.press("j", "e")
        seen.extend([lane_refs(app)[2], selected_ref(app)])

    drive(app, steps)
    assert argv_file.read_text() == f"+6 {albums / 'tasks.md'}"
    assert seen == [["T002"], "T002"]


def _runner(tmp_path: Path, body: str) -> str:
    script = tmp_path / "runner.py"
    script.write_text("import sys, time\n" + body, encoding="utf-8")
    return f"{sys.executable} -u {script} {{task}}"


def test_r_streams_run_into_log(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(RUN_COMMAND_ENV, _runner(tmp_path, "print('working on', sys.argv[1])\n"))
    app = make_app(project)

    async def steps(pilot):
        await pilot.press("j", "r")
        log = app.query_one("#log", Log)
        await wait_until(pilot, lambda: "Run for T002 exited with status 0." in log.lines)
        seen.extend([list(log.lines), log.display])

    seen = []
    drive(app, steps)
    assert "working on T002" in seen[0]
    assert seen[1] is True


def test_c_cancels_a_run(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    body = "print('started', flush=True)\ntime.sleep(120)\n"
    monkeypatch.setenv(RUN_COMMAND_ENV, _runner(tmp_path, body))
    app = make_app(project)

    async def steps(pilot):
        await pilot.press("r")
        log = app.query_one("#log", Log)
        await wait_until(pilot, lambda: "started" in log.lines)
        await pilot.press("c")
        await wait_until(pilot, lambda: any("cancelled" in line for line in log.lines))

    drive(app, steps)
    assert app._run_process is None


def test_r_explains_missing_runner(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(RUN_COMMAND_ENV, raising=False)
    monkeypatch.setattr("specify.board.jobs.runner_available", lambda root: (False, "no run command here"))
    app = make_app(project)

    async def steps(pilot):
        await pilot.press("r")
        log = app.query_one("#log", Log)
        await wait_until(pilot, lambda: "no run command here" in log.lines)

    drive(app, steps)
    assert app._run_process is None


def test_palette_lists_actions_and_features(project: Path):
    app = make_app(project)
    titles = []

    async def steps(pilot):
        titles.extend(command.title for command in app.get_system_commands(app.screen))

    drive(app, steps)
    expected = (
        "Tick or untick the selected task",
        "Select the next runnable task",
        "Filter the cards by text",
        "Open the task's line in $EDITOR",
        "Run the selected task with specify run implement",
        "Switch feature",
        "Switch feature: 004-search",
    )
    for title in expected:
        assert title in titles


def test_palette_switches_feature(project: Path):
    app = make_app(project)

    async def steps(pilot):
        await pilot.press("ctrl+p")
        for key in "004-search":
            await pilot.press(key)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.active == "004-search")
        await pilot.pause()
        seen.append(lane_refs(app)[2])

    seen = []
    drive(app, steps)
    assert seen == [["T001", "T002"]]


def test_all_features_board(project: Path):
    app = make_app(project, feature=None, all_features=True)

    seen = []

    async def steps(pilot):
        seen.extend([lane_refs(app), summary(app)])

    drive(app, steps)
    assert sum(len(lane) for lane in seen[0]) == 6 + 7 + 2
    assert "all features" in seen[1]


def test_space_ticks_task_without_id(project: Path):
    folder = project / "specs" / "005-notes"
    folder.mkdir()
    (folder / "tasks.md").write_text("- [ ] Write the notes\n- [ ] Review them\n", encoding="utf-8")
    app = make_app(project, feature="005-notes")

    async def steps(pilot):
        await pilot.press("j", "space")

    drive(app, steps)
    assert (folder / "tasks.md").read_text(encoding="utf-8") == "- [ ] Write the notes\n- [x] Review them\n"


def test_reload_keeps_scroll_position(project: Path):
    folder = project / "specs" / "005-large"
    folder.mkdir()
    case = Path(__file__).parent / "fixtures" / "cases" / "speckit"
    source = case / "microsoft__CommunityManagement-Sample-Spec-Kit" / "specs" / "006-code-review-fixes" / "tasks.md"
    (folder / "tasks.md").write_bytes(source.read_bytes())
    app = make_app(project, feature="005-large")
    seen = []

    async def steps(pilot):
        for _ in range(40):
            await pilot.press("j")
        lane = app.focused
        seen.append((selected_ref(app), lane.scroll_y))
        first = lane.cards[0].task.ref
        data = (folder / "tasks.md").read_bytes().replace(f"- [ ] {first} ".encode(), f"- [x] {first} ".encode(), 1)
        (folder / "tasks.md").write_bytes(data)
        app.reload_paths([folder / "tasks.md"])
        await pilot.pause()
        seen.append((selected_ref(app), app.focused.scroll_y, lane_refs(app)[2]))

    drive(app, steps)
    assert seen[0][1] > 0
    assert seen[1][0] == seen[0][0]
    assert seen[1][2] != []
    assert abs(seen[1][1] - seen[0][1]) <= 3


def test_reload_keeps_empty_column_focus(project: Path, albums: Path):
    app = make_app(project)
    seen = []

    async def steps(pilot):
        await pilot.press("l")
        tick_on_disk(albums / "tasks.md", "T006")
        app.reload_paths([albums / "tasks.md"])
        await pilot.pause()
        seen.extend([app.focused.lane_key, lane_refs(app)[2]])

    drive(app, steps)
    assert seen == ["in_progress", ["T006"]]


def test_done_feature_opens_on_done_column(project: Path):
    app = make_app(project, feature="004-search")
    seen = []

    async def steps(pilot):
        seen.extend([app.focused.lane_key, selected_ref(app)])

    drive(app, steps)
    assert seen == ["done", "T001"]
