"""constitution -> specify -> plan -> tasks -> implement on a real llama.cpp model built by the test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("torch")

from tests.helpers.tiny_gguf import tiny_model  # noqa: E402,F401  (session fixture)

STRUCTURAL_RULES = {
    "spec-section", "duplicate-requirement-id", "duplicate-task-id", "task-format", "task-id",
    "too-many-clarifications", "plan-constitution-check", "unclosed-fence", "unknown-marker",
}


def specify(root: Path, *args: str, check: bool = True) -> dict:
    completed = subprocess.run([sys.executable, "-m", "specify", *args, "--json"], cwd=root,
                               capture_output=True, text=True, timeout=600)
    if check:
        assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout) if completed.stdout.strip() else {}


@pytest.fixture(scope="module")
def pipeline(tiny_model, tmp_path_factory):  # type: ignore[no-untyped-def]  # noqa: F811
    root = tmp_path_factory.mktemp("e2e") / "repo"
    outside = root.parent / "outside.txt"
    outside.write_text("untouched")
    subprocess.run([sys.executable, "-m", "specify", "init", str(root), "--agent", "claude", "--non-interactive"],
                   check=True, capture_output=True)
    model = ["--backend", "llamacpp", "--model", str(tiny_model.gguf)]
    results = {
        "constitution": specify(root, "run", "constitution", "A small tested CLI", *model),
        "specify": specify(root, "run", "specify", "Export notes as Markdown", *model),
        "plan": specify(root, "run", "plan", *model),
        "tasks": specify(root, "run", "tasks", *model),
        "implement": specify(root, "run", "implement", "--max-turns", "2", *model, check=False),
    }
    return root, results, outside


def test_stages_report_ok(pipeline) -> None:  # type: ignore[no-untyped-def]
    _, results, _ = pipeline
    for stage in ("constitution", "specify", "plan", "tasks"):
        assert results[stage]["status"] == "ok", stage


def test_artifacts_parse_as_tasks(pipeline) -> None:  # type: ignore[no-untyped-def]
    root, results, _ = pipeline
    listed = specify(root, "tasks", "list")
    assert listed["tasks"]
    assert listed["tasks"][0]["id"] == "T001"


def test_analyze_finds_no_structural_fault(pipeline) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = pipeline
    report = specify(root, "analyze", check=False)
    rules = {finding["rule"] for finding in report["findings"]}
    assert not rules & STRUCTURAL_RULES


def test_spec_content_comes_from_model(pipeline) -> None:  # type: ignore[no-untyped-def]
    root, results, _ = pipeline
    run_dir = root / ".specify" / "runs" / results["specify"]["run_id"]
    events = [json.loads(line) for line in (run_dir / "transcript.jsonl").read_text().splitlines()]
    parsed = next(e["parsed"] for e in events if e["event"] == "response" and e.get("parsed"))
    spec = (Path(results["specify"]["feature_dir"]) / "spec.md").read_text()
    assert parsed["functional_requirements"][0].strip() in spec
    assert parsed["user_stories"][0]["title"].strip() in spec


def test_usage_recorded_per_stage(pipeline) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = pipeline
    summary = specify(root, "runs", "list")
    stages = set(summary["by_stage"])
    assert {"constitution", "specify", "plan", "tasks", "implement"} <= stages
    assert summary["by_stage"]["specify"]["tokens"] > 0


def test_implement_writes_stay_inside(pipeline) -> None:  # type: ignore[no-untyped-def]
    root, results, outside = pipeline
    assert outside.read_text() == "untouched"
    for path in results["implement"].get("files", []):
        assert (root / path).resolve().is_relative_to(root.resolve())


def test_skill_eval_on_local_model(tiny_model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps([{"query": "Review my spec", "should_trigger": True},
                                   {"query": "Rename a variable", "should_trigger": False}]))
    report = specify(tmp_path, "skill", "eval", "spec-review", "--queries", str(queries), "--backend", "llamacpp",
                     "--model", str(tiny_model.gguf), "--runs", "1")
    assert report["total"] == 2
    assert all(len(row["activated"]) == 1 for row in report["queries"])
