"""Strict validation: name and size rules, profiles, body checks, and every error per skill."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.skills.validate import validate_paths, validate_skill
from tests.skills.conftest import REPO_SKILLS, write_skill


def codes(report) -> list[str]:
    return sorted(d.code for d in report.errors)


@pytest.mark.parametrize("name", ["a", "pdf-tools", "x" * 64, "a1-b2-c3"])
def test_valid_names_pass(tmp_path, name):
    assert validate_skill(write_skill(tmp_path, name)).valid


@pytest.mark.parametrize("name", ["x" * 65, "Upper-Skill", "a--b", "-lead", "trail-", "my_skill", "café"])
def test_invalid_names_fail(tmp_path, name):
    report = validate_skill(write_skill(tmp_path, name))
    assert codes(report) == ["name-format"]


def test_name_length_in_message(tmp_path):
    report = validate_skill(write_skill(tmp_path, "x" * 65))
    assert "65 characters" in report.errors[0].message


def test_name_must_match_folder(tmp_path):
    report = validate_skill(write_skill(tmp_path, "folder", name="other"))
    assert codes(report) == ["name-folder"]


@pytest.mark.parametrize(("length", "valid"), [(1024, True), (1025, False)])
def test_description_length_limit(tmp_path, length, valid):
    assert validate_skill(write_skill(tmp_path, "d", description="x" * length)).valid is valid


@pytest.mark.parametrize(("length", "valid"), [(500, True), (501, False)])
def test_compatibility_length_limit(tmp_path, length, valid):
    folder = write_skill(tmp_path, "c", f"name: c\ndescription: ok\ncompatibility: {'x' * length}\n")
    assert validate_skill(folder).valid is valid


@pytest.mark.parametrize("frontmatter", ["name: e\n", "name: e\ndescription: '   '\n",
                                         "name: e\ndescription: [a, b]\n"])
def test_bad_description_fails(tmp_path, frontmatter):
    report = validate_skill(write_skill(tmp_path, "e", frontmatter))
    assert codes(report)[0].startswith("description-")


@pytest.mark.parametrize("value", ["123", "yes"])
def test_non_string_name_fails(tmp_path, value):
    report = validate_skill(write_skill(tmp_path, "n", f"name: {value}\ndescription: ok\n"))
    assert "name-type" in codes(report)


def test_all_errors_reported_together(tmp_path):
    frontmatter = f"name: Bad--Name\ndescription: {'y' * 1100}\nextra: 1\ncompatibility: {'z' * 600}\n"
    report = validate_skill(write_skill(tmp_path, "folder", frontmatter))
    assert codes(report) == ["compatibility-length", "description-length", "name-folder",
                             "name-format", "name-format", "unknown-key"]


def test_errors_carry_key_lines(tmp_path):
    report = validate_skill(write_skill(tmp_path, "l", "name: l\ndescription: ok\nextra: 1\n"))
    assert report.errors[0].line == 4


def test_claude_code_profile_accepts_keys(tmp_path):
    frontmatter = ("name: k\ndescription: ok\ndisable-model-invocation: true\n"
                   "allowed-tools: [Read, Grep]\nargument-hint: [issue]\n")
    folder = write_skill(tmp_path, "k", frontmatter)
    assert validate_skill(folder, "claude-code").valid
    assert codes(validate_skill(folder, "spec")) == ["allowed-tools-type", "unknown-key", "unknown-key"]


def test_claude_api_rejects_xml_and_reserved(tmp_path):
    folder = write_skill(tmp_path, "claude-helper", description="Wraps <tool> calls.")
    assert validate_skill(folder, "spec").valid
    assert codes(validate_skill(folder, "claude-api")) == ["reserved-word", "xml-tag"]


def test_unknown_profile_rejected(tmp_path):
    with pytest.raises(ValueError):
        validate_skill(write_skill(tmp_path, "p"), "other")


def test_long_body_warns(tmp_path):
    report = validate_skill(write_skill(tmp_path, "long", body="line\n" * 501))
    assert report.valid
    assert [d.code for d in report.warnings] == ["body-length"]


def test_missing_and_outside_links_warn(tmp_path):
    body = "See [ref](references/missing.md), [up](../../outside.md) and `scripts/run.py`.\n"
    folder = write_skill(tmp_path, "links", body=body)
    (folder / "scripts").mkdir()
    (folder / "scripts" / "run.py").write_text("print(1)\n")
    report = validate_skill(folder)
    assert sorted(d.code for d in report.warnings) == ["link-outside", "missing-file"]
    assert report.warnings[0].line == 6


def test_links_in_code_fences_ignored(tmp_path):
    folder = write_skill(tmp_path, "fence", body="```\n[x](missing.md)\n```\n")
    assert validate_skill(folder).warnings == []


def test_escaping_symlink_warns(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    folder = write_skill(tmp_path / "skills", "linked")
    (folder / "references").mkdir()
    os.symlink(outside, folder / "references" / "secret")
    report = validate_skill(folder)
    assert [d.code for d in report.warnings] == ["symlink-escape"]


def test_nested_skill_warns(tmp_path):
    outer = write_skill(tmp_path, "outer")
    write_skill(outer / "inner-group", "inner")
    assert [d.code for d in validate_skill(outer).warnings] == ["nested-skill"]


def test_missing_skill_md_fails(tmp_path):
    (tmp_path / "empty").mkdir()
    assert codes(validate_skill(tmp_path / "empty")) == ["missing-file"]


def test_lowercase_skill_md_named(tmp_path):
    folder = tmp_path / "lower"
    folder.mkdir()
    (folder / "skill.md").write_text("---\nname: lower\ndescription: ok\n---\n")
    assert "rename it to SKILL.md" in validate_skill(folder).errors[0].message


def test_folder_of_skills_expands(tmp_path):
    write_skill(tmp_path, "one")
    write_skill(tmp_path / "group", "two")
    reports, _ = validate_paths([tmp_path])
    assert [r.path.parent.name for r in reports] == ["two", "one"]  # group/two sorts first


def test_builtin_skills_pass_strict():
    reports, _ = validate_paths([REPO_SKILLS])
    assert len(reports) >= 4
    for report in reports:
        assert report.diagnostics == [], report.path


FIXTURE_VERDICTS = {
    # folder: (spec-profile error codes, claude-code-profile error codes)
    "bom-frontmatter": ([], []),
    "claude-code-keys": (["allowed-tools-type", "unknown-key", "unknown-key"], []),
    "colon-in-description": (["quoted-retry"], ["quoted-retry"]),
    "dashes-in-value": ([], []),
    "latin1-byte": (["encoding"], ["encoding"]),
    "long-description": (["description-length"], ["description-length"]),
    "name-mismatch-dir": (["name-folder"], ["name-folder"]),
    "unclosed-frontmatter": (["unclosed-frontmatter"], ["unclosed-frontmatter"]),
    "brand-guidelines": ([], []),
    "claude-api": (["description-length"], ["description-length"]),
    "internal-comms": ([], []),
    "mcp-builder": ([], []),
    "skill-creator": ([], []),
    "webapp-testing": ([], []),
    "energy-systems-recovery": (["unknown-key"], []),
    "sidequest": (["unknown-key", "unknown-key", "unknown-key"], []),
    "web-design-guidelines": ([], []),
    "list-codex-models": (["unknown-key"], []),
    "set-codex-model": (["unknown-key"], []),
}


@pytest.mark.parametrize("profile_index", [0, 1])
def test_fixture_strict_verdicts(fixtures: Path, profile_index):
    profile = ("spec", "claude-code")[profile_index]
    folders = sorted(p.parent for p in fixtures.rglob("SKILL.md"))
    assert sorted(f.name for f in folders) == sorted(FIXTURE_VERDICTS)
    for folder in folders:
        report = validate_skill(folder, profile)
        assert codes(report) == FIXTURE_VERDICTS[folder.name][profile_index], folder.name


def test_colon_error_has_line_and_column(fixtures: Path):
    error = validate_skill(fixtures / "colon-in-description").errors[0]
    assert (error.line, error.column) == (3, 45)
    assert "Quote the value" in error.message
    assert "invalid YAML. Quote the value" in error.message


def test_latin1_error_has_offset(fixtures: Path):
    assert "byte offset 36" in validate_skill(fixtures / "latin1-byte").errors[0].message


def test_bom_fixture_warns(fixtures: Path):
    assert [d.code for d in validate_skill(fixtures / "bom-frontmatter").warnings] == ["bom"]


def test_missing_path_named(tmp_path: Path):
    [error] = validate_skill(tmp_path / "nowhere").errors
    assert "does not exist" in error.message


def test_plain_file_not_skill(tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    [error] = validate_skill(notes).errors
    assert "is a file but not a SKILL.md" in error.message
