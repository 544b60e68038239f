from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.skills import discover
from specify.errors import UsageError
from specify.skill_eval import load_queries, run_eval
from tests.stages.scripted import ScriptedProvider

QUERIES = [
    {"query": "Review my spec before I plan it", "should_trigger": True},
    {"query": "Is this specification ready for planning?", "should_trigger": True},
    {"query": "Rename a variable in main.py", "should_trigger": False},
]


def activation_for(name: str, keyword: str):  # type: ignore[no-untyped-def]
    """A scripted reply that activates ``name`` when the query mentions ``keyword``."""

    def reply(request) -> dict:  # type: ignore[no-untyped-def]
        query = request.messages[0].content.lower()
        return {"tool_calls": [("activate_skill", {"name": name})]} if keyword in query else {"text": "ok"}

    return reply


@pytest.fixture
def queries_file(tmp_path: Path) -> Path:
    path = tmp_path / "queries.json"
    path.write_text(json.dumps(QUERIES))
    return path


def test_precision_recall_counted(queries_file: Path) -> None:
    skills = discover(None, user_dirs=[])
    provider = ScriptedProvider([activation_for("spec-review", "spec") for _ in range(6)])
    report = run_eval(skills, "spec-review", load_queries(queries_file), provider, runs=2)
    assert report["recall"] == 1.0
    assert report["precision"] == 1.0
    assert report["passed"] == 3


def test_missed_trigger_lowers_recall(queries_file: Path) -> None:
    skills = discover(None, user_dirs=[])
    provider = ScriptedProvider([activation_for("spec-review", "review") for _ in range(3)])
    report = run_eval(skills, "spec-review", load_queries(queries_file), provider, runs=1)
    assert report["recall"] == 0.5
    assert report["queries"][1]["passed"] is False


def test_catalog_offered_to_model(queries_file: Path) -> None:
    skills = discover(None, user_dirs=[])
    provider = ScriptedProvider([{"text": "no"} for _ in range(3)])
    run_eval(skills, "spec-review", load_queries(queries_file), provider, runs=1)
    request = provider.requests[0]
    assert "spec-review" in request.system_text()
    assert [tool.name for tool in request.tools] == ["activate_skill"]


def test_unknown_skill_named(queries_file: Path) -> None:
    skills = discover(None, user_dirs=[])
    with pytest.raises(Exception, match="nope"):
        run_eval(skills, "nope", load_queries(queries_file), ScriptedProvider([]), runs=1)


def test_bad_query_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps([{"query": "x"}]))
    with pytest.raises(UsageError, match="should_trigger"):
        load_queries(path)
