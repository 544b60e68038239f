"""`specify model` commands through Typer's CliRunner and the installed console script."""

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
from tests.localmodel.pipeline_fixtures import Pipeline, pipeline  # noqa: F401

SPECIFY = shutil.which("specify") or str(Path(sys.executable).parent / "specify")
runner = CliRunner()


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, ["model", *args, "--json"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plan_reproduces_smollm3_mfu() -> None:
    data = _json(["plan", "--params", "3.08B", "--tokens", "11.2T", "--gpus", "384",
                  "--gpu-hours", "276480"])
    assert round(data["plan"]["implied_mfu_6nd"], 3) == 0.21


def test_plan_time_from_preset() -> None:
    data = _json(["plan", "--preset", "smollm3-3b", "--tokens", "11.2T", "--gpus", "384",
                  "--mfu", "0.3"])
    assert data["plan"]["flops"] > data["plan"]["flops_6nd"]
    assert 20 < data["plan"]["days"] < 30


def test_plan_without_inputs_fails() -> None:
    result = runner.invoke(app, ["model", "plan"])
    assert result.exit_code == 2
    assert "Nothing to plan" in result.output


def test_tokenizer_then_data_build(tmp_path: Path, pipeline: Pipeline) -> None:  # noqa: F811
    code, prose = pipeline.corpus / "code", pipeline.corpus / "prose"
    sources = ["--source", f"code={code}@python", "--source", f"prose={prose}@en"]
    tok = _json(["tokenizer", "train", "--out", str(tmp_path / "tok"), "--vocab-size", "400",
                 *sources])
    assert set(tok["report"]["by_lang"]) == {"python", "en"}
    data = _json(["data", "build", "--tokenizer", tok["tokenizer"], "--out",
                  str(tmp_path / "data"), "--seq-len", "32", *sources])
    assert data["sources"]["code"]["sequences"] > 0
    assert data["dedup"]["duplicates"] == 1


def test_bad_source_is_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["model", "tokenizer", "train", "--out", str(tmp_path),
                                 "--source", "nopath"])
    assert result.exit_code == 2
    assert "NAME=PATH" in result.output


@pytest.fixture
def recipe_toml(tmp_path: Path, pipeline: Pipeline) -> Path:  # noqa: F811
    from localmodel.train.run import recipe_to_dict

    path = tmp_path / "recipe.toml"
    path.write_text(_to_toml(json.loads(json.dumps(recipe_to_dict(pipeline.recipe)))))
    return path


def test_train_then_eval(tmp_path: Path, pipeline: Pipeline,  # noqa: F811
                         recipe_toml: Path) -> None:
    out = tmp_path / "run"
    trained = _json(["train", "--recipe", str(recipe_toml), "--out", str(out), "--max-steps", "3",
                     "--tokenizer", str(pipeline.tokenizer), "--data", str(pipeline.data)])
    assert trained["steps"] == 3
    evaluated = _json(["eval", str(out), "--windows", "2", "--items", "4"])
    assert evaluated["val_bpb"] > 0
    assert 0 <= evaluated["acc_continuation"] <= 1
    assert 0 <= evaluated["acc_word-order"] <= 1


def test_preflight_reports_checks(tmp_path: Path, pipeline: Pipeline,  # noqa: F811
                                  recipe_toml: Path) -> None:
    result = runner.invoke(app, ["model", "train", "--recipe", str(recipe_toml), "--out",
                                 str(tmp_path / "run"), "--preflight", "--window", "4",
                                 "--tokenizer", str(pipeline.tokenizer), "--data",
                                 str(pipeline.data), "--json"])
    data = json.loads(result.stdout)
    names = [c["name"] for c in data["checks"]]
    assert names == ["data loads and is shuffled", "throughput is stable",
                     "checkpoint saves and resumes", "evaluation runs"]
    checks = {c["name"]: c["ok"] for c in data["checks"]}
    assert checks["checkpoint saves and resumes"]
    assert checks["data loads and is shuffled"]
    assert checks["evaluation runs"]


def test_console_script_plan() -> None:
    env = dict(os.environ, COLUMNS="100")
    done = subprocess.run([SPECIFY, "model", "plan", "--budget", "1.3e17"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "compute-optimal" in done.stdout


def test_help_does_not_import_torch() -> None:
    code = ("import sys; from typer.testing import CliRunner; from specify.cli.main import app; "
            "CliRunner().invoke(app, ['model', '--help']); print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"


def _to_toml(raw: dict) -> str:
    """Write the recipe dictionary as TOML (tables, arrays of tables and inline tables)."""
    lines = [f"name = {json.dumps(raw['name'])}", f"seed = {raw['seed']}"]
    for section in ("model", "data", "train"):
        lines.append(f"[{section}]")
        for key, value in raw[section].items():
            if key != "sources":
                lines.append(f"{key} = {_toml_value(value)}")
    for source in raw["data"].get("sources", []):
        lines.append("[[data.sources]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in source.items()]
    for stage in raw.get("stages", []):
        lines.append("[[stages]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in stage.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        items = (f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(items) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)
