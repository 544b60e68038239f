"""Evaluate a chat model on held-out records: format, accuracy, JSON, tools, lengths, margins.

Replies are decoded greedily from the chat template's generation prompt, so a no-think
reply starts after the prefilled empty think block. Metrics (all shares are 0..1):

- ``template_rate``: replies that follow the template: they end with ``<|im_end|>`` within
  the token budget, never open a new turn, and in think mode start with one closed
  ``<think>`` block followed by an answer, while in no-think mode contain no ``<think>``;
- ``accuracy/FAMILY/MODE`` and ``reward_mean``: the verifiers' scores;
- ``sampled_reward``: the mean verifier score of ``samples`` completions per item drawn at
  temperature 1, the expectation GRPO maximises, with ``sampled_length_MODE_mean``;
- ``json_parse_rate`` and ``json_schema_rate`` for the JSON and spec families, without any
  grammar constraint;
- ``tool_call_valid_rate``: tool-call replies whose calls parse and name a known tool with
  its required arguments;
- ``length_MODE_mean``: completion length in tokens;
- ``pref_margin`` and ``pref_accuracy``: the mean of log p(chosen) - log p(rejected) over
  held-out preference pairs, and the share of pairs where it is positive;
- ``bpb``: bits per UTF-8 byte of the held-out conversations, special tokens excluded.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from localmodel.data.synthetic.records import ChatRecord
from localmodel.data.synthetic.verify import follows_template, verify
from localmodel.posttrain.recipe import EvalConfig

logger = logging.getLogger(__name__)

EVAL_FILE = "eval.json"


def select_items(records: list[ChatRecord], per_group: int) -> list[ChatRecord]:
    """Return the first ``per_group`` verifiable records of each (family, mode), in file order."""
    taken: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for record in records:
        key = (record.family, record.mode)
        if record.verifier and taken[key] < per_group:
            taken[key] += 1
            out.append(record)
    return out


def generate_replies(model: nn.Module, tokenizer, records: list[ChatRecord], max_new_tokens: int,  # noqa: ANN001
                     stop_ids: set[int]) -> list[dict[str, Any]]:
    """Return greedy replies: decoded text, token length and whether a stop token ended them."""
    from localmodel.posttrain.chatdata import encode_prompt
    from localmodel.posttrain.rollout import sample_group

    replies = []
    for record in records:
        (completion,) = sample_group(model, encode_prompt(record, tokenizer), 1, max_new_tokens,
                                     stop_ids, temperature=0.0)
        body = [t for t in completion.ids if t not in stop_ids]
        replies.append({"text": tokenizer.decode(body, skip_special_tokens=False),
                        "length": len(completion.ids), "stopped": completion.stopped})
    return replies


def reply_metrics(records: list[ChatRecord], replies: list[dict[str, Any]]) -> dict[str, float]:
    """Return the template, accuracy, JSON, tool-call and length metrics of greedy replies."""
    groups: dict[str, list[float]] = defaultdict(list)
    for record, reply in zip(records, replies, strict=True):
        ok = follows_template(reply["text"], record.mode, reply["stopped"])
        groups["template_rate"].append(float(ok))
        groups[f"template_rate_{record.mode}"].append(float(ok))
        groups[f"length_{record.mode}_mean"].append(float(reply["length"]))
        verdict = verify(record, reply["text"])
        if verdict is None:
            continue
        groups["reward_mean"].append(verdict.reward)
        groups[f"accuracy/{record.family}/{record.mode}"].append(verdict.reward)
        if record.verifier.get("kind") == "json":
            groups["json_parse_rate"].append(float(verdict.checks.get("json_parses", False)))
            groups["json_schema_rate"].append(float(verdict.checks.get("schema_valid", False)))
        if record.verifier.get("kind") == "tool_call":
            groups["tool_call_valid_rate"].append(float(verdict.checks.get("tool_call_valid", False)))
    return {key: statistics.fmean(values) for key, values in sorted(groups.items())}


@torch.no_grad()
def preference_metrics(model: nn.Module, tokenizer, records: list[ChatRecord], pad_id: int,  # noqa: ANN001
                       seed: int, max_len: int = 1024) -> dict[str, float]:
    from localmodel.posttrain.dpo import sequence_logps
    from localmodel.posttrain.pairs import build_pairs, tokenize_pair

    items = [tokenize_pair(p, tokenizer) for p in build_pairs(records, seed)]
    items = [t for t in items if max(len(t[1]), len(t[2])) <= max_len]
    if not items:
        return {}
    margins = []
    for start in range(0, len(items), 16):
        group = items[start:start + 16]
        chosen = sequence_logps(model, [(p, c) for p, c, _ in group], pad_id)
        rejected = sequence_logps(model, [(p, r) for p, _, r in group], pad_id)
        margins.extend((chosen - rejected).tolist())
    return {"pref_margin": statistics.fmean(margins),
            "pref_accuracy": statistics.fmean(float(m > 0) for m in margins)}


@torch.no_grad()
def chat_bits_per_byte(model: nn.Module, tokenizer, records: list[ChatRecord],  # noqa: ANN001
                       max_len: int = 1024) -> float:
    """Return bits per byte over the rendered held-out conversations."""
    import torch.nn.functional as F

    from localmodel.posttrain.chatdata import render_chat
    from localmodel.train.evaluate import token_byte_lengths

    lengths = token_byte_lengths(tokenizer)
    device = next(model.parameters()).device
    nats, size = 0.0, 0
    for record in records:
        ids = tokenizer.encode(render_chat(record.messages, record.tools)).ids[:max_len]
        x = torch.tensor([ids], device=device)
        loss = F.cross_entropy(model(x[:, :-1])[0].float(), x[0, 1:], reduction="none")
        counted = lengths.to(device)[x[0, 1:]]
        nats += loss[counted > 0].sum().item()
        size += int(counted.sum().item())
    return nats / math.log(2) / max(1, size)


@torch.no_grad()
def sampled_metrics(model: nn.Module, tokenizer, records: list[ChatRecord], samples: int,  # noqa: ANN001
                    max_new_tokens: int, stop_ids: set[int], seed: int) -> dict[str, float]:
    """Return the mean verifier score and lengths of completions sampled at temperature 1."""
    from localmodel.posttrain.chatdata import encode_prompt
    from localmodel.posttrain.rollout import sample_group

    rewards: list[float] = []
    lengths: dict[str, list[float]] = defaultdict(list)
    for number, record in enumerate(records):
        generator = torch.Generator().manual_seed(seed * 100_003 + number)
        for completion in sample_group(model, encode_prompt(record, tokenizer), samples,
                                       max_new_tokens, stop_ids, 1.0, 1.0, generator):
            body = [t for t in completion.ids if t not in stop_ids]
            verdict = verify(record, tokenizer.decode(body, skip_special_tokens=False))
            rewards.append(verdict.reward if verdict else 0.0)
            lengths[record.mode].append(float(len(completion.ids)))
    if not rewards:
        return {}
    out = {"sampled_reward": statistics.fmean(rewards)}
    out.update({f"sampled_length_{mode}_mean": statistics.fmean(v) for mode, v in lengths.items()})
    return out


def evaluate_model(model: nn.Module, tokenizer, records: list[ChatRecord], cfg: EvalConfig,  # noqa: ANN001
                   stop_ids: set[int], pad_id: int, seed: int) -> dict[str, Any]:
    if cfg.families:
        records = [r for r in records if r.family in cfg.families]
    items = select_items(records, cfg.items)
    model.eval()
    replies = generate_replies(model, tokenizer, items, cfg.max_new_tokens, stop_ids)
    result: dict[str, Any] = {"items": len(items), **reply_metrics(items, replies)}
    result.update(preference_metrics(model, tokenizer, items, pad_id, seed))
    if cfg.samples:
        result.update(sampled_metrics(model, tokenizer, items, cfg.samples, cfg.max_new_tokens,
                                      stop_ids, seed))
    result["bpb"] = chat_bits_per_byte(model, tokenizer, items)
    result["samples"] = [{"id": r.id, "mode": r.mode, **reply}
                         for r, reply in list(zip(items, replies, strict=True))[:12]]
    return result


def evaluate_run_dir(run_dir: Path, records: list[ChatRecord], cfg: EvalConfig, seed: int,
                     write: bool = True) -> dict[str, Any]:
    """Evaluate the newest weights of a run (or Hugging Face) folder; write ``eval.json``."""
    from localmodel.export.source import build_torch_model, load_bundle
    from localmodel.posttrain.run import stop_ids_for
    from localmodel.tokenizer.train import load_tokenizer
    from specify.fsutil import atomic_write_text

    bundle = load_bundle(run_dir)
    model = build_torch_model(bundle)
    tokenizer = load_tokenizer(bundle.tokenizer_path)
    stops = stop_ids_for(tokenizer, bundle.config.eos_token_id)
    result = evaluate_model(model, tokenizer, records, cfg, stops, bundle.config.pad_token_id, seed)
    result = {"run": str(run_dir), **result}
    if write:
        atomic_write_text(run_dir / EVAL_FILE, json.dumps(result, indent=1) + "\n")
    logger.info("evaluated %s: template %.3f, reward %.3f", run_dir,
                result.get("template_rate", float("nan")), result.get("reward_mean", float("nan")))
    return result

