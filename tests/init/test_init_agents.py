"""`specify init` writes each agent's stage commands where that agent reads them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml

from specify.fsutil import sha256_bytes

STAGES = [
    "constitution",
    "specify",
    "clarify",
    "plan",
    "checklist",
    "tasks",
    "analyze",
    "implement",
    "converge",
]

# key -> (extra init args, path pattern per stage, argument placeholder expected in the body)
EXPECTED = {
    "claude": ([], ".claude/skills/speckit-{s}/SKILL.md", "$ARGUMENTS"),
    "copilot": ([], ".github/skills/speckit-{s}/SKILL.md", "$ARGUMENTS"),
    "gemini": ([], ".gemini/commands/speckit.{s}.toml", "{{args}}"),
    "cursor": ([], ".cursor/skills/speckit-{s}/SKILL.md", "$ARGUMENTS"),
    "codex": ([], ".agents/skills/speckit-{s}/SKILL.md", "$ARGUMENTS"),
    "opencode": ([], ".opencode/commands/speckit.{s}.md", "$ARGUMENTS"),
    "windsurf": ([], ".windsurf/workflows/speckit.{s}.md", "$ARGUMENTS"),
    "qwen": ([], ".qwen/commands/speckit.{s}.md", "$ARGUMENTS"),
    "amp": ([], ".agents/commands/speckit.{s}.md", "$ARGUMENTS"),
    "kilocode": ([], ".kilo/commands/speckit.{s}.md", "$ARGUMENTS"),
    "kiro": ([], ".kiro/prompts/speckit.{s}.md", "text that follows this prompt"),
    "generic": (["--commands-dir", ".myagent/cmds"], ".myagent/cmds/speckit.{s}.md", "$ARGUMENTS"),
}


def front_matter(text: str) -> dict:  # type: ignore[type-arg]
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    return yaml.safe_load(head)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_agent_files_and_placeholders(specify, tmp_path: Path, key: str) -> None:
    extra, pattern, placeholder = EXPECTED[key]
    target = tmp_path / "p"
    run = specify("init", str(target), "--agent", key, "--no-git", *extra)
    assert run.exit_code == 0, run.stderr
    for stage in STAGES:
        text = (target / pattern.format(s=stage)).read_text(encoding="utf-8")
        assert placeholder in text, f"{stage}: placeholder"
        if pattern.endswith("SKILL.md"):
            meta = front_matter(text)
            assert meta["name"] == f"speckit-{stage}"
            assert meta["description"]
        elif pattern.endswith(".toml"):
            data = tomllib.loads(text)
            assert set(data) == {"description", "prompt"}
        else:
            assert front_matter(text)["description"]


@pytest.mark.parametrize(("alias", "key"), [("cursor-agent", "cursor"), ("agents", "codex"), ("kiro-cli", "kiro")])
def test_spec_kit_aliases_accepted(specify, tmp_path: Path, alias: str, key: str) -> None:
    run = specify("init", str(tmp_path / "p"), "--integration", alias, "--no-git", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["agents"][0]["key"] == key
    assert (tmp_path / "p" / f".specify/integrations/{key}.manifest.json").is_file()


def test_codex_invoked_with_dollar(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "codex", "--no-git")
    text = (tmp_path / ".agents/skills/speckit-specify/SKILL.md").read_text()
    assert "$speckit-plan" in text
    assert "/speckit" not in text


def test_copilot_commands_mode_files(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path), "--agent", "copilot", "--commands", "--no-git")
    assert run.exit_code == 0, run.stderr
    agent_file = (tmp_path / ".github/agents/speckit.plan.agent.md").read_text()
    prompt_file = (tmp_path / ".github/prompts/speckit.plan.prompt.md").read_text()
    assert front_matter(agent_file)["description"]
    assert "/speckit.tasks" in agent_file
    assert front_matter(prompt_file) == {"agent": "speckit.plan"}
    settings = json.loads((tmp_path / ".vscode/settings.json").read_text())
    assert settings["chat.promptFilesRecommendations"]["speckit.plan"] is True
    assert not (tmp_path / ".github/skills").exists()


def test_manifest_records_every_file(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    manifest = json.loads((tmp_path / ".specify/integrations/claude.manifest.json").read_text())
    assert set(manifest) == {"integration", "mode", "specify_version", "files"}
    assert manifest["integration"] == "claude"
    assert manifest["mode"] == "skills"
    assert len(manifest["files"]) == len(STAGES)
    for path, digest in manifest["files"].items():
        assert sha256_bytes((tmp_path / path).read_bytes()) == digest, path


def test_several_agents_in_one_run(specify, tmp_path: Path) -> None:
    run = specify(
        "init",
        str(tmp_path),
        "--agent",
        "claude",
        "--agent",
        "gemini",
        "--agent",
        "claude",
        "--no-git",
    )
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / ".claude/skills/speckit-plan/SKILL.md").is_file()
    assert (tmp_path / ".gemini/commands/speckit.plan.toml").is_file()


def test_commands_mode_applies_where_supported(specify, tmp_path: Path) -> None:
    run = specify(
        "init",
        str(tmp_path),
        "--agent",
        "claude",
        "--agent",
        "copilot",
        "--commands",
        "--no-git",
        "--json",
    )
    assert run.exit_code == 0, run.stderr
    modes = {agent["key"]: agent["mode"] for agent in run.json()["agents"]}
    assert modes == {"claude": "skills", "copilot": "commands"}
    assert "claude has no --commands mode" in run.stderr


def test_unsupported_mode_rejected(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path / "p"), "--agent", "claude", "--commands", "--no-git")
    assert run.exit_code == 2
    assert "--skills" in run.stderr
    assert not (tmp_path / "p").exists()


def test_unknown_agent_lists_choices(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path / "p"), "--agent", "vim", "--no-git")
    assert run.exit_code == 2
    assert "Unknown agent 'vim'" in run.stderr
    assert "kiro [kiro-cli]" in run.stderr


def test_generic_requires_commands_dir(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path / "p"), "--agent", "generic", "--no-git")
    assert run.exit_code == 2
    assert "--commands-dir" in run.stderr


@pytest.mark.parametrize("folder", ["../outside", "/tmp/elsewhere", "~/prompts"])
def test_commands_dir_stays_inside(specify, tmp_path: Path, folder: str) -> None:
    run = specify("init", str(tmp_path / "p"), "--agent", "generic", "--commands-dir", folder, "--no-git")
    assert run.exit_code == 2
    assert "inside the project" in run.stderr


@pytest.mark.parametrize("folder", [".", "./", ".git", ".git/hooks"])
def test_commands_dir_not_root_or_git(specify, tmp_path: Path, folder: str) -> None:
    run = specify("init", str(tmp_path / "p"), "--agent", "generic", "--commands-dir", folder, "--no-git")
    assert run.exit_code == 2
    assert "not a folder for command files" in run.stderr
    assert not (tmp_path / "p").exists()


def test_folder_and_here_conflict(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path / "p"), "--here", "--agent", "claude", cwd=tmp_path)
    assert run.exit_code == 2
    assert "--here" in run.stderr


def test_missing_folder_argument(specify, tmp_path: Path) -> None:
    run = specify("init", "--agent", "claude", cwd=tmp_path)
    assert run.exit_code == 2
    assert "--here" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_target_is_a_file(specify, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    run = specify("init", str(tmp_path / "notes.txt"), "--agent", "claude", "--no-git")
    assert run.exit_code == 2
    assert "is a file" in run.stderr


@pytest.mark.parametrize(("key", "profile"), [("claude", "claude-code"), ("copilot", "spec"), ("codex", "spec")])
def test_skills_pass_strict_validation(specify, tmp_path: Path, key: str, profile: str) -> None:
    from runtime.skills.validate import validate_paths

    specify("init", str(tmp_path), "--agent", key, "--no-git")
    folder = tmp_path / EXPECTED[key][1].split("/speckit-")[0]
    reports, warnings = validate_paths([folder], profile)
    assert len(reports) == len(STAGES)
    assert warnings == []
    for report in reports:
        assert report.diagnostics == [], report.to_dict()
