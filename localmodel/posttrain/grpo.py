"""GRPO with verifier rewards: groups of samples per prompt and group-relative advantages.

Per step each prompt gets ``group_size`` completions from the current policy. A completion's
reward is the verifier's score (0 or 1) plus two penalties:

- soft overlong penalty (DAPO): 0 up to ``limit - buffer`` tokens, falling linearly to -1
  at ``limit`` and -1 beyond. The limit is ``no_think_max_tokens`` for no-think prompts and
  ``max_new_tokens`` otherwise, so a no-think request answered at length is penalised;
- ``think_in_no_think_penalty`` when a no-think completion opens a ``<think>`` block.

With ``require_template`` the verifier's score counts only for a reply that follows the
chat template for its mode (a think reply opens and closes one think block first), so the
policy cannot drop the reasoning it was asked for.

The advantage of completion i in its group is (r_i - mean) / (std + 1e-4). The loss is
token-level (DAPO): -A_i * ratio_t summed over every completion token of the step and
divided by their count, so long completions do not get a smaller per-token weight. Each
batch is used for one update, so the ratio pi / pi_old is 1 in value and carries the policy
gradient. With ``kl_coef`` > 0 the k3 estimate exp(ref - logp) - (ref - logp) - 1 of the
KL to the starting weights is added per token. Completion lengths per mode are logged, so
reward hacking through ever longer answers shows in ``metrics.jsonl``.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from localmodel.data.synthetic.records import NO_THINK, ChatRecord
from localmodel.data.synthetic.verify import follows_template, verify
from localmodel.posttrain.chatdata import encode_prompt
from localmodel.posttrain.recipe import GRPOConfig, PostTrainRecipe
from localmodel.posttrain.rollout import completion_mask, sample_group, token_logprobs
from localmodel.posttrain.trainer import batch_indices, chunk
from localmodel.train.distributed import DistInfo
from specify.errors import ConfigError

logger = logging.getLogger(__name__)

THINK_TAG = "<think>"


@dataclass(frozen=True)
class Sample:
    prompt_len: int
    ids: list[int]  # prompt and completion
    advantage: float
    mode: str


def overlong_penalty(length: int, limit: int, buffer: int) -> float:
    """Return 0 up to ``limit - buffer`` tokens, then fall linearly to -1 at ``limit``."""
    if length <= limit - buffer:
        return 0.0
    if length >= limit:
        return -1.0
    return -(length - (limit - buffer)) / buffer


def completion_reward(record: ChatRecord, text: str, length: int, cfg: GRPOConfig,
                      stopped: bool = True) -> dict[str, float]:
    """Return the verifier score, the penalties and their sum for one completion."""
    verdict = verify(record, text)
    correct = verdict.reward if verdict else 0.0
    if cfg.require_template and not follows_template(text, record.mode, stopped):
        correct = 0.0
    limit = cfg.no_think_max_tokens if record.mode == NO_THINK else cfg.max_new_tokens
    overlong = overlong_penalty(length, limit, cfg.overlong_buffer)
    thought = record.mode == NO_THINK and THINK_TAG in text
    think_penalty = -cfg.think_in_no_think_penalty if thought else 0.0
    return {"correct": correct, "overlong": overlong, "think_penalty": think_penalty,
            "reward": correct + overlong + think_penalty}


def group_advantages(rewards: list[float]) -> list[float]:
    mean = statistics.fmean(rewards)
    std = statistics.pstdev(rewards)
    return [(r - mean) / (std + 1e-4) for r in rewards]


class GRPOStage:
    def __init__(self, records: list[ChatRecord], tokenizer, recipe: PostTrainRecipe,  # noqa: ANN001
                 info: DistInfo, pad_id: int, stop_ids: set[int],
                 reference: nn.Module | None) -> None:
        self.records = [r for r in records if r.verifier]
        if not self.records:
            raise ConfigError("GRPO needs records with a verifier; none were found.",
                              "Use generated data (specify model data synth) or add 'verifier'.")
        self.prompts = [encode_prompt(r, tokenizer) for r in self.records]
        self.tokenizer, self.recipe, self.info = tokenizer, recipe, info
        self.pad_id, self.stop_ids, self.reference = pad_id, stop_ids, reference
        self.stats: dict[str, float] = {}

    def micro_batches(self, step: int, model: nn.Module) -> list[list[Sample]]:
        cfg = self.recipe.train
        picked = batch_indices(step, cfg.global_batch, len(self.records), self.recipe.seed, self.info)
        samples: list[Sample] = []
        rollouts: list[dict[str, Any]] = []
        for number, index in enumerate(picked):
            generator = torch.Generator().manual_seed(
                hash((self.recipe.seed, step, self.info.rank, number)) % 2**31)
            group, scored = self._group(model, index, generator)
            samples.extend(group)
            rollouts.extend(scored)
        self.stats = rollout_stats(rollouts)
        per_micro = max(1, len(samples) * cfg.micro_batch // max(1, len(picked)))
        return chunk(samples, per_micro)

    def _group(self, model: nn.Module, index: int,
               generator: torch.Generator) -> tuple[list[Sample], list[dict[str, Any]]]:
        g = self.recipe.grpo
        record, prompt = self.records[index], self.prompts[index]
        completions = sample_group(model, prompt, g.group_size, g.max_new_tokens, self.stop_ids,
                                   g.temperature, g.top_p, generator)
        scored = []
        for completion in completions:
            body = [t for t in completion.ids if t not in self.stop_ids]
            text = self.tokenizer.decode(body, skip_special_tokens=False)
            reward = completion_reward(record, text, len(completion.ids), g, completion.stopped)
            scored.append({**reward,
                           "length": len(completion.ids), "mode": record.mode,
                           "stopped": completion.stopped})
        advantages = group_advantages([s["reward"] for s in scored])
        samples = [Sample(len(prompt), prompt + c.ids, a, record.mode)
                   for c, a in zip(completions, advantages, strict=True)]
        return samples, scored

    def count(self, micro: list[Sample]) -> int:
        return sum(len(s.ids) - s.prompt_len for s in micro)

    def loss(self, model: nn.Module, micro: list[Sample]) -> tuple[torch.Tensor, dict[str, Any]]:
        logps = token_logprobs(model, [s.ids for s in micro], self.pad_id)  # (N, T-1)
        mask = completion_mask([s.prompt_len for s in micro], [len(s.ids) for s in micro],
                               logps.shape[1]).to(logps.device)
        advantages = torch.tensor([s.advantage for s in micro], device=logps.device)[:, None]
        ratio = torch.exp(logps - logps.detach())
        per_token = -advantages * ratio
        metrics: dict[str, Any] = {}
        if self.recipe.grpo.kl_coef > 0 and self.reference is not None:
            with torch.no_grad():
                ref = token_logprobs(self.reference, [s.ids for s in micro], self.pad_id)
            delta = ref - logps
            kl = torch.exp(delta) - delta - 1
            per_token = per_token + self.recipe.grpo.kl_coef * kl
            metrics.update(kl_sum=(kl * mask).sum().item(), kl_n=mask.sum().item())
        total = (per_token * mask).sum()
        metrics.update(loss_sum=total.item(), loss_n=mask.sum().item())
        return total, metrics

    def step_stats(self) -> dict[str, float]:
        return self.stats


def rollout_stats(rollouts: list[dict[str, Any]]) -> dict[str, float]:
    """Return reward and completion-length statistics of one step's rollouts, per mode."""
    out: dict[str, float] = {}
    if not rollouts:
        return out
    for key in ("reward", "correct", "overlong", "think_penalty"):
        out[key] = statistics.fmean(r[key] for r in rollouts)
    out["stopped"] = statistics.fmean(float(r["stopped"]) for r in rollouts)
    for mode in sorted({r["mode"] for r in rollouts}):
        lengths = [r["length"] for r in rollouts if r["mode"] == mode]
        out[f"length_{mode}_mean"] = statistics.fmean(lengths)
        out[f"length_{mode}_max"] = float(max(lengths))
    return out
