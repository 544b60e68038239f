"""`specify analyze`: each rule on a small feature, real projects, and the CLI's exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.analysis import analyze_feature
from specify.cli.main import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "speckit"

SPEC = """# Feature Specification: Photo albums

## User Scenarios & Testing *(mandatory)*

### User Story 1 - Browse albums (Priority: P1)

Given albums, when I open the app, then I see them.

### User Story 2 - Share an album (Priority: P2)

## Requirements *(mandatory)*

- **FR-001**: System MUST list albums.
- **FR-002**: System MUST share albums.

## Success Criteria *(mandatory)*

- **SC-001**: Albums load in under a second.
"""

PLAN = "# Implementation Plan\n\n## Constitution Check\n\nAll principles pass.\n"

TASKS = """# Tasks

## Phase 1: Setup

- [ ] T001 Create app/main.py

## Phase 2: User Story 1 - Browse albums

- [ ] T002 [P] [US1] Album model in app/album.py
- [ ] T003 [US1] Grid view in app/grid.py (depends on T002)

## Phase 3: User Story 2 - Share

- [ ] T004 [US2] Share link in app/share.py
"""

CONSTITUTION = "# Photo Constitution\n\n## Core Principles\n\n### I. Tests first\n\n**Version**: 1.0.0\n"


@pytest.fixture
def feature(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".specify" / "memory").mkdir(parents=True)
    (tmp_path / ".specify" / "memory" / "constitution.md").write_text(CONSTITUTION)
    folder = tmp_path / "specs" / "001-photos"
    folder.mkdir(parents=True)
    (folder / "spec.md").write_text(SPEC)
    (folder / "plan.md").write_text(PLAN)
    (folder / "tasks.md").write_text(TASKS)
    monkeypatch.chdir(tmp_path)
    return folder


def rules(folder: Path) -> list[tuple[str, str, int]]:
    report = analyze_feature(folder.parents[1], folder).to_dict()
    return [(f["rule"], f["severity"], f["line"]) for f in report["findings"]]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_clean_feature_no_findings(feature: Path) -> None:
    assert rules(feature) == []


def test_missing_section_is_error(feature: Path) -> None:
    edit(feature / "spec.md", "## Success Criteria *(mandatory)*", "## Outcomes")
    assert ("spec-section", "error", 1) in rules(feature)


def test_legacy_section_names_accepted(feature: Path) -> None:
    edit(feature / "spec.md", "## Success Criteria *(mandatory)*", "## Review & Acceptance Checklist")
    edit(feature / "spec.md", "## User Scenarios & Testing *(mandatory)*", "## User Stories")
    assert rules(feature) == []


def test_duplicate_requirement_id(feature: Path) -> None:
    edit(feature / "spec.md", "- **FR-002**", "- **FR-001**")
    assert ("duplicate-requirement-id", "error", 14) in rules(feature)


def test_requirement_mentions_not_duplicates(feature: Path) -> None:
    edit(feature / "spec.md", "then I see them.", "then I see them (see FR-001 and SC-001).")
    assert rules(feature) == []


def test_four_clarifications_is_error(feature: Path) -> None:
    markers = "".join(f"- **FR-01{n}**: [NEEDS CLARIFICATION: question {n}]\n" for n in range(4))
    edit(feature / "spec.md", "## Success Criteria", markers + "\n## Success Criteria")
    found = rules(feature)
    assert sum(rule == "needs-clarification" for rule, _, _ in found) == 4
    assert any(rule == "too-many-clarifications" and sev == "error" for rule, sev, _ in found)


def test_three_clarifications_allowed(feature: Path) -> None:
    markers = "".join(f"- **FR-01{n}**: [NEEDS CLARIFICATION: question {n}]\n" for n in range(3))
    edit(feature / "spec.md", "## Success Criteria", markers + "\n## Success Criteria")
    assert all(severity == "warning" for _, severity, _ in rules(feature))


def test_fenced_clarification_ignored(feature: Path) -> None:
    edit(
        feature / "spec.md",
        "## Success Criteria",
        "```\n[NEEDS CLARIFICATION: example]\n```\n\n## Success Criteria",
    )
    assert rules(feature) == []


def test_uncovered_story_is_error(feature: Path) -> None:
    edit(feature / "tasks.md", "## Phase 3: User Story 2 - Share", "## Phase 3: Polish")
    edit(feature / "tasks.md", "T004 [US2]", "T004")
    assert ("story-coverage", "error", 1) in rules(feature)


def test_unknown_story_tag_warned(feature: Path) -> None:
    edit(feature / "tasks.md", "- [ ] T001 Create", "- [ ] T001 [US9] Create")
    assert ("unknown-story", "warning", 5) in rules(feature)


def test_task_format_and_duplicates(feature: Path) -> None:
    edit(feature / "tasks.md", "- [ ] T003 [US1]", "* [ ] T3 [US1]")
    edit(feature / "tasks.md", "- [ ] T004 [US2]", "- [ ] T002 [US2]")
    found = rules(feature)
    assert ("task-format", "warning", 10) in found
    assert ("duplicate-task-id", "error", 14) in found


def test_tag_order_checked(feature: Path) -> None:
    edit(feature / "tasks.md", "T002 [P] [US1]", "T002 [US1] [P]")
    assert ("task-format", "warning", 9) in rules(feature)


def test_task_without_file_warned(feature: Path) -> None:
    edit(feature / "tasks.md", "Create app/main.py", "Create the project")
    assert ("task-files", "warning", 5) in rules(feature)


def test_unknown_dependency_is_error(feature: Path) -> None:
    edit(feature / "tasks.md", "(depends on T002)", "(depends on T099)")
    assert ("unknown-dependency", "error", 10) in rules(feature)


def test_odd_marker_warned(feature: Path) -> None:
    edit(feature / "tasks.md", "- [ ] T001", "- [~] T001")
    assert ("unknown-marker", "warning", 5) in rules(feature)


def test_constitution_placeholders_are_errors(feature: Path) -> None:
    path = feature.parents[1] / ".specify/memory/constitution.md"
    path.write_text(
        "<!-- Sync Impact Report: [OLD_TOKEN] -->\n# [PROJECT_NAME] Constitution\n"
        "### [PRINCIPLE_1_NAME]\n[MANDATORY] rules\n**Ratified**: TODO(RATIFICATION_DATE)\n"
    )
    found = rules(feature)
    placeholders = [(r, s, line) for r, s, line in found if r == "constitution-placeholder"]
    assert placeholders == [
        ("constitution-placeholder", "error", 2),
        ("constitution-placeholder", "error", 3),
    ]
    assert ("constitution-todo", "warning", 5) in found


def test_plan_without_constitution_check(feature: Path) -> None:
    (feature / "plan.md").write_text("# Plan\n\n## Summary\n")
    assert ("plan-constitution-check", "error", 1) in rules(feature)


def test_missing_artifacts_are_findings(feature: Path) -> None:
    for name in ("plan.md", "tasks.md", "spec.md"):
        (feature / name).unlink()
    (feature.parents[1] / ".specify/memory/constitution.md").unlink()
    found = {(rule, severity) for rule, severity, _ in rules(feature)}
    assert found == {("missing-artifact", "error"), ("missing-artifact", "warning")}


def test_undecodable_spec_is_finding(feature: Path) -> None:
    (feature / "spec.md").write_bytes(b"# Spec\n\xff\xfe\xfa broken")
    assert ("unreadable", "error", 1) in rules(feature)


def test_cli_exit_codes_and_json(feature: Path) -> None:
    clean = runner.invoke(app, ["analyze", "--feature", "001", "--json"])
    assert clean.exit_code == 0
    assert json.loads(clean.stdout) == {
        "feature_dir": "specs/001-photos",
        "findings": [],
        "errors": 0,
        "warnings": 0,
    }
    edit(feature / "tasks.md", "(depends on T002)", "(depends on T099)")
    failing = runner.invoke(app, ["analyze", "--feature", "001", "--json"])
    assert failing.exit_code == 1
    data = json.loads(failing.stdout)
    assert data["errors"] == 1
    assert set(data["findings"][0]) == {"file", "line", "rule", "severity", "message"}


def test_human_report_fits_80_columns(feature: Path) -> None:
    edit(feature / "tasks.md", "Create app/main.py", "Create the project")
    result = runner.invoke(app, ["analyze", "--feature", "001"])
    assert result.exit_code == 0
    assert "task-files" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


PROJECTS = sorted(
    (project.name, tasks.parent.relative_to(project).as_posix())
    for project in FIXTURES.iterdir()
    if project.is_dir()
    for tasks in project.rglob("tasks.md")
)


@pytest.mark.parametrize(("project", "feature_path"), PROJECTS)
def test_real_projects_analyze_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: str, feature_path: str
) -> None:
    root = tmp_path / project
    shutil.copytree(FIXTURES / project, root)
    (root / ".specify" / "memory").mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(root)
    first = runner.invoke(app, ["analyze", "--feature", feature_path, "--json"])
    second = runner.invoke(app, ["analyze", "--feature", feature_path, "--json"])
    assert first.exit_code in (0, 1), first.output
    assert first.exception is None or isinstance(first.exception, SystemExit)
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["errors"] == sum(f["severity"] == "error" for f in data["findings"])


def test_dependency_cycle_is_error(feature: Path) -> None:
    edit(feature / "tasks.md", "Album model in app/album.py", "Album model in app/album.py (depends on T003)")
    assert ("dependency-cycle", "error", 9) in rules(feature)


def test_self_dependency_is_cycle(feature: Path) -> None:
    edit(feature / "tasks.md", "(depends on T002)", "(depends on T003)")
    assert ("dependency-cycle", "error", 10) in rules(feature)


def test_cycle_reported_once(feature: Path) -> None:
    edit(feature / "tasks.md", "Album model in app/album.py", "Album model in app/album.py (depends on T003)")
    found = [rule for rule, _, _ in rules(feature) if rule == "dependency-cycle"]
    assert found == ["dependency-cycle"]


def test_later_phase_dependency_is_error(feature: Path) -> None:
    edit(feature / "tasks.md", "Create app/main.py", "Create app/main.py (depends on T004)")
    assert ("later-phase-dependency", "error", 5) in rules(feature)


def test_earlier_phase_dependency_allowed(feature: Path) -> None:
    edit(feature / "tasks.md", "Share link in app/share.py", "Share link in app/share.py (depends on T001)")
    found = [rule for rule, _, _ in rules(feature)]
    assert "later-phase-dependency" not in found


def test_spec_placeholders_are_error(feature: Path) -> None:
    edit(feature / "spec.md", "Browse albums", "[STORY_1_TITLE]")
    edit(feature / "spec.md", "Share an album", "[STORY_2_TITLE]")
    assert ("template-placeholder", "error", 5) in rules(feature)
    found = [rule for rule, _, _ in rules(feature) if rule == "template-placeholder"]
    assert found == ["template-placeholder"]


def test_plan_placeholders_are_error(feature: Path) -> None:
    edit(feature / "plan.md", "All principles pass.", "[GATE_RESULT] for [PRINCIPLE_NAME]")
    assert ("template-placeholder", "error", 5) in rules(feature)


def test_commented_placeholders_ignored(feature: Path) -> None:
    edit(feature / "spec.md", "Given albums", "<!-- [STORY_1_NARRATIVE] --> Given albums")
    found = [rule for rule, _, _ in rules(feature)]
    assert "template-placeholder" not in found


def test_long_dependency_chain_no_cycle(feature: Path) -> None:
    lines = ["# Tasks", "", "## Phase 1: Chain", ""]
    for number in range(1, 5001):
        after = f" (depends on T{number - 1:04d})" if number > 1 else ""
        lines.append(f"- [ ] T{number:04d} Step {number} in app/s{number}.py{after}")
    (feature / "tasks.md").write_text("\n".join(lines) + "\n")
    found = [rule for rule, _, _ in rules(feature)]
    assert "dependency-cycle" not in found
