"""Training speed: our SmolLM3-style model against transformers' SmolLM3 on the same config.

Both train on the same random token batches with AdamW (0.9/0.95), one forward, backward
and optimizer step per iteration, SDPA attention, float32 on CPU and bf16 autocast on CUDA.
The script prints tokens/s for each and the ratio ours/transformers (target: at least 1.0).
Runs alternate between the two models and each figure is the best of ``--runs`` timed
blocks, because other processes on a shared machine only ever slow a block down. A third
line times ours with intra-document masking on packed rows (reported, no target).

Run: python benchmarks/bench_train.py [--preset cpu-tiny] [--batch 8] [--seq 256]
     [--steps 5] [--runs 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import time


def make_models(preset: str, device: str):  # noqa: ANN201
    import torch
    from transformers import SmolLM3Config, SmolLM3ForCausalLM

    from localmodel.config import get_preset
    from localmodel.model import build_model

    cfg = get_preset(preset).model
    ours = build_model(cfg, seed=0, attn_backend="sdpa").to(device)
    hf_config = SmolLM3Config(**cfg.to_hf_dict(), attn_implementation="sdpa", use_cache=False)
    theirs = SmolLM3ForCausalLM(hf_config).to(device)
    theirs.load_state_dict(ours.state_dict())
    for model in (ours, theirs):
        model.train()
    return cfg, ours, theirs, torch


def time_block(step, steps: int, sync) -> float:  # noqa: ANN001
    started = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cpu-tiny")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--steps", type=int, default=5, help="optimizer steps per timed block")
    parser.add_argument("--runs", type=int, default=5, help="timed blocks per model")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 avoids oversubscribing a shared machine)")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()

    import torch.nn.functional as F

    device = args.device or ("cuda" if __import__("torch").cuda.is_available() else "cpu")
    cfg, ours, theirs, torch = make_models(args.preset, device)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (args.batch, args.seq + 1), generator=gen).to(device)
    inputs, labels = ids[:, :-1], ids[:, 1:]
    doc_ids = (torch.arange(args.seq, device=device) // max(1, args.seq // 4)).expand_as(inputs)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda")

    def make_step(model, forward):  # noqa: ANN001, ANN202
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8)

        def step() -> None:
            with autocast:
                logits = forward(model)
                loss = F.cross_entropy(logits.float().flatten(0, 1), labels.flatten())
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        return step

    steps = {
        "ours": make_step(ours, lambda m: m(inputs)),
        "transformers": make_step(theirs, lambda m: m(input_ids=inputs).logits),
        "ours (document masking)": make_step(ours, lambda m: m(inputs, doc_ids=doc_ids)),
    }
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for step in steps.values():  # warm up allocators and kernels
        time_block(step, 2, sync)
    best = {name: float("inf") for name in steps}
    for _ in range(args.runs):
        for name, step in steps.items():
            best[name] = min(best[name], time_block(step, args.steps, sync))

    tokens = args.batch * args.seq * args.steps
    print(f"config: preset {args.preset} ({cfg.n_params() / 1e6:.2f}M parameters), "
          f"batch {args.batch} x {args.seq} tokens, {device}, {args.threads} threads, "
          f"best of {args.runs} blocks of {args.steps} steps")
    for name, seconds in best.items():
        print(f"{name:<26} {tokens / seconds:>10,.0f} tokens/s")
    ratio = best["transformers"] / best["ours"]
    print(f"ratio ours/transformers: {ratio:.2f}x (target >= 1.0)")


if __name__ == "__main__":
    main()
