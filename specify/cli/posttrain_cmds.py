"""`specify model data synth`, `midtrain`, `sft`, `dpo`, `grpo`, `eval-chat` and `report`.

Post-training commands, registered on the ``specify model`` group. Each parses its
options, calls one function of ``localmodel.posttrain.service`` and prints.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from specify.cli.output import JSON_OPTION, emit

BASE_OPTION = typer.Option(..., "--base", help="Run or Hugging Face folder to start from.")
OUT_OPTION = typer.Option(..., "--out", help="Run folder (resumed if it has a checkpoint).")
DATA_OPTION = typer.Option(None, "--data", help="Training chat JSONL file (repeatable).")
HELDOUT_OPTION = typer.Option(None, "--heldout", help="Held-out chat JSONL file (repeatable).")
STAGE_RECIPE_OPTION = typer.Option(None, "--recipe",
                                   help="Recipe TOML (default: recipes/posttrain-STAGE.toml).")
MAX_STEPS_OPTION = typer.Option(None, "--max-steps", help="Override the recipe's step count.")
DEVICE_OPTION = typer.Option(None, "--device", help="cpu or cuda (default: cuda if present).")


def _verbose() -> None:
    logging.getLogger("localmodel").setLevel(logging.INFO)


def synth(
    out: Path = typer.Option(..., "--out", help="New folder for train, held-out and traces JSONL."),
    family: list[str] = typer.Option(None, "--family",
                                     help="Task family (repeatable; default: all): arithmetic, "
                                          "word_problem, json, code, tool_call, spec."),
    count: int = typer.Option(200, "--count", help="Tasks per family; each gives two records."),
    difficulty: list[int] = typer.Option(None, "--difficulty",
                                         help="Difficulty level 1-3 (repeatable; default: all)."),
    heldout_fraction: float = typer.Option(0.1, "--heldout-fraction",
                                           help="Share of tasks held out for evaluation."),
    seed: int = typer.Option(0, "--seed", help="Seed of every generator."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate checkable chat tasks in think and no-think form."""
    from localmodel.posttrain.service import data_synth

    result = data_synth(out, family or [], count, difficulty or [], heldout_fraction, seed)

    def human() -> None:
        for split in ("train", "heldout"):
            total = sum(result[split].values())
            typer.echo(f"{split}: {total} records ({', '.join(f'{k} {v}' for k, v in result[split].items())})")
        typer.echo(f"written to {result['out']}")

    emit(result, as_json, human)


def midtrain(
    base: Path = BASE_OPTION,
    out: Path = OUT_OPTION,
    traces: Path = typer.Option(None, "--traces", help="traces.jsonl of specify model data synth."),
    recipe: Path = typer.Option(None, "--recipe",
                                help="Pretraining recipe TOML (default: posttrain-midtrain.toml)."),
    max_steps: int = MAX_STEPS_OPTION,
    device: str = DEVICE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Continue pretraining a base run on reasoning traces (torchrun: see docs)."""
    from localmodel.posttrain.service import midtrain as run

    _verbose()
    result = run(base, out, recipe, traces, max_steps, device)
    emit(result, as_json, lambda: typer.echo(
        f"{result['run']}: {result['steps']} steps, held-out {result.get('val_bpb', float('nan')):.4f} bits/byte"))


def _stage(stage: str, base: Path, out: Path, recipe: Path | None, data: list[Path] | None,
           heldout: list[Path] | None, max_steps: int | None, device: str | None,
           no_eval: bool, no_export: bool, as_json: bool) -> None:
    from localmodel.posttrain.service import posttrain

    _verbose()
    result = posttrain(stage, base, out, recipe, data or [], heldout or [], max_steps, device,
                       not no_eval, not no_export)

    def human() -> None:
        typer.echo(f"{result['run']}: {stage} {result['steps']} steps")
        for key, value in result.get("eval", {}).items():
            if isinstance(value, float):
                typer.echo(f"  {key:<32} {value:.4f}")

    emit(result, as_json, human)


def sft(base: Path = BASE_OPTION, out: Path = OUT_OPTION, recipe: Path = STAGE_RECIPE_OPTION,
        data: list[Path] = DATA_OPTION, heldout: list[Path] = HELDOUT_OPTION,
        max_steps: int = MAX_STEPS_OPTION, device: str = DEVICE_OPTION,
        no_eval: bool = typer.Option(False, "--no-eval", help="Skip the held-out evaluation."),
        no_export: bool = typer.Option(False, "--no-export", help="Skip the GGUF export."),
        as_json: bool = JSON_OPTION) -> None:
    """Supervised fine-tuning with the chat template, loss on assistant tokens only."""
    _stage("sft", base, out, recipe, data, heldout, max_steps, device, no_eval, no_export, as_json)


def dpo(base: Path = BASE_OPTION, out: Path = OUT_OPTION, recipe: Path = STAGE_RECIPE_OPTION,
        data: list[Path] = DATA_OPTION, heldout: list[Path] = HELDOUT_OPTION,
        max_steps: int = MAX_STEPS_OPTION, device: str = DEVICE_OPTION,
        no_eval: bool = typer.Option(False, "--no-eval", help="Skip the held-out evaluation."),
        no_export: bool = typer.Option(False, "--no-export", help="Skip the GGUF export."),
        as_json: bool = JSON_OPTION) -> None:
    """Preference optimisation (DPO or APO-zero) on correct versus corrupted replies."""
    _stage("dpo", base, out, recipe, data, heldout, max_steps, device, no_eval, no_export, as_json)


def grpo(base: Path = BASE_OPTION, out: Path = OUT_OPTION, recipe: Path = STAGE_RECIPE_OPTION,
         data: list[Path] = DATA_OPTION, heldout: list[Path] = HELDOUT_OPTION,
         max_steps: int = MAX_STEPS_OPTION, device: str = DEVICE_OPTION,
         no_eval: bool = typer.Option(False, "--no-eval", help="Skip the held-out evaluation."),
         no_export: bool = typer.Option(False, "--no-export", help="Skip the GGUF export."),
         as_json: bool = JSON_OPTION) -> None:
    """Reinforcement learning with verifier rewards (GRPO)."""
    _stage("grpo", base, out, recipe, data, heldout, max_steps, device, no_eval, no_export, as_json)


def eval_chat(
    model: Path = typer.Argument(..., help="Run or Hugging Face folder to evaluate."),
    heldout: list[Path] = typer.Option(..., "--heldout", help="Held-out chat JSONL (repeatable)."),
    out: Path = typer.Option(None, "--out", help="Folder for eval.json (default: the model folder)."),
    items: int = typer.Option(32, "--items", help="Records per task family and mode."),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens", help="Reply length limit in tokens."),
    family: list[str] = typer.Option(None, "--family", help="Only this family (repeatable)."),
    humaneval: int = typer.Option(0, "--humaneval", help="HumanEval problems to run (0 skips)."),
    gguf: Path = typer.Option(None, "--gguf",
                              help="GGUF of the same model: adds llama.cpp JSON validity with "
                                   "and without a grammar."),
    samples: int = typer.Option(4, "--samples",
                                help="Completions per item sampled at temperature 1 (0 skips)."),
    seed: int = typer.Option(1234, "--seed", help="Seed of the preference pairs and sampling."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Evaluate a chat model on held-out tasks: template, accuracy, JSON, tools, lengths."""
    from localmodel.posttrain.service import eval_chat as run

    result = run(model, heldout, out, items, max_new_tokens, family or [], humaneval, gguf, seed,
              samples)

    def human() -> None:
        for key, value in result.items():
            if isinstance(value, float):
                typer.echo(f"{key:<32} {value:.4f}")
        typer.echo(f"written to {result['written']}")

    emit(result, as_json, human)


def report(
    stage: list[str] = typer.Option(..., "--stage",
                                    help="NAME=PATH of a run folder or eval.json, in stage order "
                                         "(repeatable)."),
    out: Path = typer.Option(..., "--out", help="Folder for report.md and its plots."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare evaluations across stages in a Markdown report with plots."""
    from localmodel.posttrain.service import report as run

    result = run(stage, out)
    emit(result, as_json, lambda: typer.echo(f"report written to {result['report']}"))


def register(app: typer.Typer) -> None:
    from specify.cli.model_cmds import data_app, model_app

    data_app.command("synth")(synth)
    model_app.command("midtrain")(midtrain)
    model_app.command("sft")(sft)
    model_app.command("dpo")(dpo)
    model_app.command("grpo")(grpo)
    model_app.command("eval-chat")(eval_chat)
    model_app.command("report")(report)
