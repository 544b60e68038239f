from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from specify.features.status import count_clarifications
from tests.features.conftest import FIXTURES, Cli, copy_fixture, git, init_repo, make_project, run_specify

WRITTEN_SPEC = "# Feature Specification: Login\n\n## User Scenarios & Testing\n\n- **FR-001**: System MUST log in.\n"
TASKS = "## Phase 1: Setup\n\n- [{a}] T001 Create src/app.py\n- [{b}] T002 Add tests/test_app.py\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "proj")
    (root / ".specify" / "memory" / "constitution.md").write_text("# Constitution\n\n## Principles\n", encoding="utf-8")
    return root


def add_feature(root: Path, name: str = "001-login", **files: str) -> Path:
    folder = root / "specs" / name
    folder.mkdir(parents=True)
    for filename, text in files.items():
        (folder / filename.replace("_", "-").replace("-md", ".md")).write_text(text, encoding="utf-8")
    return folder


def next_stage(cli: Cli, root: Path) -> str:
    return cli.json(root, "check", "--feature", "001")["next_stage"]


def test_constitution_placeholders_come_first(project: Path, cli: Cli) -> None:
    (project / ".specify" / "memory" / "constitution.md").write_text(
        "# [PROJECT_NAME] Constitution\n", encoding="utf-8"
    )
    data = cli.json(project, "check")
    assert data["next_stage"] == "constitution"
    assert data["FEATURE_DIR"] is None


def test_no_feature_means_specify(project: Path, cli: Cli) -> None:
    assert cli.json(project, "check")["next_stage"] == "specify"


def test_template_spec_means_specify(project: Path, cli: Cli) -> None:
    cli.json(project, "feature", "new", "Login", "--no-branch")
    assert next_stage(cli, project) == "specify"


def test_clarification_marker_means_clarify(project: Path, cli: Cli) -> None:
    add_feature(project, spec_md=WRITTEN_SPEC + "- **FR-002**: [NEEDS CLARIFICATION: which provider?]\n")
    assert next_stage(cli, project) == "clarify"


def test_stages_follow_the_files(project: Path, cli: Cli) -> None:
    folder = add_feature(project, spec_md=WRITTEN_SPEC)
    assert next_stage(cli, project) == "plan"
    (folder / "plan.md").write_text("# Plan\n\n## Constitution Check\n", encoding="utf-8")
    assert next_stage(cli, project) == "tasks"
    (folder / "tasks.md").write_text(TASKS.format(a=" ", b=" "), encoding="utf-8")
    assert next_stage(cli, project) == "analyze"
    (folder / "tasks.md").write_text(TASKS.format(a="x", b=" "), encoding="utf-8")
    assert next_stage(cli, project) == "implement"
    (folder / "tasks.md").write_text(TASKS.format(a="x", b="X"), encoding="utf-8")
    assert next_stage(cli, project) == "done"


def test_available_docs_as_speckit(project: Path, cli: Cli) -> None:
    folder = add_feature(project, spec_md=WRITTEN_SPEC, research_md="r", tasks_md=TASKS.format(a=" ", b=" "))
    (folder / "contracts").mkdir()
    assert cli.json(project, "check", "--feature", "001")["AVAILABLE_DOCS"] == ["research.md"]
    (folder / "contracts" / "api.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")
    data = cli.json(project, "check", "--feature", "001", "--include-tasks")
    assert data["AVAILABLE_DOCS"] == ["research.md", "contracts/", "tasks.md"]


def test_require_tasks_names_missing_file(project: Path, cli: Cli) -> None:
    add_feature(project, spec_md=WRITTEN_SPEC, plan_md="# Plan\n")
    result = cli(project, "check", "--feature", "001", "--require-tasks", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "tasks.md is missing" in result.stderr
    assert "tasks stage" in result.stderr


def test_paths_only_keys(project: Path, cli: Cli) -> None:
    folder = add_feature(project)
    data = cli.json(project, "check", "--paths-only", "--feature", "001-login")
    assert data["REPO_ROOT"] == str(project)
    assert data["FEATURE_DIR"] == str(folder)
    assert data["FEATURE_SPEC"] == str(folder / "spec.md")
    assert data["IMPL_PLAN"] == str(folder / "plan.md")
    assert data["TASKS"] == str(folder / "tasks.md")
    assert data["BRANCH"] == "001-login"
    assert data["rule"] == "--feature"


def test_paths_only_needs_feature(project: Path, cli: Cli) -> None:
    result = cli(project, "check", "--paths-only")
    assert result.exit_code == 1
    assert "specify feature new" in result.stderr


def test_branch_rule_reported(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    add_feature(root, "002-search", spec_md=WRITTEN_SPEC)
    git(root, "checkout", "-q", "-b", "002-search")
    data = cli.json(root, "feature", "current")
    assert data["rule"] == "git branch"
    assert data["feature_dir"].endswith("002-search")


def test_env_rule_beats_feature_json(project: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    add_feature(project, "001-login")
    add_feature(project, "002-search")
    cli.json(project, "feature", "use", "001")
    monkeypatch.setenv("SPECIFY_FEATURE_DIRECTORY", "specs/002-search")
    data = cli.json(project, "feature", "current")
    assert data["rule"] == "SPECIFY_FEATURE_DIRECTORY"
    assert data["feature_dir"].endswith("002-search")


def test_use_writes_feature_json(project: Path, cli: Cli) -> None:
    add_feature(project, "003-export")
    data = cli.json(project, "feature", "use", "3")
    stored = json.loads((project / ".specify" / "feature.json").read_text(encoding="utf-8"))
    assert data["feature_dir"] == "specs/003-export"
    assert stored == {"feature_directory": "specs/003-export"}


def test_use_unknown_feature_fails(project: Path, cli: Cli) -> None:
    add_feature(project, "003-export")
    result = cli(project, "feature", "use", "009")
    assert result.exit_code == 1
    assert "003-export" in result.stderr
    assert not (project / ".specify" / "feature.json").exists()


def test_list_reports_progress(project: Path, cli: Cli) -> None:
    add_feature(project, "001-login", spec_md=WRITTEN_SPEC, plan_md="# Plan\n", tasks_md=TASKS.format(a="x", b=" "))
    add_feature(project, "002-search")
    cli.json(project, "feature", "use", "002")
    rows = cli.json(project, "feature", "list")["features"]
    assert [row["number"] for row in rows] == ["001", "002"]
    assert rows[0]["tasks"] == {"total": 2, "done": 1, "open": 1, "unknown_markers": 0}
    assert rows[0]["next_stage"] == "implement"
    assert rows[1]["active"] is True
    assert rows[1]["artifacts"]["spec.md"] is False


def test_guidance_markers_not_counted() -> None:
    spec = FIXTURES / "speckit" / "1264459640__ModularGodot.Core" / "specs" / "001-mnt-d-godotprojects" / "spec.md"
    assert count_clarifications(spec.read_text(encoding="utf-8")) == 0


def test_markers_in_code_not_counted() -> None:
    text = (
        "```\n[NEEDS CLARIFICATION: in a fence]\n```\n"
        "<!-- [NEEDS CLARIFICATION: hidden] -->\n"
        "`[NEEDS CLARIFICATION: code]`\n"
    )
    assert count_clarifications(text) == 0


def speckit_features() -> list[tuple[str, str]]:
    found = []
    for project in sorted(p for p in (FIXTURES / "speckit").iterdir() if p.is_dir()):
        for base in ("specs", ".specify/specs"):
            for folder in sorted((project / base).glob("*")) if (project / base).is_dir() else []:
                found.append((project.name, folder.name))
    return found


@pytest.mark.parametrize(("project_name", "feature"), speckit_features())
def test_real_speckit_projects_read(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, project_name: str, feature: str
) -> None:
    root = copy_fixture(f"speckit/{project_name}", tmp_path / project_name)
    monkeypatch.setenv("SPECIFY_INIT_DIR", str(root))
    data = cli.json(root, "check", "--feature", feature, "--include-tasks")
    assert data["FEATURE_DIR"].endswith(feature)
    assert data["problems"] == []
    assert data["tasks"]["total"] > 0
    if data["artifacts"]["spec.md"]:
        assert data["next_stage"] in ("clarify", "plan", "analyze", "implement", "done")
    else:
        assert data["next_stage"] == "specify"


def test_legacy_layout_found_without_env(tmp_path: Path) -> None:
    root = copy_fixture("speckit/LahkLeKey__Banana", tmp_path / "banana")
    result = run_specify(root, "check", "--feature", "024", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert data["FEATURE_DIR"].endswith("024-electron-customer-verdict-surface")
    assert data["tasks"]["done"] == data["tasks"]["total"]


def test_undecodable_spec_reported(project: Path, cli: Cli) -> None:
    folder = add_feature(project)
    (folder / "spec.md").write_bytes(b"# Spec\n\xff\xfe\xfa broken\n")
    data = cli.json(project, "check", "--feature", "001")
    assert data["problems"]
    assert "not valid UTF-8" in data["problems"][0]


def test_undecodable_tasks_reported_once(project: Path, cli: Cli) -> None:
    folder = add_feature(project, spec_md=WRITTEN_SPEC)
    (folder / "tasks.md").write_bytes(b"- [ ] T001 caf\xe9 in a.py\n")
    data = cli.json(project, "check", "--feature", "001")
    assert len(data["problems"]) == 1
    assert data["problems"][0].startswith("tasks.md: ")


@pytest.mark.parametrize(
    "args",
    [
        ("feature", "new", "Anything"),
        ("feature", "list"),
        ("feature", "current"),
        ("feature", "use", "001"),
        ("check",),
    ],
)
def test_commands_need_a_project(tmp_path: Path, cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(tmp_path, *args)
    assert result.exit_code == 1
    assert str(tmp_path.resolve()) in result.stderr
    assert "specify init" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_list_without_tasks_package(project: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    add_feature(project, "001-login", spec_md=WRITTEN_SPEC, plan_md="# Plan\n", tasks_md=TASKS.format(a="x", b=" "))
    monkeypatch.setitem(sys.modules, "specify.tasks", None)
    rows = cli.json(project, "feature", "list")["features"]
    assert rows[0]["tasks"] is None
    assert rows[0]["next_stage"] == "implement"


def test_list_columns_line_up(project: Path, cli: Cli) -> None:
    add_feature(project, "001-login")
    add_feature(project, "002-" + "long-name-" * 4 + "end")
    result = cli(project, "feature", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len({line.index("next:") for line in lines}) == 1
