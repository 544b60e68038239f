"""Feature discovery, stages, the last good parse, the detail pane and key remaps."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from specify.board import resolve_target
from specify.board.context import detail_markdown, plan_sections, split_sections, story_section
from specify.board.external import RUN_COMMAND_ENV, editor_command, run_command, runner_available
from specify.board.features import FeatureState, load_features, read_tasks
from specify.board.keymap import ACTION_NAMES, keys_for, resolve_keymap
from specify.board.state import build_cards
from specify.errors import ConfigError, FeatureNotFoundError
from specify.fsutil import atomic_write_bytes
from specify.tasks.claims import Claim


def test_stages_follow_files_and_progress(project: Path):
    stages = {feature.name: feature.stage() for feature in load_features(project)}
    assert stages == {
        "001-photo-albums": "tasks",
        "002-sharing": "plan",
        "003-nested-subtasks": "implementing",
        "004-search": "done",
    }


def test_spec_only_feature_is_at_spec(project: Path):
    folder = project / "specs" / "005-new"
    folder.mkdir()
    (folder / "spec.md").write_text("# Spec\n", encoding="utf-8")
    feature = FeatureState(folder.name, folder)
    assert feature.stage() == "loading"
    read_tasks(feature)
    assert feature.stage() == "spec"


def test_claimed_feature_is_implementing(project: Path):
    (feature,) = [f for f in load_features(project) if f.name == "001-photo-albums"]
    claim = Claim("run-1", os.getpid(), "here", "2026-01-01T00:00:00+00:00", Path("claim.json"))
    assert feature.stage({"T001": claim}) == "implementing"


def test_invalid_bytes_keep_last_parse(albums: Path):
    feature = FeatureState(albums.name, albums)
    read_tasks(feature)
    good = feature.doc
    (albums / "tasks.md").write_bytes(b"- [ ] T001 caf\xc3")
    assert read_tasks(feature) is True
    assert feature.doc is good
    assert feature.stale is not None


def test_empty_file_is_held_back(albums: Path):
    feature = FeatureState(albums.name, albums)
    read_tasks(feature)
    (albums / "tasks.md").write_bytes(b"")
    read_tasks(feature)
    assert len(feature.doc.tasks) == 6
    assert "half-written" in feature.stale


def test_valid_file_clears_stale(albums: Path):
    feature = FeatureState(albums.name, albums)
    read_tasks(feature)
    (albums / "tasks.md").write_bytes(b"")
    read_tasks(feature)
    (albums / "tasks.md").write_bytes(b"- [ ] T001 Only task\n")
    assert read_tasks(feature) is True
    assert feature.stale is None
    assert [task.ref for task in feature.doc.tasks] == ["T001"]


def test_unchanged_bytes_are_not_a_change(albums: Path):
    feature = FeatureState(albums.name, albums)
    read_tasks(feature)
    atomic_write_bytes(albums / "tasks.md", (albums / "tasks.md").read_bytes())
    assert read_tasks(feature) is False


def test_detail_shows_story_and_plan(albums: Path):
    feature = FeatureState(albums.name, albums)
    read_tasks(feature)
    cards = build_cards(feature.name, feature.tasks_path, feature.doc)
    text = detail_markdown(next(card for card in cards if card.task.ref == "T004"))
    assert "### T004 Album model in app/src/album.js" in text
    assert "#### User Story 1 - Browse albums (Priority: P1)" in text
    assert "#### Plan: Project Structure" in text
    assert "> 14 - [ ] T004 [P] [US1] Album model" in text


def test_detail_falls_back_to_plan_overview(albums: Path):
    sections = plan_sections(albums / "plan.md", ("docs/guide.md",))
    assert [section.title for section in sections] == ["Summary", "Technical Context"]


def test_story_section_stops_at_next_story(albums: Path):
    section = story_section(albums / "spec.md", "US1")
    assert section is not None
    assert not any("Share an album" in line for line in section.lines)


def test_headings_inside_fences_are_text():
    sections = split_sections(["# A", "```", "# not a heading", "```", "## B"])
    assert [section.title for section in sections] == ["A", "B"]


def test_detail_without_selection():
    assert detail_markdown(None) == "*No task selected.*"


def test_keymap_accepts_known_actions():
    keymap = resolve_keymap({"toggle_done": "x", "quit": "ctrl+q"})
    assert keys_for("toggle_done", keymap) == "x"
    assert keys_for("next_task", keymap) == "n"


def test_keymap_rejects_unknown_action():
    with pytest.raises(ConfigError, match="Unknown board action 'tick'"):
        resolve_keymap({"tick": "x"})


def test_every_action_has_a_handler():
    from specify.board.app import BoardApp

    for name in ACTION_NAMES:
        assert hasattr(BoardApp, f"action_{name}"), name


def test_editor_command_uses_plus_line(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "nvim -u NONE")
    assert editor_command(Path("t.md"), 7) == ["nvim", "-u", "NONE", "+7", "t.md"]


def test_editor_command_for_vscode(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VISUAL", "code")
    assert editor_command(Path("t.md"), 7) == ["code", "--wait", "-g", "t.md:7"]


def test_run_command_defaults_to_implement(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(RUN_COMMAND_ENV, raising=False)
    assert run_command("T004")[-5:] == ["specify", "run", "implement", "--task", "T004"]


def test_run_command_fills_placeholder(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(RUN_COMMAND_ENV, "my-runner --id {task} --fast")
    assert run_command("T004") == ["my-runner", "--id", "T004", "--fast"]


def test_run_command_appends_task(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(RUN_COMMAND_ENV, f"{sys.executable} runner.py")
    assert run_command("T004")[-2:] == ["--task", "T004"]


def test_runner_probe_matches_cli(project: Path, monkeypatch: pytest.MonkeyPatch):
    """The probe agrees with whether `specify run --help` exits 0 in this install."""
    import subprocess

    monkeypatch.delenv(RUN_COMMAND_ENV, raising=False)
    probe = subprocess.run([sys.executable, "-m", "specify", "run", "--help"], capture_output=True, check=False)
    available, reason = runner_available(project)
    assert available == (probe.returncode == 0)
    assert available or RUN_COMMAND_ENV in reason


def test_target_falls_back_to_first_feature(project: Path):
    target = resolve_target(None, False)
    assert target.feature.name == "001-photo-albums"
    assert "No active feature" in target.notice


def test_target_honours_feature_flag(project: Path):
    assert resolve_target("003", False).feature.name == "003-nested-subtasks"


def test_target_rejects_unknown_feature(project: Path):
    with pytest.raises(FeatureNotFoundError):
        resolve_target("999", False)


def test_target_without_features(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / ".specify" / "memory").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FeatureNotFoundError, match="No feature folders"):
        resolve_target(None, True)
