from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from specify.resources import templates_dir
from specify.stages.models import STAGE_OUTPUTS, SpecOutput, TasksOutput
from specify.stages.render import number_tasks, render_tasks
from specify.stages.schema import compact_schema, output_schema, schema_files


def test_exported_schemas_match_models() -> None:
    folder = templates_dir() / "schemas"
    for path, text in schema_files(folder).items():
        assert path.read_text() == text, f"{path.name} is stale: run python -m specify.stages.schema"


def test_schemas_have_no_refs() -> None:
    for model in STAGE_OUTPUTS.values():
        assert "$ref" not in json.dumps(output_schema(model))


def test_compact_schema_only_tightens() -> None:
    schema = compact_schema(output_schema(SpecOutput), max_length=50, max_items=2)
    stories = schema["properties"]["user_stories"]
    assert stories["maxItems"] == 2
    assert stories["minItems"] == 1
    assert schema["properties"]["title"]["maxLength"] == 50


def test_task_ids_assigned_by_code() -> None:
    out = TasksOutput.model_validate({"phases": [
        {"name": "A", "tasks": [{"description": "one in a.py"}, {"description": "two in b.py", "depends_on": [1]}]},
        {"name": "B", "tasks": [{"description": "three", "depends_on": [3, 7], "parallel": True}]},
    ]})
    phases = number_tasks(out)
    assert [t.id for p in phases for t in p.tasks] == ["T001", "T002", "T003"]
    assert phases[0].tasks[1].depends_on == ("T001",)
    assert phases[1].tasks[0].depends_on == ()


def test_rendered_tasks_parse() -> None:
    from specify.tasks import parse_tasks

    out = TasksOutput.model_validate({"phases": [
        {"name": "Setup", "tasks": [{"description": "Create src/app.py"}]},
        {"name": "Story", "story": 1, "tasks": [{"description": "Add x to src/x.py", "parallel": True},
                                                  {"description": "Add y to src/y.py", "parallel": True}]},
    ]})
    doc = parse_tasks(render_tasks(out, title="App"))
    assert [t.id for t in doc.tasks] == ["T001", "T002", "T003"]
    assert doc.tasks[1].parallel
    assert doc.tasks[2].story == "US1"


def test_model_rejects_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        TasksOutput.model_validate({"phases": [], "ids": ["T001"]})
