"""Tokenizer compression report: bytes per token, fertility and continued-word share.

Fertility is tokens per whitespace-separated word; the continued-word share is the fraction
of words split into two or more tokens. Both are reported per source and per language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from localmodel.data.corpus import Document


@cache
def byte_decoder() -> dict[str, int]:
    """Map GPT-2's byte-level characters back to byte values (the ByteLevel alphabet)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


@dataclass
class Counts:
    bytes: int = 0
    tokens: int = 0
    words: int = 0
    word_tokens: int = 0
    split_words: int = 0

    def row(self) -> dict[str, float]:
        return {
            "bytes_per_token": self.bytes / max(1, self.tokens),
            "fertility": self.word_tokens / max(1, self.words),
            "continued_word_share": self.split_words / max(1, self.words),
            "tokens": self.tokens,
            "words": self.words,
        }


def tokenizer_report(tokenizer, docs: Iterable[Document],  # noqa: ANN001
                     max_words: int = 20000) -> dict:
    """Return report rows keyed ``by_source`` and ``by_lang``, plus an ``overall`` row.

    Words are counted on at most ``max_words`` words per group to bound the time.
    """
    by_source: dict[str, Counts] = {}
    by_lang: dict[str, Counts] = {}
    overall = Counts()
    for doc in docs:
        ids = tokenizer.encode(doc.text, add_special_tokens=False).ids
        groups = [by_source.setdefault(doc.source, Counts()),
                  by_lang.setdefault(doc.lang, Counts()), overall]
        words = doc.text.split()
        budget = max_words - groups[0].words
        pieces = _word_token_counts(tokenizer, words[:max(0, budget)])
        for counts in groups:
            counts.bytes += len(doc.text.encode("utf-8"))
            counts.tokens += len(ids)
            counts.words += len(pieces)
            counts.word_tokens += sum(pieces)
            counts.split_words += sum(1 for p in pieces if p > 1)
    return {
        "overall": overall.row(),
        "by_source": {k: v.row() for k, v in sorted(by_source.items())},
        "by_lang": {k: v.row() for k, v in sorted(by_lang.items())},
    }


def _word_token_counts(tokenizer, words: list[str]) -> list[int]:  # noqa: ANN001
    # A word is encoded with its leading space, as it appears inside running text.
    if not words:
        return []
    encodings = tokenizer.encode_batch([" " + w for w in words], add_special_tokens=False)
    return [len(e.ids) for e in encodings]


def format_report(report: dict) -> str:
    lines = [f"{'group':<24} {'bytes/token':>11} {'fertility':>9} {'continued':>9} {'tokens':>9}"]
    rows = [("overall", report["overall"])]
    rows += [(f"source:{k}", v) for k, v in report["by_source"].items()]
    rows += [(f"lang:{k}", v) for k, v in report["by_lang"].items()]
    for name, row in rows:
        lines.append(f"{name:<24} {row['bytes_per_token']:>11.2f} {row['fertility']:>9.2f} "
                     f"{row['continued_word_share']:>9.2f} {row['tokens']:>9}")
    return "\n".join(lines)
