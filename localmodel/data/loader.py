"""A resumable, rank-sharded loader over tokenised shards with a staged mixture.

Each row of a batch comes from one source, drawn with the active stage's weights from a
generator seeded by (seed, rank, draw number), so ranks draw differently and a resumed run
draws the same rows. Within a source, rank r reads sequences r, r + W, r + 2W, ... of each
shard. The position of every source (shard, offset, epoch) is part of ``state_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localmodel.data.mixture import Mixture
from localmodel.data.shards import load_index
from specify.errors import ConfigError

IGNORE_INDEX = -100


@dataclass
class Cursor:
    shard: int = 0
    offset: int = 0  # row index inside the shard for this rank
    epoch: int = 0


class ShardLoader:
    def __init__(self, data_dir: Path, mixture: Mixture, micro_batch: int, seq_len: int,
                 rank: int = 0, world: int = 1, seed: int = 0, bos_id: int = 0) -> None:
        self.index = load_index(data_dir)
        if self.index["seq_len"] != seq_len:
            raise ConfigError(
                f"Dataset {data_dir} was built with sequences of {self.index['seq_len']} tokens, "
                f"but the recipe asks for {seq_len}.",
                "Rebuild the data with --seq-len matching the recipe, or change the recipe.")
        mixture.check_sources(set(self.index["sources"]), str(data_dir))
        self.data_dir, self.mixture = data_dir, mixture
        self.micro_batch, self.seq_len = micro_batch, seq_len
        self.rank, self.world, self.seed, self.bos_id = rank, world, seed, bos_id
        self.cursors = {name: Cursor(offset=rank) for name in self.index["sources"]}
        self.draws = 0
        self._arrays: dict[str, Any] = {}

    def state_dict(self) -> dict[str, Any]:
        return {"draws": self.draws, "rank": self.rank, "world": self.world,
                "cursors": {k: vars(c).copy() for k, c in self.cursors.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("world") != self.world:
            raise ConfigError(f"The checkpoint's loader state is for {state.get('world')} "
                              f"processes, but this run has {self.world}.",
                              "Resume with the same number of processes.")
        self.draws = int(state["draws"])
        self.cursors = {k: Cursor(**v) for k, v in state["cursors"].items()}

    def next_batch(self, step: int):  # noqa: ANN201 - (inputs, labels, doc_ids) tensors
        """Return inputs and labels (B, T) and document ids (B, T) for optimizer step ``step``."""
        import numpy as np
        import torch

        probs = self.mixture.stage_at(step).probabilities()
        names, weights = list(probs), np.array(list(probs.values()))
        rows = []
        for _ in range(self.micro_batch):
            rng = np.random.default_rng([self.seed, self.rank, self.draws])
            self.draws += 1
            rows.append(self._take(names[int(rng.choice(len(names), p=weights))]))
        batch = torch.from_numpy(np.stack(rows).astype(np.int64))  # (B, T + 1)
        inputs, labels = batch[:, :-1], batch[:, 1:].clone()
        doc_ids = torch.cumsum(inputs == self.bos_id, dim=1)
        # A document's first token cannot be predicted from inside the previous one.
        labels[labels == self.bos_id] = IGNORE_INDEX
        return inputs, labels, doc_ids

    def _take(self, source: str):  # noqa: ANN202
        shards = self.index["sources"][source]["shards"]
        if not shards:
            raise ConfigError(f"Source '{source}' has no full sequence to train on.",
                              "Give it weight 0 or add documents.")
        cursor = self.cursors[source]
        while cursor.offset >= shards[cursor.shard]["sequences"]:
            cursor.offset -= shards[cursor.shard]["sequences"]
            cursor.shard += 1
            if cursor.shard == len(shards):
                cursor.shard, cursor.epoch = 0, cursor.epoch + 1
        row = self._array(shards[cursor.shard]["file"])[cursor.offset]
        cursor.offset += self.world
        return row

    def _array(self, file: str):  # noqa: ANN202
        import numpy as np

        if file not in self._arrays:
            self._arrays[file] = np.load(self.data_dir / file, mmap_mode="r")
        return self._arrays[file]


def validation_windows(data_dir: Path, seq_len: int, max_windows: int):  # noqa: ANN201
    """Return held-out (inputs, labels) windows of ``seq_len`` tokens, at most ``max_windows``."""
    import numpy as np
    import torch

    index = load_index(data_dir)
    stream = np.load(data_dir / index["val"]["file"]).astype(np.int64)
    n = min(max_windows, max(0, (stream.size - 1) // seq_len))
    if n == 0:
        raise ConfigError(f"The held-out split of {data_dir} is shorter than one sequence.",
                          "Build the data with a larger --val-fraction.")
    rows = np.stack([stream[i * seq_len: i * seq_len + seq_len + 1] for i in range(n)])
    batch = torch.from_numpy(rows)
    return batch[:, :-1], batch[:, 1:]
