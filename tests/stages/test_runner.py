from __future__ import annotations

import json
from pathlib import Path

import pytest

from specify.errors import SpecifyError
from specify.stages.runner import ClarifyPendingError, RunOptions, run_stage
from specify.tasks import load_tasks

SPEC = {
    "title": "Export notes",
    "short_name": "export-notes",
    "user_stories": [{
        "title": "Export all notes", "priority": "P1", "narrative": "A user exports every note to Markdown.",
        "why_priority": "It is the core value.", "independent_test": "Export two notes and read the file.",
        "acceptance": [{"given": "two notes", "when": "the user exports", "then": "the file lists both"}],
    }],
    "functional_requirements": ["The system MUST export every note."],
    "success_criteria": ["An export of 1,000 notes takes under one second."],
    "needs_clarification": ["Which file format besides Markdown?"],
}
PLAN = {
    "summary": "Add an export command.",
    "technical_context": {k: "Python 3.11" for k in (
        "language", "dependencies", "storage", "testing", "platform", "project_type",
        "performance_goals", "constraints", "scale")},
    "constitution_check": [{"principle": "Simplicity", "status": "PASS", "note": "One function."}],
    "project_structure": ["notes.py", "tests/test_export.py"],
    "research": [{"decision": "Use the standard library", "rationale": "No dependency", "alternatives": "Jinja2"}],
}
TASKS = {"phases": [
    {"name": "Setup", "tasks": [{"description": "Create tests/test_export.py"}]},
    {"name": "Export", "story": 1, "tasks": [
        {"description": "Add export to notes.py", "files": ["notes.py"]},
        {"description": "Test export in tests/test_export.py", "depends_on": [2]},
    ]},
]}


def structured(payload: dict) -> list[dict]:
    """Replies for a hosted backend: end the exploration turn, then give the output."""
    return [{"text": "I have what I need."}, {"parsed": payload}]


def options(stage: str, text: str = "", **kwargs) -> RunOptions:  # type: ignore[no-untyped-def]
    return RunOptions(stage=stage, text=text, backend="anthropic", **kwargs)


def test_specify_creates_feature(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted(structured(SPEC))
    result = run_stage(options("specify", "Export notes as Markdown"))
    spec = (Path(result.feature_dir) / "spec.md").read_text()
    assert result.status == "ok"
    assert Path(result.feature_dir).name == "001-export-notes"
    assert "- **FR-001**: The system MUST export every note." in spec
    assert "[NEEDS CLARIFICATION: Which file format besides Markdown?]" in spec


def test_plan_then_tasks_render(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted(structured(SPEC) + structured(PLAN) + structured(TASKS))
    run_stage(options("specify", "Export notes"))
    run_stage(options("plan"))
    result = run_stage(options("tasks"))
    doc = load_tasks(Path(result.feature_dir) / "tasks.md")
    assert [t.id for t in doc.tasks] == ["T001", "T002", "T003"]
    assert doc.tasks[2].depends_on == ("T002",)
    assert doc.tasks[1].story == "US1"
    assert (Path(result.feature_dir) / "research.md").is_file()


def test_invalid_output_retried_once(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    broken = dict(SPEC, user_stories=[])
    provider = scripted([{"text": "ok"}, {"parsed": broken}, {"parsed": SPEC}])
    result = run_stage(options("specify", "Export notes"))
    assert result.status == "ok"
    assert "user_stories" in provider.requests[-1].messages[-1].content


def test_invalid_output_twice_writes_nothing(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    broken = dict(SPEC, user_stories=[])
    scripted([{"text": "ok"}, {"parsed": broken}, {"parsed": broken}])
    with pytest.raises(SpecifyError, match="failed validation twice"):
        run_stage(options("specify", "Export notes"))
    assert not (project / "specs").exists() or not any((project / "specs").iterdir())
    runs = sorted((project / ".specify" / "runs").iterdir())
    assert (runs[-1] / "raw-reply.txt").is_file()
    assert json.loads((runs[-1] / "outcome.json").read_text())["status"] == "failed"


def test_plan_needs_spec(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    (project / "specs" / "001-x").mkdir(parents=True)
    scripted([])
    with pytest.raises(SpecifyError, match="run specify"):
        run_stage(options("plan", feature="001"))


def test_clarify_without_tty_writes_questions(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    questions = {"questions": [{
        "question": "Which file format besides Markdown?",
        "options": [{"label": "A", "answer": "HTML"}, {"label": "B", "answer": "None"}],
        "recommended": "B", "section": "Requirements"}]}
    scripted(structured(SPEC) + structured(questions))
    run_stage(options("specify", "Export notes"))
    with pytest.raises(ClarifyPendingError) as info:
        run_stage(options("clarify"))
    assert info.value.exit_code == 3
    pending = project / "specs" / "001-export-notes" / "clarify-questions.json"
    data = json.loads(pending.read_text())
    data["questions"][0]["answer"] = "B"
    pending.write_text(json.dumps(data))
    run_stage(options("clarify", answers=pending))
    spec = (project / "specs" / "001-export-notes" / "spec.md").read_text()
    assert "[NEEDS CLARIFICATION" not in spec
    assert "- Q: Which file format besides Markdown? → A: None" in spec


def test_backend_rule_reported(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    scripted(structured(SPEC))
    messages: list[str] = []
    run_stage(options("specify", "Export notes", notify=messages.append))
    assert "chosen by command-line flag" in messages[0]


def test_transcript_redacts_keys(project: Path, scripted, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    secret = "sk-ant-api03-" + "x" * 40
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    scripted([{"text": f"my key is {secret}"}, {"parsed": SPEC}])
    result = run_stage(options("specify", "Export notes"))
    run_dir = project / ".specify" / "runs" / result.run_id
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), path


def test_converge_appends_phase(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    folder = project / "specs" / "001-x"
    folder.mkdir(parents=True)
    (folder / "spec.md").write_text("# Feature Specification: X\n")
    (folder / "plan.md").write_text("# Plan\n")
    original = b"\xef\xbb\xbf# Tasks\r\n\r\n## Phase 1: Setup\r\n\r\n- [x] T001 Create a.py\r\n- [ ] T002 Create b.py\r\n"
    (folder / "tasks.md").write_bytes(original)
    gaps = {"gaps": [{"action": "Add the export test", "source": "FR-001", "kind": "missing"}]}
    scripted(structured(gaps))
    run_stage(options("converge", feature="001"))
    data = (folder / "tasks.md").read_bytes()
    assert data.startswith(original)
    assert data.endswith(b"## Phase 2: Convergence\r\n\r\n- [ ] T003 Add the export test per FR-001 (missing)\r\n")


def test_plan_rejects_template_spec(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    subprocess_run = __import__("subprocess").run
    subprocess_run([__import__("sys").executable, "-m", "specify", "feature", "new", "Export notes"],
                   check=True, capture_output=True, cwd=project)
    provider = scripted([])
    with pytest.raises(SpecifyError, match="still a template"):
        run_stage(options("plan"))
    assert provider.requests == []


def test_clarify_interactive_writes_each_answer(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    questions = {"questions": [
        {"question": "Which file format besides Markdown?",
         "options": [{"label": "A", "answer": "HTML"}, {"label": "B", "answer": "None"}],
         "recommended": "A", "section": "Requirements"},
        {"question": "Should exports include deleted notes?",
         "options": [{"label": "A", "answer": "Yes"}, {"label": "B", "answer": "No"}],
         "recommended": "B", "section": "Requirements"},
    ]}
    scripted(structured(SPEC) + structured(questions))
    run_stage(options("specify", "Export notes"))
    spec_path = project / "specs" / "001-export-notes" / "spec.md"
    seen: list[str] = []

    def ask(question: str, choices: list[str], default: str) -> str:
        seen.append(spec_path.read_text())
        return default

    result = run_stage(options("clarify", interactive=True, ask=ask))
    spec = spec_path.read_text()
    assert result.status == "ok"
    assert "Which file format besides Markdown? → A: HTML" in seen[1]
    assert "- Q: Should exports include deleted notes? → A: No" in spec
    assert "[NEEDS CLARIFICATION" not in spec


def test_analyze_merges_review_and_checks(project: Path, scripted) -> None:  # type: ignore[no-untyped-def]
    review = {"findings": [{"severity": "LOW", "category": "ambiguity", "location": "spec.md",
                            "summary": "Vague limit", "recommendation": "State a number"}]}
    scripted(structured(SPEC) + structured(PLAN) + structured(TASKS) + structured(review))
    run_stage(options("specify", "Export notes"))
    run_stage(options("plan"))
    run_stage(options("tasks"))
    result = run_stage(options("analyze"))
    assert result.status == "ok"
    assert result.files == []
    assert result.details["review"][0]["summary"] == "Vague limit"
    assert "findings" in result.details
