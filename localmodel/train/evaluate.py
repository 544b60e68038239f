"""Held-out bits per byte and small multiple-choice tasks built from the held-out split.

Bits per byte divides the summed cross-entropy (in bits) of the held-out targets by the
UTF-8 bytes those targets decode to, so tokenizers of different sizes compare fairly.
Special tokens count zero bytes and are excluded.

The multiple-choice tasks need no download. In ``continuation`` the model picks which of
four lines follows a held-out context. In ``word-order`` it picks the original line over
the same line with its words shuffled. The model picks the option with the highest log-likelihood
per byte. Chance is 0.25 and 0.5.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Choice:
    context: str
    options: tuple[str, ...]
    answer: int


def token_byte_lengths(tokenizer) -> torch.Tensor:  # noqa: ANN001
    """Return the UTF-8 byte length of each token id; special tokens count 0."""
    from localmodel.tokenizer.report import byte_decoder

    decode = byte_decoder()
    specials = {t.content for t in tokenizer.get_added_tokens_decoder().values()}
    lengths = torch.zeros(tokenizer.get_vocab_size(), dtype=torch.long)
    for token, token_id in tokenizer.get_vocab().items():
        if token not in specials:
            lengths[token_id] = sum(1 for ch in token if ch in decode)
    return lengths


@torch.no_grad()
def bits_per_byte(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor,
                  byte_lengths: torch.Tensor, batch: int = 8) -> dict[str, float]:
    """Return held-out loss (nats per token) and bits per byte over (N, T) windows."""
    device = next(model.parameters()).device
    total_nats, total_bytes, total_tokens = 0.0, 0, 0
    for start in range(0, inputs.shape[0], batch):
        x = inputs[start:start + batch].to(device)
        y = labels[start:start + batch].to(device)
        logits = model(x)
        nats = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), reduction="none")
        counted = byte_lengths.to(device)[y.flatten()]
        keep = counted > 0
        total_nats += nats[keep].sum().item()
        total_bytes += int(counted.sum().item())
        total_tokens += int(keep.sum().item())
    return {"val_loss": total_nats / max(1, total_tokens),
            "val_bpb": total_nats / math.log(2) / max(1, total_bytes)}


def build_tasks(texts: list[str], count: int, seed: int) -> dict[str, list[Choice]]:
    """Build ``count`` items per task from held-out documents, deterministically."""
    rng = random.Random(seed)
    lines = [ln.strip() for t in texts for ln in t.splitlines() if 20 <= len(ln.strip()) <= 120]
    if len(lines) < 8:
        return {"continuation": [], "word-order": []}
    continuation, word_order = [], []
    for _ in range(count):
        i = rng.randrange(1, len(lines))
        wrong = rng.sample([ln for ln in rng.sample(lines, 8) if ln != lines[i]], 3)
        options = [lines[i], *wrong]
        rng.shuffle(options)
        continuation.append(Choice(lines[i - 1] + "\n", tuple(options), options.index(lines[i])))
        words = lines[rng.randrange(len(lines))].split()
        shuffled = words[:]
        while len(set(words)) > 1 and shuffled == words:
            rng.shuffle(shuffled)
        pair = [" ".join(words), " ".join(shuffled)]
        answer = rng.randrange(2)
        word_order.append(Choice("", tuple(pair if answer == 0 else pair[::-1]), answer))
    return {"continuation": continuation, "word-order": word_order}


@torch.no_grad()
def choice_accuracy(model: nn.Module, tokenizer, items: list[Choice]) -> float | None:  # noqa: ANN001
    """Return the share of items whose correct option has the best log-likelihood per byte."""
    if not items:
        return None
    device = next(model.parameters()).device
    correct = 0
    for item in items:
        context = tokenizer.encode(item.context).ids  # starts with BOS
        scores = []
        for option in item.options:
            ids = context + tokenizer.encode(option, add_special_tokens=False).ids
            x = torch.tensor([ids[:-1]], device=device)
            logp = F.log_softmax(model(x).float(), dim=-1)[0]
            targets = torch.tensor(ids[1:], device=device)
            start = len(context) - 1
            picked = logp[torch.arange(start, len(ids) - 1), targets[start:]]
            scores.append(picked.sum().item() / max(1, len(option.encode("utf-8"))))
        correct += int(max(range(len(scores)), key=scores.__getitem__) == item.answer)
    return correct / len(items)


def evaluate_run(run_dir: Path, max_windows: int = 64, task_items: int = 50) -> dict:
    """Evaluate a run's newest checkpoint: held-out bits per byte and task accuracy."""
    from localmodel.data.loader import validation_windows
    from localmodel.model import build_model
    from localmodel.tokenizer.train import load_tokenizer
    from localmodel.train.checkpoint import TOKENIZER_FILE, load_for_export
    from localmodel.train.run import load_run_recipe, run_data_dir

    config, state, _ = load_for_export(run_dir)
    recipe = load_run_recipe(run_dir)
    model = build_model(config)
    model.load_state_dict(state)
    model.eval()
    tokenizer = load_tokenizer(run_dir / TOKENIZER_FILE)
    inputs, labels = validation_windows(run_data_dir(run_dir), recipe.data.seq_len, max_windows)
    result = bits_per_byte(model, inputs, labels, token_byte_lengths(tokenizer))
    for name, items in build_tasks(_held_out_texts(run_data_dir(run_dir), tokenizer),
                                   task_items, recipe.seed).items():
        result[f"acc_{name}"] = choice_accuracy(model, tokenizer, items)
    return result


def _held_out_texts(data_dir: Path, tokenizer, max_tokens: int = 65536) -> list[str]:  # noqa: ANN001
    """Decode the held-out stream (at most ``max_tokens``) back into its documents."""
    import numpy as np

    from localmodel.data.shards import VAL_FILE

    stream = np.load(data_dir / VAL_FILE)[:max_tokens].tolist()
    text = tokenizer.decode(stream, skip_special_tokens=False)
    return [doc for doc in text.split("<|end_of_text|>") if doc.strip()]
