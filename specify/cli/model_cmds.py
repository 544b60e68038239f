"""`specify model`: tokenizer, data, train, eval, ablate, plan, export, serve and chat.

One function per command. Each parses its options, calls one function of
``localmodel.service`` (which imports torch and friends only when it runs) and prints.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from specify.cli.output import JSON_OPTION, emit

model_app = typer.Typer(help="Train, evaluate, export and serve a small local model.",
                        no_args_is_help=True)
tokenizer_app = typer.Typer(help="Train a tokenizer or report its compression.",
                            no_args_is_help=True)
data_app = typer.Typer(help="Build tokenised training data from local files.",
                       no_args_is_help=True)
model_app.add_typer(tokenizer_app, name="tokenizer")
model_app.add_typer(data_app, name="data")

SOURCE_OPTION = typer.Option(
    None, "--source",
    help="Corpus source NAME=PATH[@LANG]: a folder, .jsonl or .parquet file (repeatable; "
         "default: the Python standard library and the bundled templates and skills).")
RECIPE_OPTION = typer.Option(None, "--recipe", help="Recipe TOML file.")
PRESET_OPTION = typer.Option(None, "--preset",
                             help="Preset name: cpu-tiny, gpu-45m, smollm2-135m, smollm3-3b.")


def _verbose_training_logs() -> None:
    logging.getLogger("localmodel").setLevel(logging.INFO)


# --- tokenizer -------------------------------------------------------------------------


@tokenizer_app.command("train")
def tokenizer_train(
    out: Path = typer.Option(..., "--out", help="Folder for tokenizer.json."),
    source: list[str] = SOURCE_OPTION,
    vocab_size: int = typer.Option(2048, "--vocab-size",
                                   help="Vocabulary size, special tokens included."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Train a byte-level BPE tokenizer and print its compression report."""
    from localmodel.service import tokenizer_train as run

    result = run(out, source or [], vocab_size)
    emit(result, as_json, lambda: _print_tokenizer(result))


@tokenizer_app.command("report")
def tokenizer_report(
    tokenizer: Path = typer.Argument(..., help="tokenizer.json to measure."),
    source: list[str] = SOURCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Print bytes per token, fertility and continued-word share per source and language."""
    from localmodel.service import tokenizer_report_for

    result = tokenizer_report_for(tokenizer, source or [])
    emit(result, as_json, lambda: _print_tokenizer(result))


def _print_tokenizer(result: dict) -> None:
    from localmodel.tokenizer.report import format_report

    measured = result.get("measured_on")
    typer.echo(f"tokenizer: {result['tokenizer']}"
               + (f" (measured on {measured} documents)" if measured else ""))
    typer.echo(format_report(result["report"]))


# --- data ------------------------------------------------------------------------------


@data_app.command("build")
def data_build(
    tokenizer: Path = typer.Option(..., "--tokenizer", help="tokenizer.json to encode with."),
    out: Path = typer.Option(..., "--out", help="New folder for the shards and index.json."),
    source: list[str] = SOURCE_OPTION,
    seq_len: int = typer.Option(256, "--seq-len", help="Tokens per training sequence."),
    val_fraction: float = typer.Option(0.02, "--val-fraction",
                                       help="Share of documents held out for evaluation."),
    seed: int = typer.Option(1234, "--seed", help="Seed of the one-time sequence shuffle."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Deduplicate, tokenise, shuffle and shard a local corpus."""
    from localmodel.service import data_build as run

    result = run(tokenizer, out, source or [], seq_len, val_fraction, seed)

    def human() -> None:
        for name, src in result["sources"].items():
            typer.echo(f"{name}: {src['tokens']:,} tokens, {src['sequences']:,} sequences")
        typer.echo(f"held out: {result['val']['tokens']:,} tokens; "
                   f"{result['dedup']['duplicates']} duplicate documents dropped")

    emit(result, as_json, human)


# --- train -----------------------------------------------------------------------------


@model_app.command("train")
def train(
    out: Path = typer.Option(..., "--out", help="Run folder (resumed if it has a checkpoint)."),
    recipe: Path = RECIPE_OPTION,
    preset: str = PRESET_OPTION,
    max_steps: int = typer.Option(None, "--max-steps",
                                  help="Replace the recipe's step count (warmup: at most a tenth)."),
    tokenizer: Path = typer.Option(None, "--tokenizer", help="Use this tokenizer.json."),
    data: Path = typer.Option(None, "--data", help="Use this built data folder."),
    device: str = typer.Option(None, "--device", help="cpu or cuda (default: cuda if present)."),
    preflight: bool = typer.Option(False, "--preflight",
                                   help="Only check data, resume, eval and throughput."),
    window: int = typer.Option(10, "--window", help="Pre-flight: steps to time and resume over."),
    threads: int = typer.Option(None, "--threads",
                                help="torch CPU threads (default: torch's, one per core)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Pretrain a model (for several processes: torchrun -m localmodel.train.pretrain)."""
    from localmodel.service import model_train

    _verbose_training_logs()
    result = model_train(out, recipe, preset, max_steps, tokenizer, data, device, preflight,
                         window, threads)

    def human() -> None:
        if "checks" in result:
            for check in result["checks"]:
                status = "ok  " if check["ok"] else "FAIL"
                typer.echo(f"{status} {check['name']}: {check['detail']}")
            return
        typer.echo(f"{result['run']}: {result['steps']} steps, loss {result['loss']:.4f}, "
                   f"held-out {result.get('val_bpb', float('nan')):.4f} bits/byte")

    emit(result, as_json, human)
    if result.get("ok") is False:
        raise typer.Exit(1)


# --- eval ------------------------------------------------------------------------------


@model_app.command("eval")
def evaluate(
    run_dir: Path = typer.Argument(..., help="Run folder written by specify model train."),
    windows: int = typer.Option(64, "--windows", help="Held-out sequences to score."),
    items: int = typer.Option(50, "--items", help="Items per multiple-choice task (and per chat task family and mode)."),
    heldout: list[Path] = typer.Option(
        None, "--heldout",
        help="Held-out chat JSONL (repeatable): adds the post-training metrics of `specify model eval-chat`.",
    ),
    gguf: Path = typer.Option(None, "--gguf", help="With --heldout: GGUF of the same model, for llama.cpp JSON validity."),
    humaneval: int = typer.Option(0, "--humaneval", help="With --heldout: HumanEval problems to run (0 skips)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print held-out bits per byte and multiple-choice accuracy of a run.

    With --heldout it also prints the chat metrics: template rate, accuracy per task family and
    mode, JSON and tool-call validity, and reply lengths.
    """
    from localmodel.service import model_eval

    # A post-training run has no pretraining recipe: with --heldout it gets the chat metrics only.
    pretraining_run = (run_dir / "recipe.json").is_file()
    result = model_eval(run_dir, windows, items) if pretraining_run or not heldout else {}
    if heldout:
        from localmodel.posttrain.service import eval_chat

        # --items also sets the records per task family and mode; sampling is left to eval-chat.
        chat = eval_chat(run_dir, heldout, None, items, 128, [], humaneval, gguf, 1234, 0)
        result.update({f"chat/{key}": value for key, value in chat.items()})

    def human() -> None:
        for key, value in result.items():
            shown = f"{value:.4f}" if isinstance(value, float) else str(value)
            typer.echo(f"{key:<20} {shown}")

    emit(result, as_json, human)


# --- ablate ----------------------------------------------------------------------------


@model_app.command("ablate")
def ablate(
    out: Path = typer.Option(..., "--out", help="Folder for the runs, table and plot."),
    variant: list[str] = typer.Option(
        ..., "--variant",
        help="nope-off, untied, qk-norm, mha, mqa, doc-mask-off, z-loss, or "
             "NAME:section.key=value,... (repeatable)."),
    seed: list[int] = typer.Option([1, 2], "--seed", help="Seeds per variant (repeatable)."),
    recipe: Path = RECIPE_OPTION,
    preset: str = PRESET_OPTION,
    max_steps: int = typer.Option(None, "--max-steps", help="Steps per run."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Train a baseline and variants on the same budget and seeds, and compare them."""
    from localmodel.ablate import format_table
    from localmodel.service import model_ablate

    _verbose_training_logs()
    result = model_ablate(out, recipe, preset, variant, seed, max_steps)
    emit(result, as_json, lambda: typer.echo(format_table(result["summary"])))


# --- plan ------------------------------------------------------------------------------


@model_app.command("plan")
def plan(
    params: str = typer.Option(None, "--params", help="Parameter count, e.g. 3.08B."),
    tokens: str = typer.Option(None, "--tokens", help="Training tokens, e.g. 11.2T."),
    gpu: str = typer.Option("h100", "--gpu", help="GPU type: h100, h200, a100, b200, l40s."),
    gpus: int = typer.Option(1, "--gpus", help="Number of GPUs."),
    mfu: float = typer.Option(None, "--mfu", help="Assumed MFU, e.g. 0.3 (default 0.3)."),
    gpu_hours: float = typer.Option(None, "--gpu-hours", help="Spent GPU-hours: gives the MFU."),
    budget: str = typer.Option(None, "--budget", help="Compute budget in FLOPs, e.g. 1e21."),
    preset: str = PRESET_OPTION,
    seq_len: int = typer.Option(None, "--seq-len", help="Sequence length for the attention term."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Estimate compute, time and GPU-hours, the implied MFU, or a compute-optimal size."""
    from localmodel.service import model_plan

    # Without --mfu, assume 30% unless --gpu-hours asks for the implied MFU instead.
    assumed = mfu
    if assumed is None and gpu_hours is None:
        assumed = 0.3
    result = model_plan(params, tokens, gpu, gpus, assumed, gpu_hours, budget, preset, seq_len)
    emit(result, as_json, lambda: _print_plan(result))


def _print_plan(result: dict) -> None:
    if "plan" in result:
        p = result["plan"]
        typer.echo(f"compute: {p['flops']:.3e} FLOP ({p['flops_6nd']:.3e} from 6ND alone) "
                   f"on {p['gpus']} x {p['gpu']} at {p['peak_tflops']:.0f} TFLOP/s peak")
        if p["seconds"] is not None:
            typer.echo(f"at {p['mfu']:.0%} MFU: {p['days']:.2f} days, "
                       f"{p['gpu_hours']:,.0f} GPU-hours")
        if p["implied_mfu"] is not None:
            typer.echo(f"implied MFU: {p['implied_mfu']:.1%} "
                       f"({p['implied_mfu_6nd']:.1%} from 6ND alone)")
    if "compute_optimal" in result:
        c = result["compute_optimal"]
        typer.echo(f"compute-optimal for {c['flops']:.3e} FLOP: {c['params'] / 1e6:,.1f}M "
                   f"parameters on {c['tokens'] / 1e9:,.2f}B tokens")


# --- export ----------------------------------------------------------------------------


@model_app.command("export")
def export(
    run_dir: Path = typer.Argument(..., help="Run folder or Hugging Face model folder."),
    gguf: Path = typer.Option(None, "--gguf", help="GGUF file to write (llama.cpp smollm3)."),
    hf: Path = typer.Option(None, "--hf", help="Folder to write for transformers (SmolLM3)."),
    dtype: str = typer.Option("f32", "--dtype", help="GGUF weight type: f32, f16, bf16, q8_0."),
    split_max_size: str = typer.Option(
        None, "--split-max-size",
        help="Split the GGUF into parts of at most SIZE bytes (K, M, G suffixes, powers of 1000)."),
    force: bool = typer.Option(False, "--force", help="Replace existing output files."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Export a trained model to GGUF for llama.cpp and/or a Hugging Face folder."""
    import sys

    from localmodel.export.service import export_model

    result = export_model(run_dir, gguf, hf, dtype, split_max_size, force,
                          progress=sys.stderr.isatty())

    def human() -> None:
        if "gguf" in result:
            g = result["gguf"]
            typer.echo(f"GGUF ({g['dtype']}, {g['params']:,} parameters, {g['bytes']:,} bytes):")
            for name in g["files"]:
                typer.echo(f"  {name}")
            if g["kept_f16"]:
                typer.echo(f"  kept in F16 (rows not a multiple of 32): {len(g['kept_f16'])} tensors")
        if "hf" in result:
            typer.echo(f"Hugging Face folder: {result['hf']['folder']}")

    emit(result, as_json, human)


# --- serve -----------------------------------------------------------------------------


@model_app.command("serve")
def serve(
    model: Path = typer.Argument(..., help="GGUF file to serve."),
    port: int = typer.Option(8080, "--port", help="Port on 127.0.0.1 (0 picks a free one)."),
    n_gpu_layers: int = typer.Option(-1, "--n-gpu-layers",
                                     help="Layers to offload to the GPU (-1: all)."),
    n_ctx: int = typer.Option(0, "--n-ctx", help="Context length in tokens (0: the model's)."),
    show_log: bool = typer.Option(False, "--log", help="Copy the server log to stderr."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Serve a GGUF with llama.cpp's OpenAI-compatible API on 127.0.0.1 until Ctrl-C."""
    import sys

    from localmodel.serve import serve as run_server

    def ready(server) -> None:  # noqa: ANN001 - localmodel.serve.RunningServer
        result = {"url": server.url, "model": str(server.model), "pid": server.process.pid,
                  "offload": {"offloaded": server.offload.offloaded,
                              "total": server.offload.total,
                              "gpu_backend": server.offload.gpu_backend,
                              "summary": server.offload.describe()}}

        def human() -> None:
            typer.echo(f"Serving {server.model.name} at {server.url} (OpenAI API); "
                       "Ctrl-C stops it.")
            typer.echo(f"Offload: {server.offload.describe()}")

        emit(result, as_json, human)
        sys.stdout.flush()

    code = run_server(model, ready, port, n_gpu_layers, n_ctx,
                      echo=sys.stderr if show_log else None)
    if code is not None:
        typer.echo(f"error: the llama.cpp server exited with status {code}", err=True)
        raise typer.Exit(1)


# --- chat ------------------------------------------------------------------------------


@model_app.command("chat")
def chat(
    model: Path = typer.Argument(..., help="GGUF file (llama.cpp) or run/Hugging Face folder (torch)."),
    system: str = typer.Option("", "--system", help="System message."),
    think: bool = typer.Option(False, "--think/--no-think", help="Start in reasoning mode."),
    max_tokens: int = typer.Option(256, "--max-tokens", help="Maximum new tokens per reply."),
    temperature: float = typer.Option(0.6, "--temperature", help="Sampling temperature (0: greedy)."),
    top_p: float = typer.Option(0.95, "--top-p", help="Nucleus sampling mass."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
    n_gpu_layers: int = typer.Option(-1, "--n-gpu-layers", help="GGUF: layers on the GPU (-1: all)."),
    n_ctx: int = typer.Option(0, "--n-ctx", help="GGUF: context length (0: the model's)."),
) -> None:
    """Chat with a model on the terminal to try it by hand (/exit ends, /reset clears)."""
    from localmodel.chat import Sampling, run_chat

    sampling = Sampling(max_tokens, temperature, top_p, seed)
    run_chat(model, sampling, system, think, n_gpu_layers, n_ctx)


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
