"""Generate every task family in think and no-think form and write train and held-out JSONL.

Each task is drawn from ``random.Random((seed, family, number))``-style seeds, so one family's
output does not change when another family's count does. Both forms of one task land in
the same split, chosen by a hash of the user prompt, so held-out prompts are never trained
on in either mode. ``traces.jsonl`` contains the think-form training records rendered with
the chat template as plain text (``{"text": ...}``), the mid-training corpus.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from localmodel.data.synthetic import arithmetic, code, jsontasks, specdriven, tools
from localmodel.data.synthetic.forms import MODES, Solved, to_records
from localmodel.data.synthetic.records import THINK, ChatRecord, write_records
from specify.errors import ConfigError

logger = logging.getLogger(__name__)

GENERATORS: dict[str, Callable[[random.Random, int], Solved | None]] = {
    "arithmetic": arithmetic.expression,
    "word_problem": arithmetic.word_problem,
    "json": jsontasks.json_task,
    "code": code.code_task,
    "tool_call": tools.tool_task,
    "spec": specdriven.spec_task,
}
TRAIN_FILE, HELDOUT_FILE, TRACES_FILE, MANIFEST_FILE = (
    "train.jsonl", "heldout.jsonl", "traces.jsonl", "manifest.json")


@dataclass(frozen=True)
class SynthConfig:
    counts: dict[str, int] = field(default_factory=lambda: {name: 200 for name in GENERATORS})
    difficulties: tuple[int, ...] = (1, 2, 3)
    heldout_fraction: float = 0.1
    modes: tuple[str, ...] = MODES
    seed: int = 0


def is_heldout(user: str, fraction: float) -> bool:
    digest = hashlib.blake2b(user.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def generate_family(name: str, count: int, config: SynthConfig) -> list[list[ChatRecord]]:
    """Return ``count`` distinct tasks of family ``name``, each as its list of mode records."""
    if name not in GENERATORS:
        raise ConfigError(f"Unknown task family '{name}'.", f"Choose from: {', '.join(GENERATORS)}.")
    tasks, seen, attempt = [], set(), 0
    while len(tasks) < count and attempt < count * 20:
        rng = random.Random(f"{config.seed}:{name}:{attempt}")
        difficulty = config.difficulties[attempt % len(config.difficulties)]
        attempt += 1
        solved = GENERATORS[name](rng, difficulty)
        if solved is None or solved.user in seen:
            continue  # an invalid draw or a repeated prompt
        seen.add(solved.user)
        tasks.append(to_records(solved, len(tasks), config.modes))
    return tasks


def generate(out: Path, config: SynthConfig) -> dict[str, Any]:
    """Write train, held-out, traces and manifest files into ``out``; return the manifest."""
    from localmodel.posttrain.chatdata import render_chat

    if (out / TRAIN_FILE).exists():
        raise ConfigError(f"{out / TRAIN_FILE} already exists.", "Choose a new --out folder.")
    train: list[ChatRecord] = []
    heldout: list[ChatRecord] = []
    for name, count in config.counts.items():
        for task in generate_family(name, count, config):
            user = task[0].messages[1]["content"]
            (heldout if is_heldout(user, config.heldout_fraction) else train).extend(task)
    random.Random(config.seed).shuffle(train)
    write_records(out / TRAIN_FILE, train)
    write_records(out / HELDOUT_FILE, heldout)
    traces = [json.dumps({"text": render_chat(r.messages, r.tools)}) for r in train
              if r.mode == THINK]
    from specify.fsutil import atomic_write_text

    atomic_write_text(out / TRACES_FILE, "".join(line + "\n" for line in traces))
    manifest = {"config": asdict(config), "train": _counts(train), "heldout": _counts(heldout),
                "files": {"train": TRAIN_FILE, "heldout": HELDOUT_FILE, "traces": TRACES_FILE}}
    atomic_write_text(out / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    logger.info("wrote %d train and %d held-out records to %s", len(train), len(heldout), out)
    return manifest


def _counts(records: list[ChatRecord]) -> dict[str, int]:
    return dict(sorted(Counter(f"{r.family}/{r.mode}" for r in records).items()))
