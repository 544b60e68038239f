"""`specify integration list | add | remove | status | upgrade` after init."""

from __future__ import annotations

import json
from pathlib import Path

from specify.fsutil import sha256_bytes

PLAN_SKILL = ".claude/skills/speckit-plan/SKILL.md"
TASKS_SKILL = ".claude/skills/speckit-tasks/SKILL.md"


def states(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {entry["path"]: entry.get("state") or entry["status"] for entry in report["files"]}


def init_claude(cli_json, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli_json("init", "--here", "--agent", "claude", "--no-git")


def test_list_marks_installed(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    rows = {row["key"]: row for row in cli_json("integration", "list")["integrations"]}
    assert rows["claude"]["installed"] is True
    assert rows["gemini"]["installed"] is False
    assert rows["copilot"]["modes"] == ["skills", "commands"]
    assert rows["kiro"]["aliases"] == ["kiro-cli"]


def test_list_outside_project(cli_json) -> None:  # type: ignore[no-untyped-def]
    rows = cli_json("integration", "list")["integrations"]
    assert len(rows) == 12
    assert not any(row["installed"] for row in rows)


def test_add_writes_agent_files(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    report = cli_json("integration", "add", "gemini")
    assert states(report)[".gemini/commands/speckit.plan.toml"] == "created"
    assert (tmp_path / ".specify/integrations/gemini.manifest.json").is_file()


def test_add_outside_project_fails(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("integration", "add", "gemini")
    assert code == 1
    assert "specify init" in err
    assert not (tmp_path / ".gemini").exists()


def test_remove_keeps_edited_files(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    (tmp_path / TASKS_SKILL).write_text("my tasks prompt\n")
    report = cli_json("integration", "remove", "claude")
    assert states(report)[TASKS_SKILL] == "kept"
    assert states(report)[PLAN_SKILL] == "removed"
    assert (tmp_path / TASKS_SKILL).read_text() == "my tasks prompt\n"
    assert not (tmp_path / ".claude/skills/speckit-plan").exists()
    assert not (tmp_path / ".specify/integrations/claude.manifest.json").exists()


def test_remove_prunes_empty_folders(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    (tmp_path / ".claude/settings.json").write_text("{}\n")
    cli_json("integration", "remove", "claude")
    assert not (tmp_path / ".claude/skills").exists()
    assert (tmp_path / ".claude/settings.json").is_file()


def test_remove_dry_run_deletes_nothing(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    report = cli_json("integration", "remove", "claude", "--dry-run")
    assert set(states(report).values()) == {"removed"}
    assert (tmp_path / PLAN_SKILL).is_file()
    assert (tmp_path / ".specify/integrations/claude.manifest.json").is_file()


def test_remove_unknown_integration(cli, cli_json, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    init_claude(cli_json, tmp_path)
    code, _, err = cli("integration", "remove", "gemini")
    assert code == 2
    assert "installed: claude" in err


def test_status_reports_file_states(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    (tmp_path / PLAN_SKILL).write_text("edited\n")
    (tmp_path / TASKS_SKILL).unlink()
    [row] = cli_json("integration", "status")["integrations"]
    assert row["key"] == "claude"
    assert row["modified"] == [PLAN_SKILL]
    assert row["missing"] == [TASKS_SKILL]
    assert row["upgradable"] == []


def make_outdated(root: Path, path: str) -> None:
    (root / path).write_text("older rendering\n")
    manifest_file = root / ".specify/integrations/claude.manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["files"][path] = sha256_bytes(b"older rendering\n")
    manifest["specify_version"] = "0.0.1"
    manifest_file.write_text(json.dumps(manifest))


def test_upgrade_replaces_only_unchanged(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    make_outdated(tmp_path, PLAN_SKILL)
    (tmp_path / TASKS_SKILL).write_text("my tasks prompt\n")
    [row] = cli_json("integration", "status")["integrations"]
    assert row["upgradable"] == [PLAN_SKILL]
    report = cli_json("integration", "upgrade")
    [plan] = report["integrations"]
    assert states(plan)[PLAN_SKILL] == "updated"
    assert states(plan)[TASKS_SKILL] == "kept"
    assert "older rendering" not in (tmp_path / PLAN_SKILL).read_text()
    assert (tmp_path / TASKS_SKILL).read_text() == "my tasks prompt\n"
    manifest = json.loads((tmp_path / ".specify/integrations/claude.manifest.json").read_text())
    assert manifest["specify_version"] != "0.0.1"


def test_status_skips_files_upgrade_keeps(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    make_outdated(tmp_path, PLAN_SKILL)
    (tmp_path / PLAN_SKILL).write_text("edited after the old version\n")
    manifest_file = tmp_path / ".specify/integrations/claude.manifest.json"
    manifest = json.loads(manifest_file.read_text())
    del manifest["files"][TASKS_SKILL]
    manifest_file.write_text(json.dumps(manifest))
    (tmp_path / TASKS_SKILL).write_text("my own tasks prompt\n")
    [row] = cli_json("integration", "status")["integrations"]
    assert row["upgradable"] == []
    report = cli_json("integration", "upgrade")
    assert states(report["integrations"][0])[PLAN_SKILL] == "kept"
    assert states(report["integrations"][0])[TASKS_SKILL] == "kept"


def test_upgrade_keeps_generic_folder(cli_json, tmp_path: Path) -> None:
    cli_json("init", "--here", "--agent", "generic", "--commands-dir", "prompts", "--no-git")
    report = cli_json("integration", "upgrade", "generic")
    assert set(states(report["integrations"][0]).values()) == {"unchanged"}


def test_mode_switch_keeps_old_records(cli_json, tmp_path: Path) -> None:
    cli_json("init", "--here", "--agent", "copilot", "--no-git")
    cli_json("integration", "add", "copilot", "--commands")
    manifest = json.loads((tmp_path / ".specify/integrations/copilot.manifest.json").read_text())
    assert manifest["mode"] == "commands"
    assert ".github/skills/speckit-plan/SKILL.md" in manifest["files"]
    assert ".github/agents/speckit.plan.agent.md" in manifest["files"]


def test_add_keeps_hand_written_command(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    own = tmp_path / ".gemini/commands/speckit.plan.toml"
    own.parent.mkdir(parents=True)
    own.write_text('description = "my plan"\nprompt = "plan it"\n')
    report = cli_json("integration", "add", "gemini")
    assert states(report)[".gemini/commands/speckit.plan.toml"] == "kept"
    assert own.read_text() == 'description = "my plan"\nprompt = "plan it"\n'


def test_upgrade_all_includes_templates(cli_json, tmp_path: Path) -> None:
    init_claude(cli_json, tmp_path)
    template = ".specify/templates/spec-template.md"
    (tmp_path / template).write_text("older skeleton\n")
    shared_file = tmp_path / ".specify/manifest.json"
    shared = json.loads(shared_file.read_text())
    shared["files"][template] = sha256_bytes(b"older skeleton\n")
    shared_file.write_text(json.dumps(shared))
    only_claude = cli_json("integration", "upgrade", "claude")
    assert only_claude["shared"] == []
    report = cli_json("integration", "upgrade")
    assert states({"files": report["shared"]})[template] == "updated"
    assert (tmp_path / template).read_text() != "older skeleton\n"


def test_remove_copilot_names_settings(cli_json, tmp_path: Path) -> None:
    cli_json("init", "--here", "--agent", "copilot", "--commands", "--no-git")
    report = cli_json("integration", "remove", "copilot")
    assert report["merged_left"] == [".vscode/settings.json"]
    assert (tmp_path / ".vscode/settings.json").is_file()
    assert not (tmp_path / ".github").exists()
