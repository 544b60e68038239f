"""Direct preference optimisation against a frozen reference: DPO (sigmoid) and APO-zero.

With the implicit rewards r_c = beta * (log pi(chosen) - log ref(chosen)) and
r_r = beta * (log pi(rejected) - log ref(rejected)), summed over completion tokens:

- sigmoid (Rafailov et al. 2023): loss = -log sigmoid(r_c - r_r)
- apo_zero (D'Oosterlinck et al. 2024, as in TRL): loss = (1 - sigmoid(r_c)) + sigmoid(r_r),
  which raises the chosen likelihood and lowers the rejected one in absolute terms.

The reference log-probabilities are computed once, before the first step, from the
starting weights and saved to ``reference_logps.pt`` so a resumed run uses the same ones.
Logged per step: loss, rewards of chosen and rejected, their margin and the accuracy
(share of pairs with r_c > r_r).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from localmodel.posttrain.pairs import Pair, tokenize_pair
from localmodel.posttrain.recipe import PostTrainRecipe
from localmodel.posttrain.rollout import completion_mask, token_logprobs
from localmodel.posttrain.trainer import batch_indices, chunk
from localmodel.train.distributed import DistInfo
from specify.errors import ConfigError

logger = logging.getLogger(__name__)

REFERENCE_FILE = "reference_logps.pt"


def sequence_logps(model: nn.Module, items: list[tuple[int, list[int]]], pad_id: int) -> torch.Tensor:
    """Return the summed completion log-probability of each (prompt length, ids) item, (N,)."""
    logps = token_logprobs(model, [ids for _, ids in items], pad_id)
    mask = completion_mask([p for p, _ in items], [len(ids) for _, ids in items],
                           logps.shape[1]).to(logps.device)
    return (logps * mask).sum(-1)


class DPOStage:
    def __init__(self, pairs: list[Pair], tokenizer, recipe: PostTrainRecipe, info: DistInfo,  # noqa: ANN001
                 pad_id: int, run_dir: Path, reference: nn.Module) -> None:
        limit = recipe.data.max_len
        tokenized = [tokenize_pair(p, tokenizer) for p in pairs]
        self.items = [t for t in tokenized if max(len(t[1]), len(t[2])) <= limit]
        if not self.items:
            raise ConfigError("No preference pair fits in max_len tokens.", "Raise [data] max_len.")
        logger.info("DPO: %d pairs (%d longer than %d tokens dropped)", len(self.items),
                    len(tokenized) - len(self.items), limit)
        self.recipe, self.info, self.pad_id = recipe, info, pad_id
        self.reference = self._reference_logps(run_dir / REFERENCE_FILE, reference)

    def _reference_logps(self, path: Path, reference: nn.Module) -> torch.Tensor:
        """Return (N, 2) reference log-probs of chosen and rejected, computed once per run."""
        if path.is_file():
            saved = torch.load(path, weights_only=True)
            if saved.shape[0] == len(self.items):
                return saved
        reference.eval()
        rows = []
        with torch.no_grad():
            for group in chunk(self.items, 16):
                chosen = sequence_logps(reference, [(p, c) for p, c, _ in group], self.pad_id)
                rejected = sequence_logps(reference, [(p, r) for p, _, r in group], self.pad_id)
                rows.append(torch.stack([chosen, rejected], dim=1).cpu())
        reference.train()
        table = torch.cat(rows)
        if self.info.is_main:
            from localmodel.train.checkpoint import _torch_bytes
            from specify.fsutil import atomic_write_bytes

            atomic_write_bytes(path, _torch_bytes(table))
        return table

    def micro_batches(self, step: int, model: nn.Module) -> list[list[int]]:
        cfg = self.recipe.train
        picked = batch_indices(step, cfg.global_batch, len(self.items), self.recipe.seed, self.info)
        return chunk(picked, cfg.micro_batch)

    def count(self, micro: list[int]) -> int:
        return len(micro)

    def loss(self, model: nn.Module, micro: list[int]) -> tuple[torch.Tensor, dict[str, Any]]:
        items = [self.items[i] for i in micro]
        both = [(p, c) for p, c, _ in items] + [(p, r) for p, _, r in items]
        logps = sequence_logps(model, both, self.pad_id)
        n = len(items)
        ref = self.reference[micro].to(logps.device)
        beta = self.recipe.dpo.beta
        chosen = beta * (logps[:n] - ref[:, 0])
        rejected = beta * (logps[n:] - ref[:, 1])
        losses = preference_loss(chosen, rejected, self.recipe.dpo.loss)
        return losses.sum(), {
            "loss_sum": losses.sum().item(), "loss_n": n,
            "reward_chosen_sum": chosen.sum().item(), "reward_chosen_n": n,
            "reward_rejected_sum": rejected.sum().item(), "reward_rejected_n": n,
            "margin_sum": (chosen - rejected).sum().item(), "margin_n": n,
            "accuracy_sum": (chosen > rejected).float().sum().item(), "accuracy_n": n,
        }


def preference_loss(chosen: torch.Tensor, rejected: torch.Tensor, kind: str) -> torch.Tensor:
    """Return the per-pair loss from implicit rewards (N,) of chosen and rejected replies."""
    if kind == "sigmoid":
        return -F.logsigmoid(chosen - rejected)
    if kind == "apo_zero":
        return (1 - torch.sigmoid(chosen)) + torch.sigmoid(rejected)
    raise ValueError(f"unknown preference loss {kind!r}")
