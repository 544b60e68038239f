from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from specify.settings import set_setting
from specify.stages.runner import RunOptions, run_stage
from specify.tasks import load_tasks

TASKS_MD = """# Tasks: Greeting

## Phase 1: Setup

- [ ] T001 Create hello.py that prints hello
- [ ] T002 Create bye.py that prints bye (depends on T001)
"""


@pytest.fixture
def feature(project: Path) -> Path:
    folder = project / "specs" / "001-greeting"
    folder.mkdir(parents=True)
    (folder / "spec.md").write_text("# Feature Specification: Greeting\n")
    (folder / "plan.md").write_text("# Implementation Plan: Greeting\n\nWrite two scripts.\n")
    (folder / "tasks.md").write_text(TASKS_MD)
    (project / ".specify" / "feature.json").write_text(json.dumps({"feature_directory": "specs/001-greeting"}))
    return folder


def implement(**kwargs) -> object:  # type: ignore[no-untyped-def]
    return run_stage(RunOptions(stage="implement", backend="anthropic", **kwargs))


def write(path: str, content: str) -> dict:
    return {"tool_calls": [("write_file", {"path": path, "content": content})]}


def test_tasks_ticked_after_check(project: Path, feature: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    set_setting("implement.test_command", "python hello.py", root=project, user=False)
    scripted([write("hello.py", "print('hello')\n"), {"text": "Wrote hello.py"},
              write("bye.py", "print('bye')\n"), {"text": "Wrote bye.py"}])
    result = implement()
    doc = load_tasks(feature / "tasks.md")
    assert result.status == "ok"
    assert [t.done for t in doc.tasks] == [True, True]
    assert (project / "hello.py").read_text() == "print('hello')\n"


def test_failed_check_leaves_task_open(project: Path, feature: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    set_setting("implement.test_command", "python hello.py", root=project, user=False)
    scripted([write("hello.py", "raise SystemExit(2)\n"), {"text": "done"}])
    result = implement()
    assert result.status == "failed"
    assert not load_tasks(feature / "tasks.md").tasks[0].done


def test_write_outside_repo_rejected(project: Path, feature: Path, tmp_path: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside.txt"
    provider = scripted([
        {"tool_calls": [("write_file", {"path": "../outside.txt", "content": "x"}),
                        ("write_file", {"path": str(outside), "content": "x"})]},
        {"text": "gave up"},
    ])
    implement(task="T001")
    assert not outside.exists()
    results = [m for m in provider.requests[-1].messages if m.role == "tool"]
    assert all(m.is_error for m in results)
    assert "outside the repository" in results[0].content


def test_symlink_escape_rejected(project: Path, feature: Path, tmp_path: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.symlink(target, project / "link")
    scripted([write("link/evil.txt", "x"), {"text": "done"}])
    implement(task="T001")
    assert not (target / "evil.txt").exists()


def test_denied_command_not_run_with_yes(project: Path, feature: Path, tmp_path: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "marker"
    provider = scripted([
        {"tool_calls": [("run_command", {"command": f"sudo touch {marker}"})]},
        {"text": "done"},
    ])
    implement(task="T001", yes=True)
    assert not marker.exists()
    assert "rejected by policy" in provider.requests[-1].messages[-1].content


def test_ask_command_denied_without_tty(project: Path, feature: Path, tmp_path: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "marker"
    scripted([{"tool_calls": [("run_command", {"command": f"touch {marker}"})]}, {"text": "done"}])
    implement(task="T001")
    assert not marker.exists()


def test_ask_command_runs_with_yes(project: Path, feature: Path, tmp_path: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "marker"
    scripted([{"tool_calls": [("run_command", {"command": f"touch {marker}"})]}, {"text": "done"}])
    implement(task="T001", yes=True)
    assert marker.exists()


def test_turn_budget_stops_loop(project: Path, feature: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    looping = [{"tool_calls": [("list_dir", {"path": "."})]} for _ in range(10)]
    scripted(looping)
    result = implement(max_turns=3)
    assert result.status == "budget"
    assert result.details["turns"] == 3
    assert not any(t.done for t in load_tasks(feature / "tasks.md").tasks[1:])


def test_token_budget_stops_loop(project: Path, feature: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted([{"tool_calls": [("list_dir", {"path": "."})]} for _ in range(10)])
    result = implement(max_tokens=250)
    assert result.status == "budget"
    assert "Token budget" in result.message


def test_claim_released_after_run(project: Path, feature: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    from specify.tasks import read_claims

    scripted([write("hello.py", "print(1)\n"), {"text": "ok"}])
    implement(task="T001")
    assert read_claims(project) == {}


def test_resume_skips_done_tasks(project: Path, feature: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted([write("hello.py", "print(1)\n"), {"text": "ok"}])
    implement(task="T001")
    provider = scripted([write("bye.py", "print(2)\n"), {"text": "ok"}])
    result = implement(resume="")
    assert result.details["done"] == ["T001", "T002"]
    assert "T002" in provider.requests[0].messages[0].content


def test_no_change_leaves_task_open(project: Path, feature: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted([{"text": "Nothing to do."}])
    result = implement(task="T001")
    assert result.status == "failed"
    assert "changed no file" in result.message
    assert not load_tasks(feature / "tasks.md").tasks[0].done
