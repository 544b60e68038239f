"""GPU smoke check: train a preset briefly, report throughput and MFU, export it and load it back.

Meant for a single-GPU machine without network access: the corpus is the local Python
standard library plus the bundled templates, the tokenizer is trained in the run, and
nothing is downloaded. Steps:

1. report torch, CUDA and llama-cpp-python (and whether that build can offload to a GPU);
2. train ``--preset`` (default ``gpu-45m``) for ``--max-steps`` steps with the normal trainer;
3. print the median tokens/s and MFU of the steps after the first ``--skip-steps``
   (which include compilation and warm-up);
4. export an f32 and an f16 GGUF and a Hugging Face folder;
5. load the f32 GGUF with llama.cpp (all layers offloaded) and compare its logits with our
   torch model on the CPU in float32; without llama-cpp-python, load the Hugging Face folder
   with transformers instead.

It prints one JSON summary as the last line of stdout and exits non-zero if a step fails.
The same script runs on CPU (``--device cpu --preset cpu-tiny``) so its logic stays tested.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("gpu_smoke")

PROMPT = "import os\nimport sys\n\n\ndef main(argv):\n    \"\"\"Run the command line.\"\"\"\n"
# Tolerances for the load-back check. llama.cpp's CUDA kernels sum in a different order
# from torch on the CPU, so the GPU bound is looser than the 1e-3 that CPU parity tests use.
# NOTE: the CUDA bound is an estimate; this script has run end to end on CPU only.
MAX_LOGIT_DIFF = {"cpu": 1e-3, "cuda": 5e-2}


def environment() -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {"torch": torch.__version__, "cuda": torch.cuda.is_available()}
    if info["cuda"]:
        info["gpu"] = torch.cuda.get_device_name(0)
    try:
        import llama_cpp
    except ImportError:
        info["llama_cpp"] = None
    else:
        info["llama_cpp"] = llama_cpp.__version__
        info["llama_cpp_gpu_offload"] = bool(llama_cpp.llama_supports_gpu_offload())
    return info


def train_briefly(args: argparse.Namespace) -> dict[str, Any]:
    """Train the preset into ``args.out / "run"`` and return throughput figures."""
    from localmodel.train.metrics import read_metrics
    from localmodel.train.pretrain import train
    from localmodel.train.recipe import load_recipe, recipe_path_for_preset

    recipe = load_recipe(recipe_path_for_preset(args.preset))
    train_changes: dict[str, Any] = {"max_steps": args.max_steps,
                                     "checkpoint_every": args.max_steps,
                                     "eval_every": args.max_steps}
    data_changes: dict[str, Any] = {}
    if args.max_docs:
        data_changes["max_docs_per_source"] = args.max_docs
    if args.device == "cpu":
        train_changes["compile"] = False
    recipe = recipe.with_changes(train=train_changes, data=data_changes)

    run_dir = args.out / "run"
    started = time.perf_counter()
    summary = train(run_dir, recipe, device=args.device, progress_bar=False)
    wall = time.perf_counter() - started

    steps = [r for r in read_metrics(run_dir / "metrics.jsonl") if r.get("kind") == "train"]
    timed = steps[args.skip_steps:] or steps
    mfus = [r["mfu"] for r in timed if r.get("mfu") is not None]
    return {
        "run_dir": str(run_dir),
        "params": recipe.model.n_params(),
        "steps": len(steps),
        "train_wall_s": round(wall, 1),
        "tokens_per_s": statistics.median(r["tokens_per_s"] for r in timed),
        "mfu": statistics.median(mfus) if mfus else None,
        "first_loss": steps[0]["loss"],
        "final_loss": steps[-1]["loss"],
        "val_bpb": summary.get("val_bpb"),
    }


def export_all(run_dir: Path, out: Path) -> dict[str, Any]:
    from localmodel.export.gguf import export_gguf
    from localmodel.export.hf import export_hf
    from localmodel.export.source import load_bundle

    bundle = load_bundle(run_dir)
    f32 = export_gguf(bundle, out / "model-f32.gguf", dtype="f32", overwrite=True)
    f16 = export_gguf(bundle, out / "model-f16.gguf", dtype="f16", overwrite=True)
    hf = export_hf(bundle, out / "hf", overwrite=True)
    return {"gguf_f32": str(f32.files[0]), "gguf_f16": str(f16.files[0]),
            "gguf_f16_bytes": f16.bytes_written, "hf": str(hf.folder)}


def reference_logits(run_dir: Path):
    """Return (prompt ids, float32 CPU logits of our torch model) for ``PROMPT``."""
    import torch

    from localmodel.export.source import build_torch_model, load_bundle
    from localmodel.tokenizer.train import load_tokenizer

    bundle = load_bundle(run_dir)
    ids = load_tokenizer(bundle.tokenizer_path).encode(PROMPT).ids
    with torch.no_grad():
        logits = build_torch_model(bundle)(torch.tensor([ids]))[0].numpy()
    return ids, logits


def load_back(run_dir: Path, exported: dict[str, Any], device: str) -> dict[str, Any]:
    """Compare llama.cpp (or, without it, transformers) logits with our torch model."""
    import numpy as np

    ids, expected = reference_logits(run_dir)
    try:
        import llama_cpp
    except ImportError:
        llama_cpp = None
    if llama_cpp is None:
        import torch
        from transformers import SmolLM3ForCausalLM

        model = SmolLM3ForCausalLM.from_pretrained(exported["hf"]).eval()
        with torch.no_grad():
            got = model(torch.tensor([ids])).logits[0].numpy()
        loader, bound = "transformers", 1e-4
    else:
        llm = llama_cpp.Llama(model_path=exported["gguf_f32"], n_gpu_layers=-1, n_ctx=256,
                              logits_all=True, type_k=0, type_v=0, verbose=False)
        llm.eval(ids)
        got = np.array(llm.scores[: len(ids)])
        llm.close()
        loader, bound = "llama.cpp", MAX_LOGIT_DIFF["cuda" if device != "cpu" else "cpu"]
    diff = float(np.abs(got - expected).max())
    agree = float((got.argmax(-1) == expected.argmax(-1)).mean())
    return {"loader": loader, "max_logit_diff": diff, "bound": bound, "argmax_agreement": agree,
            "ok": diff < bound}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the run and exports")
    parser.add_argument("--preset", default="gpu-45m")
    parser.add_argument("--max-steps", type=int, default=300)
    parser.add_argument("--skip-steps", type=int, default=10,
                        help="first steps left out of the throughput median")
    parser.add_argument("--max-docs", type=int, default=0,
                        help="documents per corpus source (0: all)")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    result: dict[str, Any] = {"environment": environment()}
    logger.info("environment: %s", result["environment"])
    if args.device == "cuda" and not result["environment"]["cuda"]:
        logger.error("CUDA is not available to torch %s; pass --device cpu to run on CPU.",
                     result["environment"]["torch"])
        return 2

    result["train"] = train_briefly(args)
    logger.info("trained: %s", result["train"])
    result["export"] = export_all(Path(result["train"]["run_dir"]), args.out)
    result["load_back"] = load_back(Path(result["train"]["run_dir"]), result["export"],
                                    args.device)
    print(json.dumps(result))
    return 0 if result["load_back"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
