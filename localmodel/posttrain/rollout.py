"""Sampling groups of completions with a KV cache, and per-token log-probabilities of sequences.

All completions of one group share their prompt, so the group runs as one batch with no
padding inside the prompt; a completion that has emitted a stop token keeps being fed
(its later tokens are discarded), which keeps the cache rectangular.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Completion:
    ids: list[int]  # generated ids, the stop token included when one was emitted
    stopped: bool  # ended with a stop token rather than at the length limit


def _pick(logits: torch.Tensor, temperature: float, top_p: float,
          generator: torch.Generator) -> torch.Tensor:
    """Sample one id per row of logits (N, V); greedy at temperature 0."""
    if temperature <= 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1.0:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        keep = sorted_probs.cumsum(-1) - sorted_probs < top_p
        sorted_probs = sorted_probs * keep
        choice = torch.multinomial(sorted_probs / sorted_probs.sum(-1, keepdim=True), 1,
                                   generator=generator)
        return order.gather(-1, choice).squeeze(-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


@torch.no_grad()
def sample_group(model: nn.Module, prompt: list[int], n: int, max_new_tokens: int,
                 stop_ids: set[int], temperature: float = 1.0, top_p: float = 1.0,
                 generator: torch.Generator | None = None) -> list[Completion]:
    """Return ``n`` completions of ``prompt``; temperature 0 gives greedy decoding."""
    from localmodel.model import KVCache

    device = next(model.parameters()).device
    generator = generator or torch.Generator().manual_seed(0)
    was_training = model.training
    model.eval()
    cache = KVCache()
    inputs = torch.tensor([prompt], device=device).expand(n, -1)
    out = torch.zeros(n, 0, dtype=torch.long)
    done = torch.zeros(n, dtype=torch.bool)
    stops = torch.tensor(sorted(stop_ids))
    for _ in range(max_new_tokens):
        logits = model(inputs, cache=cache)[:, -1].cpu()  # (N, V)
        token = _pick(logits, temperature, top_p, generator)
        out = torch.cat([out, token[:, None]], dim=1)
        done |= torch.isin(token, stops)
        if bool(done.all()):
            break
        inputs = token[:, None].to(device)
    model.train(was_training)
    completions = []
    for row in out.tolist():
        cut = next((i for i, t in enumerate(row) if t in stop_ids), None)
        completions.append(Completion(row if cut is None else row[: cut + 1], cut is not None))
    return completions


def token_logprobs(model: nn.Module, sequences: list[list[int]], pad_id: int) -> torch.Tensor:
    """Return log p(token t | tokens < t) for t >= 1 of each sequence, (N, T - 1), right-padded.

    Gradients flow when the caller has them enabled.
    """
    device = next(model.parameters()).device
    width = max(len(s) for s in sequences)
    batch = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    for i, seq in enumerate(sequences):
        batch[i, : len(seq)] = torch.tensor(seq)
    batch = batch.to(device)
    logits = model(batch[:, :-1]).float()  # (N, T-1, V)
    return torch.gather(F.log_softmax(logits, dim=-1), 2, batch[:, 1:, None]).squeeze(-1)


def completion_mask(prompt_lengths: list[int], total_lengths: list[int], width: int) -> torch.Tensor:
    """Return (N, width) floats: 1 where label position t+1 lies in the completion."""
    mask = torch.zeros(len(prompt_lengths), width)
    for i, (start, end) in enumerate(zip(prompt_lengths, total_lengths, strict=True)):
        mask[i, start - 1: end - 1] = 1.0
    return mask
