from __future__ import annotations

import re
from pathlib import Path

import pytest

from specify.artifacts.templates import (
    bundled_artifact_templates,
    fill_placeholders,
    find_placeholders,
    resolve_template,
)
from specify.errors import ArtifactError
from tests.features.conftest import make_project

EXPECTED = {
    "spec-template.md",
    "plan-template.md",
    "tasks-template.md",
    "checklist-template.md",
    "constitution-template.md",
    "agent-file-template.md",
}


def bundled_text(name: str) -> str:
    return resolve_template(None, name).read_text(encoding="utf-8")


def test_bundled_names_for_init() -> None:
    assert set(bundled_artifact_templates()) == EXPECTED


def test_override_beats_project_copy(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    copy = root / ".specify" / "templates" / "plan-template.md"
    override = root / ".specify" / "templates" / "overrides" / "plan-template.md"
    override.parent.mkdir(parents=True)
    copy.write_text("copy\n", encoding="utf-8")
    assert resolve_template(root, "plan-template.md") == copy
    override.write_text("override\n", encoding="utf-8")
    assert resolve_template(root, "plan-template.md") == override


def test_bundled_used_as_fallback(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    found = resolve_template(root, "spec-template.md")
    assert found.parent.name == "artifacts"


@pytest.mark.parametrize("name", ["missing-template.md", "../spec-template.md", ""])
def test_bad_template_name_rejected(tmp_path: Path, name: str) -> None:
    with pytest.raises(ArtifactError):
        resolve_template(tmp_path, name)


def test_spec_template_sections() -> None:
    text = bundled_text("spec-template.md")
    for heading in ("## User Scenarios & Testing", "## Requirements", "## Success Criteria"):
        assert heading in text
    assert re.search(r"^### User Story 1 - .+ \(Priority: P1\)$", text, re.M)
    assert "**FR-001**" in text
    assert "**SC-001**" in text
    assert "**Given**" in text


def test_plan_template_sections() -> None:
    text = bundled_text("plan-template.md")
    for heading in (
        "## Summary",
        "## Technical Context",
        "## Constitution Check",
        "## Project Structure",
        "## Complexity Tracking",
    ):
        assert heading in text


def test_tasks_template_parses() -> None:
    from specify.tasks import parse_tasks

    doc = parse_tasks(bundled_text("tasks-template.md"))
    ids = [task.id for task in doc.tasks]
    assert ids == [f"T{n:03d}" for n in range(1, len(ids) + 1)]
    assert any(task.parallel and task.story == "US1" for task in doc.tasks)
    assert any(task.depends_on == ("T007",) for task in doc.tasks)
    assert [phase.number for phase in doc.phases] == ["1", "2", "3", "4", "5"]


def test_constitution_placeholders_present() -> None:
    tokens = find_placeholders(bundled_text("constitution-template.md"))
    assert "[PROJECT_NAME]" in tokens
    assert "[PRINCIPLE_1_NAME]" in tokens
    assert "[CONSTITUTION_VERSION]" in tokens


def test_fill_handles_speckit_tokens() -> None:
    text = "# [FEATURE NAME] on [###-feature-name] ([DATE]): $ARGUMENTS [OTHER_TOKEN]"
    values = {
        "FEATURE_NAME": "Login",
        "BRANCH_NAME": "001-login",
        "CREATED_DATE": "2026-01-01",
        "USER_DESCRIPTION": "x",
    }
    assert fill_placeholders(text, values) == "# Login on 001-login (2026-01-01): x [OTHER_TOKEN]"


def test_fill_is_one_pass() -> None:
    filled = fill_placeholders("[FEATURE_NAME] / [BRANCH_NAME]", {"FEATURE_NAME": "[BRANCH_NAME]", "BRANCH_NAME": "b"})
    assert filled == "[BRANCH_NAME] / b"


def test_placeholders_ignore_code_and_tags() -> None:
    text = "- [ ] T001 [P] [US1] x\n```\n[IN_FENCE]\n```\n<!-- [IN_COMMENT] -->\n[NEEDS CLARIFICATION: y]\n"
    assert find_placeholders(text) == []
