"""The `specify skill` commands and `specify trust`, through CliRunner and the console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.cli.main import app
from tests.skills.conftest import write_skill

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "project"
    (root / ".specify" / "memory").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


def test_new_then_validate_fails(project):
    result = invoke("skill", "new", "my-skill", "--with", "references")
    assert result.exit_code == 0, result.output
    folder = project / ".specify" / "skills" / "my-skill"
    assert (folder / "references" / "REFERENCE.md").is_file()
    check = invoke("skill", "validate", str(folder))
    assert check.exit_code == 1
    assert "placeholder" in check.output


def test_new_invalid_name_exit_code(project):
    result = invoke("skill", "new", "Bad_Name")
    assert result.exit_code == 1
    assert "invalid skill name 'Bad_Name'" in result.output


def test_validate_json_many_skills(fixtures):
    result = invoke("skill", "validate", str(fixtures), "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert len(data["skills"]) == 17  # the two under real/.../.claude/ sit in a dot folder
    assert data["errors"] == sum(len(s["errors"]) for s in data["skills"])


def test_validate_profile_changes_verdict(fixtures):
    folder = str(fixtures / "claude-code-keys")
    assert invoke("skill", "validate", folder).exit_code == 1
    assert invoke("skill", "validate", folder, "--profile", "claude-code").exit_code == 0


def test_validate_unknown_profile(fixtures):
    assert invoke("skill", "validate", str(fixtures), "--profile", "x").exit_code == 2


def test_list_shows_withheld_and_trust(project):
    write_skill(project / ".agents" / "skills", "local")
    before = invoke("skill", "list", "--json")
    rows = {row["name"]: row for row in json.loads(before.stdout)["skills"]}
    assert rows["local"]["status"] == "untrusted"
    assert "withheld" in before.stderr
    assert invoke("trust").exit_code == 0
    after = json.loads(invoke("skill", "list", "--json").stdout)
    assert {row["name"]: row["status"] for row in after["skills"]}["local"] == "loaded"


def test_trust_flag_loads_once(project):
    write_skill(project / ".claude" / "skills", "local")
    result = invoke("skill", "show", "local", "--trust-project-skills")
    assert result.exit_code == 0, result.output
    assert invoke("skill", "show", "local").exit_code == 1


def test_list_shows_shadowing(project):
    write_skill(project / ".specify" / "skills", "writing-skills", description="project copy")
    invoke("trust")
    rows = json.loads(invoke("skill", "list", "--json").stdout)["skills"]
    builtin = [r for r in rows if r["name"] == "writing-skills" and r["scope"] == "builtin"][0]
    assert builtin["status"] == "shadowed"
    assert builtin["shadowed_by"].endswith(".specify/skills/writing-skills/SKILL.md")


def test_list_shows_diagnostics(fixtures, project):
    result = invoke("skill", "list", "--skills-dir", str(fixtures))
    assert "latin1-byte" in result.output
    assert "invalid UTF-8 byte 0xe9 at byte offset 36" in result.output


def test_config_dirs_are_searched(project, tmp_path):
    write_skill(tmp_path / "mine", "from-config")
    user_config = Path(os.environ["SPECIFY_HOME"]) / "config.toml"
    user_config.parent.mkdir(parents=True, exist_ok=True)
    user_config.write_text(f'[skills]\ndirs = ["{tmp_path / "mine"}"]\n')
    rows = json.loads(invoke("skill", "list", "--json").stdout)["skills"]
    assert {"from-config": "extra"}.items() <= {r["name"]: r["scope"] for r in rows}.items()


def test_catalog_prints_exact_text(project):
    result = invoke("skill", "catalog")
    assert result.stdout.startswith("The skills below")
    assert "<name>training-compass</name>" in result.stdout


def test_catalog_budget_warning(project):
    result = invoke("skill", "catalog", "--budget", "300")
    assert "descriptions cut to" in result.stderr


def test_show_prints_activated_content(project):
    result = invoke("skill", "show", "spec-review", "--json")
    data = json.loads(result.stdout)
    assert data["scope"] == "builtin"
    assert data["content"].startswith('<skill_content name="spec-review"')


def test_show_unknown_skill(project):
    result = invoke("skill", "show", "nope")
    assert result.exit_code == 1
    assert "no skill named 'nope'" in result.stderr


def test_package_and_install_commands(project, tmp_path):
    folder = write_skill(tmp_path / "src", "shipit")
    (folder / ".env").write_text("TOKEN=1")
    archive = tmp_path / "shipit.skill"
    packed = invoke("skill", "package", str(folder), "-o", str(archive))
    assert packed.exit_code == 0, packed.output
    assert "excluded .env" in packed.stderr
    installed = invoke("skill", "install", str(archive), "--project", "--json")
    assert json.loads(installed.stdout)["installed"] == str(project / ".specify" / "skills" / "shipit")


def test_install_defaults_to_user(project, tmp_path):
    folder = write_skill(tmp_path / "src", "mine")
    result = invoke("skill", "install", str(folder))
    assert result.exit_code == 0, result.output
    assert (Path(os.environ["SPECIFY_HOME"]) / "skills" / "mine" / "SKILL.md").is_file()


def test_skill_trust_same_as_trust(project):
    assert invoke("skill", "trust").exit_code == 0
    listed = json.loads(invoke("trust", "--list", "--json").stdout)
    assert listed["projects"] == [str(project.resolve())]
    assert invoke("trust", "--revoke").exit_code == 0
    assert json.loads(invoke("trust", "--list", "--json").stdout)["projects"] == []


def console_script() -> str:
    found = shutil.which("specify", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the specify console script is not installed in this environment")
    return found


def test_console_validate_exit_codes(fixtures):
    script = console_script()
    good = subprocess.run([script, "skill", "validate", str(fixtures / "dashes-in-value")],
                          capture_output=True, text=True, check=False)
    bad = subprocess.run([script, "skill", "validate", "--json", str(fixtures / "latin1-byte")],
                         capture_output=True, text=True, check=False)
    assert good.returncode == 0
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["skills"][0]["errors"][0]["code"] == "encoding"
    assert "Traceback" not in bad.stderr


def test_console_trust_and_list(project):
    script = console_script()
    write_skill(project / ".agents" / "skills", "local")
    subprocess.run([script, "trust"], check=True, capture_output=True)
    listed = subprocess.run([script, "skill", "list", "--json"], capture_output=True, text=True, check=True)
    assert {"local": "loaded"}.items() <= {r["name"]: r["status"] for r in json.loads(listed.stdout)["skills"]}.items()


def test_show_untrusted_names_trust(project):
    write_skill(project / ".agents" / "skills", "local")
    result = invoke("skill", "show", "local")
    assert result.exit_code == 1
    assert "not trusted. Run `specify trust`" in result.stderr


def test_project_install_needs_project(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    folder = write_skill(tmp_path / "src", "mine")
    result = invoke("skill", "install", str(folder), "--project")
    assert result.exit_code == 1
    assert "needs a specify project" in result.stderr
    assert not (outside / ".specify").exists()
