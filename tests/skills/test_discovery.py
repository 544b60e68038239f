"""Discovery: scopes, precedence, trust, walking rules, caps, symlinks and the cache."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from runtime.skills import SkillCache, discover
from runtime.skills.discovery import walk_skill_files
from runtime.skills.trust import is_trusted, revoke_project, trust_file, trust_project
from tests.skills.conftest import find, write_skill


def statuses(skills) -> dict[str, str]:
    return {f"{e.scope}:{e.location.parent.name}": e.status for e in skills.entries}


def test_lenient_fixture_outcomes(fixtures: Path):
    skills = find(extra=[fixtures, fixtures / "real" / "Yumeno__add_codexcli" / ".claude" / "skills"])
    loaded = sorted(skills.skills)
    assert loaded == sorted([
        "bom-frontmatter", "claude-code-keys", "colon-in-description", "csv-tools", "dashes-in-value",
        "long-description", "brand-guidelines", "claude-api", "internal-comms", "mcp-builder",
        "skill-creator", "webapp-testing", "energy-systems-recovery", "sidequest",
        "web-design-guidelines", "list-codex-models", "set-codex-model"])
    errors = {e.location.parent.name: [d.code for d in e.diagnostics] for e in skills.entries
              if e.status == "error"}
    assert errors == {"latin1-byte": ["encoding"], "unclosed-frontmatter": ["unclosed-frontmatter"]}


def test_fixture_warnings_name_file_and_line(fixtures: Path):
    skills = find(extra=[fixtures])
    by_name = {e.location.parent.name: e for e in skills.entries}
    colon = by_name["colon-in-description"].diagnostics[0]
    assert (colon.code, colon.line, colon.severity) == ("quoted-retry", 3, "warning")
    assert colon.file.endswith("colon-in-description/SKILL.md")
    assert [d.code for d in by_name["name-mismatch-dir"].diagnostics] == ["name-folder"]
    assert [d.code for d in by_name["long-description"].diagnostics] == ["description-length"]
    assert by_name["latin1-byte"].diagnostics[0].line == 3


def test_fixture_values_survive(fixtures: Path):
    skills = find(extra=[fixtures])
    assert skills.get("dashes-in-value").description.startswith("Converts before---after markers")
    assert skills.get("colon-in-description").description.endswith("changelog or release summary")
    assert skills.get("claude-code-keys").model_invocable is False


def test_bad_skill_hides_nothing(tmp_path):
    write_skill(tmp_path, "a-good")
    (tmp_path / "b-bad").mkdir()
    (tmp_path / "b-bad" / "SKILL.md").write_bytes(b"\xff\xfe\x00garbage")
    write_skill(tmp_path, "c-good")
    write_skill(tmp_path, "d-nodesc", "name: d-nodesc\n")
    skills = find(extra=[tmp_path])
    assert sorted(skills.skills) == ["a-good", "c-good"]
    assert [d.code for d in skills.diagnostics] == ["encoding", "description-missing"]


def test_project_beats_user_beats_builtin(tmp_path):
    project, user, builtin = tmp_path / "p", tmp_path / "u", tmp_path / "b"
    write_skill(project / ".agents" / "skills", "deploy", description="project one")
    write_skill(user, "deploy", description="user one")
    write_skill(builtin, "deploy", description="builtin one")
    skills = find(project, user=[user], builtin=builtin, trust=True)
    assert skills.get("deploy").description == "project one"
    assert statuses(skills) == {"project:deploy": "loaded", "user:deploy": "shadowed",
                                "builtin:deploy": "shadowed"}


def test_shadow_warning_names_both_paths(tmp_path):
    write_skill(tmp_path / "p" / ".specify" / "skills", "deploy")
    write_skill(tmp_path / "p" / ".claude" / "skills", "deploy")
    skills = find(tmp_path / "p", trust=True)
    assert len(skills.warnings) == 1
    assert str(tmp_path / "p" / ".claude" / "skills" / "deploy" / "SKILL.md") in skills.warnings[0]
    assert str(tmp_path / "p" / ".specify" / "skills" / "deploy" / "SKILL.md") in skills.warnings[0]


def test_collision_is_deterministic(tmp_path):
    for group in ("zeta", "alpha", "mid"):
        write_skill(tmp_path / group, "same", description=f"from {group}")
    runs = {find(extra=[tmp_path]).get("same").description for _ in range(3)}
    assert runs == {"from alpha"}


def test_case_insensitive_collision(tmp_path):
    write_skill(tmp_path, "a", name="Deploy")
    write_skill(tmp_path, "b", name="deploy")
    assert list(find(extra=[tmp_path]).skills) == ["Deploy"]


def test_untrusted_project_withheld(tmp_path):
    write_skill(tmp_path / ".agents" / "skills", "local")
    write_skill(tmp_path / "user", "mine")
    skills = find(tmp_path, user=[tmp_path / "user"])
    assert list(skills.skills) == ["mine"]
    assert statuses(skills)["project:local"] == "untrusted"
    assert "1 project skill(s) withheld" in skills.notices[0]


def test_withheld_skill_shadows_nothing(tmp_path):
    write_skill(tmp_path / ".agents" / "skills", "deploy", description="project")
    write_skill(tmp_path / "user", "deploy", description="user")
    assert find(tmp_path, user=[tmp_path / "user"]).get("deploy").description == "user"


def test_trust_record_loads_project(tmp_path):
    write_skill(tmp_path / ".claude" / "skills", "local")
    assert trust_project(tmp_path) is True
    assert trust_project(tmp_path) is False
    assert list(find(tmp_path).skills) == ["local"]
    assert json.loads(trust_file().read_text())["projects"].keys() == {str(tmp_path.resolve())}


def test_trust_revoke_and_mode(tmp_path):
    trust_project(tmp_path)
    assert trust_file().stat().st_mode & 0o777 == 0o600
    assert revoke_project(tmp_path) is True
    assert is_trusted(tmp_path) is False


def test_trust_covers_only_that_folder(tmp_path):
    trust_project(tmp_path)
    assert is_trusted(tmp_path / "sub") is False


def test_skipped_folders(tmp_path):
    for hidden in (".git", "node_modules", ".hidden", "__pycache__"):
        write_skill(tmp_path / hidden, "inside")
    write_skill(tmp_path, "visible")
    assert list(find(extra=[tmp_path]).skills) == ["visible"]


def test_grouping_folders_are_searched(tmp_path):
    write_skill(tmp_path / "cat" / "sub", "deep")
    assert list(find(extra=[tmp_path]).skills) == ["deep"]


def test_nested_skill_not_loaded(tmp_path):
    outer = write_skill(tmp_path, "outer")
    write_skill(outer / "parts", "inner")
    assert list(find(extra=[tmp_path]).skills) == ["outer"]


def test_depth_and_count_caps(tmp_path):
    # 2,500 folders, one in 25 a skill, some 8 levels deep.
    for index in range(2500):
        folder = tmp_path / f"g{index // 100:02d}" / f"d{index:04d}"
        if index % 25 == 0:
            write_skill(folder.parent, folder.name)
        else:
            folder.mkdir(parents=True)
    write_skill(tmp_path / "a0" / "b" / "c" / "d" / "e" / "f" / "g", "too-deep")
    walk = walk_skill_files(tmp_path)
    assert len(walk.found) < 100
    assert "stopped after 2000 folders" in walk.warnings[0]
    assert "too-deep" not in {Path(f.location).parent.name for f in walk.found}


def test_depth_cap_warns(tmp_path):
    write_skill(tmp_path / "1" / "2" / "3" / "4" / "5" / "6" / "7", "deep")
    write_skill(tmp_path / "1", "shallow")
    walk = walk_skill_files(tmp_path)
    assert [Path(f.location).parent.name for f in walk.found] == ["shallow"]
    assert "below depth 6" in walk.warnings[0]


def test_symlinked_skill_deduplicated(tmp_path):
    real = write_skill(tmp_path / "store", "shared")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    os.symlink(real, tmp_path / "a" / "shared")
    os.symlink(real, tmp_path / "b" / "shared")
    skills = find(extra=[tmp_path / "a", tmp_path / "b"])
    assert list(skills.skills) == ["shared"]
    assert len(skills.entries) == 1
    assert skills.warnings == []


def test_symlink_loop_terminates(tmp_path):
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path, tmp_path / "loop" / "back")
    write_skill(tmp_path, "ok")
    assert list(find(extra=[tmp_path]).skills) == ["ok"]


def test_managed_stage_skills_skipped(tmp_path):
    write_skill(tmp_path / ".claude" / "skills", "speckit-plan")
    write_skill(tmp_path / ".claude" / "skills", "mine")
    manifest = {"integration": "claude", "mode": "skills",
                "files": {".claude/skills/speckit-plan/SKILL.md": "0" * 64}}
    (tmp_path / ".specify" / "integrations").mkdir(parents=True)
    (tmp_path / ".specify" / "integrations" / "claude.manifest.json").write_text(json.dumps(manifest))
    skills = find(tmp_path, trust=True)
    assert list(skills.skills) == ["mine"]
    assert statuses(skills)["project:speckit-plan"] == "managed"


def test_lowercase_skill_md_warns(tmp_path):
    (tmp_path / "low").mkdir()
    (tmp_path / "low" / "skill.md").write_text("---\nname: low\ndescription: x\n---\n")
    skills = find(extra=[tmp_path])
    assert skills.skills == {}
    assert "rename it to SKILL.md" in skills.warnings[0]


def test_cache_reuses_and_invalidates(tmp_path):
    folder = write_skill(tmp_path, "cached", description="first")
    settle(tmp_path)
    cache = SkillCache()
    first = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    second = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    assert second.get("cached") is first.get("cached")
    (folder / "SKILL.md").write_text("---\nname: cached\ndescription: second one\n---\n")
    third = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    assert third.get("cached").description == "second one"


def test_builtin_scope_found():
    skills = discover(None, user_dirs=[], cache=SkillCache())
    assert {"writing-skills", "spec-review", "training-compass", "task-breakdown"} <= set(skills.skills)
    assert {s.scope for s in skills.skills.values()} == {"builtin"}


def test_user_dirs_default_to_home(tmp_path):
    from specify.settings import user_home

    write_skill(user_home() / "skills", "from-specify-home")
    write_skill(Path.home() / ".agents" / "skills", "from-agents")
    skills = discover(None, builtin_dir=None, cache=SkillCache())
    assert sorted(skills.skills) == ["from-agents", "from-specify-home"]


def test_cache_sees_new_and_removed_skills(tmp_path):
    write_skill(tmp_path / "group", "first")
    cache = SkillCache()
    before = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    write_skill(tmp_path / "group", "second")
    after = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    assert sorted(after.skills) == ["first", "second"]
    (tmp_path / "group" / "first" / "SKILL.md").unlink()
    last = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    assert sorted(last.skills) == ["second"]
    assert list(before.skills) == ["first"]


def settle(root: Path) -> None:
    """Move every mtime under ``root`` an hour back, out of the racy window."""
    old = time.time() - 3600
    for path in [root, *root.rglob("*")]:
        os.utime(path, (old, old))


def test_warm_result_is_reused(tmp_path):
    write_skill(tmp_path, "same")
    settle(tmp_path)
    cache = SkillCache()
    first = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    second = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    assert second.result is first.result


def test_recent_files_not_reused(tmp_path):
    write_skill(tmp_path, "fresh")
    cache = SkillCache()
    first = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    second = discover(None, extra_dirs=[tmp_path], user_dirs=[], builtin_dir=None, cache=cache)
    assert second.get("fresh") is not first.get("fresh")


def test_trust_rejects_missing_folder(tmp_path):
    from specify.errors import ConfigError

    with pytest.raises(ConfigError, match="not a folder"):
        trust_project(tmp_path / "missing")
