"""Generation speed: llama.cpp on an exported GGUF against our torch model on the same weights.

Both generate greedily from the same prompt with a KV cache, for the same number of new
tokens, and the script prints tokens/s for each and the llama.cpp/torch ratio. There is no
target; the ratio shows what the GGUF path buys. Without ``--model`` it builds the tiny
test model (4 layers, hidden 64, vocab 512; a few seconds), so it runs anywhere.

Run: python benchmarks/bench_generation.py [--model FOLDER] [--dtype f32|f16|q8_0]
     [--tokens N] [--runs N] [--threads N]. Each figure is the best of N runs, because
other processes on a shared machine only ever slow a run down.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "import os\nimport sys\n\n\ndef main(argv):\n    "


def time_llama(gguf: Path, prompt_ids: list[int], tokens: int, threads: int) -> float:
    """Return llama.cpp greedy generation speed in new tokens per second."""
    import llama_cpp

    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=len(prompt_ids) + tokens + 8,
                          n_threads=threads, n_gpu_layers=-1, verbose=False)
    llm.eval(prompt_ids)  # prompt processing is not part of the timing
    started = time.perf_counter()
    for _ in range(tokens):
        next_id = int(llm.scores[llm.n_tokens - 1].argmax())
        llm.eval([next_id])
    elapsed = time.perf_counter() - started
    llm.close()
    return tokens / elapsed


def time_torch(model, prompt_ids: list[int], tokens: int) -> float:
    """Return our torch model's greedy generation speed in new tokens per second."""
    import torch

    from localmodel.model import KVCache

    cache = KVCache()
    with torch.no_grad():
        logits = model(torch.tensor([prompt_ids]), cache=cache)[0, -1]
        started = time.perf_counter()
        for _ in range(tokens):
            next_id = int(logits.argmax())
            logits = model(torch.tensor([[next_id]]), cache=cache)[0, -1]
        elapsed = time.perf_counter() - started
    return tokens / elapsed


def prepare(args: argparse.Namespace, scratch: Path):
    """Return (gguf path, torch model, prompt ids) for ``args.model`` or the tiny model."""
    from localmodel.export.gguf import export_gguf
    from localmodel.export.source import build_torch_model, load_bundle
    from localmodel.tokenizer.train import load_tokenizer

    if args.model is None:
        sys.path.insert(0, str(ROOT))
        from tests.helpers.tiny_gguf import build_tiny_model

        folder = build_tiny_model(scratch / "tiny").hf_folder
    else:
        folder = args.model
    bundle = load_bundle(folder)
    gguf = export_gguf(bundle, scratch / f"model-{args.dtype}.gguf", dtype=args.dtype).files[0]
    prompt_ids = load_tokenizer(bundle.tokenizer_path).encode(PROMPT).ids
    return gguf, build_torch_model(bundle), prompt_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="run folder or Hugging Face folder")
    parser.add_argument("--dtype", default="f32", choices=("f32", "f16", "bf16", "q8_0"))
    parser.add_argument("--tokens", type=int, default=128, help="new tokens per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for both")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        gguf, model, prompt_ids = prepare(args, Path(tmp))
        llama = max(time_llama(gguf, prompt_ids, args.tokens, args.threads)
                    for _ in range(args.runs))
        ours = max(time_torch(model, prompt_ids, args.tokens) for _ in range(args.runs))

    print(f"model: {args.model or 'tiny test model'}, GGUF {args.dtype}, "
          f"{len(prompt_ids)} prompt tokens, {args.tokens} new tokens, {args.threads} threads")
    print(f"llama.cpp  {llama:10.1f} tokens/s")
    print(f"torch      {ours:10.1f} tokens/s")
    print(f"ratio      {llama / ours:10.2f}x (llama.cpp / torch)")


if __name__ == "__main__":
    main()
