"""Find training documents in local folders, JSONL or Parquet files, with exact deduplication.

Nothing is downloaded. The default corpus is what every machine with Python has: the
standard library's source (docstrings included, its ``test`` package excluded) and this
package's own templates and skills.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from specify.errors import ConfigError

TEXT_SUFFIXES = (".py", ".md", ".txt", ".rst", ".toml", ".json", ".yaml", ".yml", ".j2", ".html")
MAX_DOC_BYTES = 1_000_000  # larger files are usually data, not prose or code


@dataclass(frozen=True)
class Document:
    text: str
    source: str  # name of the SourceSpec it came from
    lang: str  # language label used by the tokenizer report, for example "python" or "en"


@dataclass(frozen=True)
class SourceSpec:
    """One corpus source: a folder, a ``.jsonl`` file or a ``.parquet`` file."""

    name: str
    path: Path
    lang: str = "und"
    suffixes: tuple[str, ...] = TEXT_SUFFIXES
    exclude_dirs: tuple[str, ...] = ()  # folder names skipped anywhere under ``path``
    text_field: str = "text"  # JSONL and Parquet column holding the document


@dataclass
class DedupStats:
    seen: int = 0
    duplicates: int = 0
    per_source: dict[str, int] = field(default_factory=dict)


def default_sources() -> list[SourceSpec]:
    """Return the built-in corpus: the Python standard library plus bundled templates and skills."""
    from specify.resources import skills_dir, templates_dir

    stdlib = Path(os.path.dirname(os.__file__))
    return [
        SourceSpec("stdlib", stdlib, "python", (".py",),
                   ("test", "tests", "site-packages", "idlelib", "__pycache__")),
        SourceSpec("templates", templates_dir(), "en"),
        SourceSpec("skills", skills_dir(), "en"),
    ]


def iter_source(spec: SourceSpec) -> Iterator[Document]:
    """Yield the documents of one source in a stable order."""
    path = spec.path
    if not path.exists():
        raise ConfigError(f"Corpus source '{spec.name}' points at {path}, which does not exist.",
                          "Fix the path in the recipe or data command.")
    if path.is_dir():
        yield from _iter_folder(spec)
    elif path.suffix == ".jsonl":
        yield from _iter_jsonl(spec)
    elif path.suffix == ".parquet":
        yield from _iter_parquet(spec)
    else:
        raise ConfigError(f"Corpus source {path} is not a folder, .jsonl or .parquet file.")


def iter_corpus(sources: list[SourceSpec], stats: DedupStats | None = None) -> Iterator[Document]:
    """Yield documents of all sources, dropping exact duplicates (after stripping whitespace)."""
    stats = stats if stats is not None else DedupStats()
    seen: set[bytes] = set()
    for spec in sources:
        for doc in iter_source(spec):
            stats.seen += 1
            digest = hashlib.sha256(doc.text.strip().encode("utf-8")).digest()
            if digest in seen:
                stats.duplicates += 1
                continue
            seen.add(digest)
            stats.per_source[doc.source] = stats.per_source.get(doc.source, 0) + 1
            yield doc


def is_validation(doc: Document, fraction: float) -> bool:
    """Assign a document to the held-out split by a hash of its text, so splits are stable."""
    digest = hashlib.blake2b(doc.text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def _iter_folder(spec: SourceSpec) -> Iterator[Document]:
    for root, dirs, files in os.walk(spec.path):
        dirs[:] = sorted(d for d in dirs if d not in spec.exclude_dirs and not d.startswith("."))
        for name in sorted(files):
            file = Path(root) / name
            if file.suffix not in spec.suffixes or file.stat().st_size > MAX_DOC_BYTES:
                continue
            try:
                text = file.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue  # binary or unreadable files are not documents
            yield Document(text, spec.name, spec.lang)


def _iter_jsonl(spec: SourceSpec) -> Iterator[Document]:
    with spec.path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{spec.path}:{number} is not valid JSON ({exc.msg}).") from exc
            text = record.get(spec.text_field) if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise ConfigError(f"{spec.path}:{number} has no string field '{spec.text_field}'.",
                                  "Set text_field for this source.")
            yield Document(text, spec.name, str(record.get("lang", spec.lang)))


def _iter_parquet(spec: SourceSpec) -> Iterator[Document]:
    import pyarrow.parquet as pq  # ~0.2 s

    table = pq.ParquetFile(spec.path)
    if spec.text_field not in table.schema_arrow.names:
        raise ConfigError(f"{spec.path} has no column '{spec.text_field}'.",
                          f"Columns: {', '.join(table.schema_arrow.names)}.")
    for batch in table.iter_batches(columns=[spec.text_field]):
        for text in batch.column(0).to_pylist():
            if isinstance(text, str):
                yield Document(text, spec.name, spec.lang)
