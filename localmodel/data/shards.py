"""Tokenise a corpus into shuffled fixed-length sequence shards with a JSON index.

Each source's documents are tokenised as ``BOS text EOS`` and concatenated, so packing is
implicit. The stream is cut into sequences of ``seq_len + 1`` tokens (inputs plus the next
token), shuffled once at build time with a fixed seed, and written as ``.npy`` shards of
shape (n_seq, seq_len + 1). Held-out documents go to one unshuffled ``val.npy`` stream.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from localmodel.data.corpus import DedupStats, Document, SourceSpec, is_validation, iter_corpus
from specify.errors import ArtifactError, ConfigError
from specify.fsutil import atomic_write_bytes, atomic_write_text, sha256_file

logger = logging.getLogger(__name__)

INDEX_FILE = "index.json"
VAL_FILE = "val.npy"


@dataclass(frozen=True)
class BuildOptions:
    seq_len: int = 256
    val_fraction: float = 0.02
    seed: int = 1234
    shard_sequences: int = 4096  # sequences per shard file
    max_docs_per_source: int | None = None


def build_dataset(
    sources: list[SourceSpec], tokenizer_path: Path, out: Path, options: BuildOptions
) -> dict:
    """Tokenise ``sources`` into shards under ``out`` and return the written index."""
    import numpy as np

    from localmodel.tokenizer.train import EOS_TOKEN, load_tokenizer

    if (out / INDEX_FILE).exists():
        raise ArtifactError(f"Dataset {out} already exists.", "Choose another --out or delete it.")
    tok = load_tokenizer(tokenizer_path)
    eos = tok.token_to_id(EOS_TOKEN)
    dtype = np.uint16 if tok.get_vocab_size() <= 65535 else np.uint32
    stats = DedupStats()
    by_source: dict[str, list[Document]] = {}
    val_docs: list[Document] = []
    for doc in iter_corpus(sources, stats):
        docs = by_source.setdefault(doc.source, [])
        if options.max_docs_per_source and len(docs) >= options.max_docs_per_source:
            continue
        (val_docs if is_validation(doc, options.val_fraction) else docs).append(doc)

    index: dict = {
        "seq_len": options.seq_len, "dtype": np.dtype(dtype).name, "seed": options.seed,
        "tokenizer_sha256": sha256_file(tokenizer_path), "vocab_size": tok.get_vocab_size(),
        "dedup": {"documents": stats.seen, "duplicates": stats.duplicates}, "sources": {},
    }
    rng = np.random.default_rng(options.seed)
    for name, docs in by_source.items():
        stream = _tokenise(tok, docs, eos, dtype)
        index["sources"][name] = _write_source(out, name, stream, options, rng)
        logger.info("source %s: %d documents, %d tokens", name, len(docs), stream.size)
    if not index["sources"] or not any(s["sequences"] for s in index["sources"].values()):
        raise ConfigError("The corpus produced no full training sequence.",
                          "Add documents or lower the sequence length.")

    val = _tokenise(tok, val_docs, eos, dtype)
    atomic_write_bytes(out / VAL_FILE, _npy_bytes(val))
    index["val"] = {"file": VAL_FILE, "tokens": int(val.size), "documents": len(val_docs),
                    "bytes": sum(len(d.text.encode("utf-8")) for d in val_docs)}
    atomic_write_text(out / INDEX_FILE, json.dumps(index, indent=2) + "\n")
    return index


def load_index(data_dir: Path) -> dict:
    path = data_dir / INDEX_FILE
    if not path.is_file():
        raise ArtifactError(f"Dataset index {path} does not exist.",
                            "Build the dataset with: specify model data build --out DIR")
    return json.loads(path.read_text(encoding="utf-8"))


def _tokenise(tok, docs: list[Document], eos: int, dtype):  # noqa: ANN001, ANN202
    import numpy as np

    parts = []
    for start in range(0, len(docs), 256):
        batch = tok.encode_batch([d.text for d in docs[start:start + 256]])
        parts.extend(np.asarray(e.ids + [eos], dtype=dtype) for e in batch)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _write_source(out: Path, name: str, stream, options: BuildOptions, rng) -> dict:  # noqa: ANN001
    """Cut ``stream`` into shuffled sequences and write them as shards."""
    length = options.seq_len
    n_seq = max(0, (stream.size - 1) // length)
    # Sequence i covers tokens [i*L, i*L + L]: its last token is the next sequence's first.
    starts = rng.permutation(n_seq) * length
    shards = []
    for k, first in enumerate(range(0, n_seq, options.shard_sequences)):
        chunk = starts[first:first + options.shard_sequences]
        rows = stream[chunk[:, None] + _arange(length + 1)]
        file = f"{name}/train-{k:05d}.npy"
        (out / name).mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out / file, _npy_bytes(rows))
        shards.append({"file": file, "sequences": int(rows.shape[0])})
    return {"tokens": int(stream.size), "sequences": n_seq, "shards": shards}


def _arange(n: int):  # noqa: ANN202
    import numpy as np

    return np.arange(n)


def _npy_bytes(array) -> bytes:  # noqa: ANN001
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()
