"""Supervised fine-tuning on chat records: loss on assistant tokens only, best-fit packed rows.

Each packed row carries a document id per token, so positions restart and attention stays
inside each conversation, exactly as at inference where every chat starts alone. The loss
is the mean cross-entropy over all trained tokens of the step (token-level, so a long
reply weighs more than a short one).
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from localmodel.data.loader import IGNORE_INDEX
from localmodel.data.synthetic.records import ChatRecord
from localmodel.posttrain.chatdata import PackedRow, collate, encode_record, pack_best_fit
from localmodel.posttrain.recipe import PostTrainRecipe
from localmodel.posttrain.trainer import batch_indices, chunk
from localmodel.train.distributed import DistInfo
from specify.errors import ConfigError

logger = logging.getLogger(__name__)


class SFTStage:
    def __init__(self, records: list[ChatRecord], tokenizer, recipe: PostTrainRecipe,  # noqa: ANN001
                 info: DistInfo, pad_id: int) -> None:
        sequences = [encode_record(r, tokenizer).shifted() for r in records]
        self.rows, dropped = pack_best_fit(sequences, recipe.data.max_len)
        if dropped:
            logger.warning("dropped %d of %d conversations longer than max_len %d tokens",
                           dropped, len(sequences), recipe.data.max_len)
        if not self.rows:
            raise ConfigError("No conversation fits in max_len tokens.", "Raise [data] max_len.")
        self.recipe, self.info, self.pad_id = recipe, info, pad_id
        logger.info("SFT: %d conversations packed into %d rows of up to %d tokens",
                    len(sequences) - dropped, len(self.rows), recipe.data.max_len)

    def micro_batches(self, step: int, model: nn.Module) -> list[list[PackedRow]]:
        cfg = self.recipe.train
        picked = batch_indices(step, cfg.global_batch, len(self.rows), self.recipe.seed, self.info)
        return chunk([self.rows[i] for i in picked], cfg.micro_batch)

    def count(self, micro: list[PackedRow]) -> int:
        return sum(1 for row in micro for label in row.labels if label != IGNORE_INDEX)

    def loss(self, model: nn.Module, micro: list[PackedRow]) -> tuple[torch.Tensor, dict[str, Any]]:
        device = next(model.parameters()).device
        inputs, labels, doc_ids = (t.to(device) for t in collate(micro, self.pad_id))
        logits = model(inputs, doc_ids=doc_ids)
        nll = F.cross_entropy(logits.float().flatten(0, 1), labels.flatten(),
                              ignore_index=IGNORE_INDEX, reduction="sum")
        n = float(self.count(micro))
        return nll, {"loss_sum": nll.item(), "loss_n": n, "tokens": n}
