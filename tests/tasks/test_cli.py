"""`specify tasks ...` through Typer's CliRunner and through the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.cli.main import app
from specify.tasks import write_claim

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_json_keys(project: Path) -> None:
    data = run_json("tasks", "list", "--feature", "001")
    first = data["tasks"][0]
    for key in (
        "id",
        "line",
        "done",
        "marker",
        "phase",
        "story",
        "parallel",
        "depends_on",
        "files",
        "claimed_by",
    ):
        assert key in first
    assert first["id"] == "T001"
    assert data["tasks"][3]["depends_on"] == ["T003"]


def test_next_follows_ticks(project: Path) -> None:
    assert run_json("tasks", "next", "--feature", "001")["tasks"] == ["T001"]
    run_json("tasks", "done", "T001", "t002", "T003", "--feature", "001")
    assert run_json("tasks", "next", "--feature", "001")["tasks"] == ["T004", "T005"]


def test_next_reports_claims(project: Path) -> None:
    run_json("tasks", "done", "T001", "T002", "T003", "--feature", "001")
    write_claim(project, "run-a", ["T004"])
    data = run_json("tasks", "next", "--feature", "001")
    assert data["tasks"] == ["T005"]
    assert data["claimed"] == [{"id": "T004", "claimed_by": "run-a"}]
    listed = run_json("tasks", "list", "--feature", "001")["tasks"]
    assert listed[3]["claimed_by"] == "run-a"


def test_undo_restores_file(project: Path) -> None:
    path = project / "specs/001-photos/tasks.md"
    before = path.read_bytes()
    run_json("tasks", "done", "T004", "--feature", "001")
    data = run_json("tasks", "undo", "T004", "--feature", "001")
    assert data["changed"] == ["T004"]
    assert path.read_bytes() == before


def test_unknown_id_fails_untouched(project: Path) -> None:
    path = project / "specs/001-photos/tasks.md"
    before = path.read_bytes()
    result = runner.invoke(app, ["tasks", "done", "T04", "--feature", "001"])
    assert result.exit_code == 1
    assert "T04" in result.stderr
    assert "T004" in result.stderr
    assert path.read_bytes() == before


def test_stale_hash_conflicts(project: Path) -> None:
    result = runner.invoke(app, ["tasks", "done", "T001", "--if-sha256", "0" * 64, "--feature", "001"])
    assert result.exit_code == 1
    assert "changed on disk" in result.stderr


def test_stats_json_counts(project: Path) -> None:
    data = run_json("tasks", "stats", "--feature", "001")
    assert (data["total"], data["done"], data["open"], data["unknown_markers"]) == (6, 0, 6, 0)
    assert list(data["by_phase"]) == [
        "Phase 1: Setup",
        "Phase 2: Foundational",
        "Phase 3: User Story 1 - Browse albums (Priority: P1)",
    ]
    assert (data["bom"], data["newline"]) == (True, "CRLF")


def test_feature_from_feature_json(project: Path) -> None:
    (project / ".specify/feature.json").write_text('{"feature_directory": "specs/001-photos"}')
    data = run_json("tasks", "next")
    assert data["tasks"] == ["T001"]
    assert data["rule"] == ".specify/feature.json"


def test_stats_shows_nesting_levels(project: Path) -> None:
    shutil.copyfile(FIXTURES / "tasks/nested-subtasks.md", project / "specs/001-photos/tasks.md")
    result = runner.invoke(app, ["tasks", "stats", "--feature", "001"])
    assert "done by nesting level: 0: 3/4, 1: 0/2, 2: 0/1" in result.stdout


def test_human_output_fits_80_columns(project: Path) -> None:
    for command in ("list", "next", "stats"):
        result = runner.invoke(app, ["tasks", command, "--feature", "001"])
        assert result.exit_code == 0
        assert max(len(line) for line in result.stdout.splitlines()) <= 80, command


def test_missing_tasks_file_error(project: Path) -> None:
    (project / "specs/002-empty").mkdir()
    result = runner.invoke(app, ["tasks", "list", "--feature", "002"])
    assert result.exit_code == 1
    assert "tasks.md does not exist" in result.stderr


def test_openspec_folder_outside_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    change = FIXTURES / "tasks/other-tools/Fission-AI__OpenSpec/openspec/changes/add-cli-man-page"
    shutil.copytree(change, tmp_path / "change")
    monkeypatch.chdir(tmp_path)
    data = run_json("tasks", "stats", "--feature", str(tmp_path / "change"))
    assert (data["total"], data["done"]) == (10, 10)


@pytest.mark.parametrize("name", sorted(json.loads((FIXTURES / "speckit/expected.json").read_text())))
def test_speckit_projects_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    project_name = name.split("/")[0]
    shutil.copytree(FIXTURES / "speckit" / project_name, tmp_path / project_name)
    root = tmp_path / project_name
    (root / ".specify" / "memory").mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(root)
    feature = str(Path(name).parent.relative_to(project_name))
    expected = json.loads((FIXTURES / "speckit/expected.json").read_text())[name]
    data = run_json("tasks", "stats", "--feature", feature)
    assert {key: data[key] for key in ("total", "done", "unknown_markers")} == {
        key: expected[key] for key in ("total", "done", "unknown_markers")
    }
    assert runner.invoke(app, ["tasks", "list", "--feature", feature]).exit_code == 0
    assert runner.invoke(app, ["tasks", "next", "--feature", feature]).exit_code == 0


def test_console_script_ticks(project: Path) -> None:
    beside_python = Path(sys.executable).with_name("specify")
    specify = str(beside_python) if beside_python.exists() else shutil.which("specify")
    assert specify, "the specify console script is not installed"
    done = subprocess.run(
        [specify, "tasks", "done", "t004", "--feature", "001", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["changed"] == ["T004"]
    missing = subprocess.run(
        [specify, "tasks", "undo", "T404", "--feature", "001"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: Unknown task id T404")


def test_next_ref_ticks_duplicate(project: Path) -> None:
    tasks = project / "specs" / "001-photos" / "tasks.md"
    tasks.write_bytes(b"## Phase 1: Setup\n- [x] T001 first\n- [ ] T001 second\n")
    batch = run_json("tasks", "next", "--feature", "001")["tasks"]
    run_json("tasks", "done", *batch, "--feature", "001")
    assert run_json("tasks", "next", "--feature", "001")["tasks"] == []


def display_columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in line)


def test_wide_characters_fit_80_columns(project: Path) -> None:
    tasks = project / "specs" / "001-photos" / "tasks.md"
    tasks.write_text("- [ ] T001 [US1] " + "用户登录和权限管理" * 8 + "\n- [ ] T002 " + "🚀🔥✨" * 20 + "\n")
    for command in ("list", "next"):
        result = runner.invoke(app, ["tasks", command, "--feature", "001"])
        assert result.exit_code == 0
        assert max(display_columns(line) for line in result.stdout.splitlines()) <= 80, command
        assert "..." in result.stdout, command


def test_long_ascii_task_fits_80_columns(project: Path) -> None:
    tasks = project / "specs" / "001-photos" / "tasks.md"
    tasks.write_text("- [ ] T001 [P] [US1] " + "word " * 40 + "\n")
    result = runner.invoke(app, ["tasks", "list", "--feature", "001"])
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_other_feature_claim_ignored(project: Path) -> None:
    other = project / "specs" / "002-other" / "tasks.md"
    write_claim(project, "run-b", ["T001"], tasks_file=other)
    data = run_json("tasks", "next", "--feature", "001")
    assert data["tasks"] == ["T001"]
    assert data["claimed"] == []
