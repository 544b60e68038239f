"""Decode tasks.md bytes and encode them back exactly as they were.

A UTF-8 file may start with a byte order mark. UTF-16 files are detected from their BOM or,
without one, from the NUL bytes every ASCII character carries; they are decoded and written
back in UTF-16. Any other bytes that are not valid UTF-8 raise an error naming the offset.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from specify.errors import ArtifactError

LINE_BREAK = re.compile(r"\r\n|\r|\n")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Decoded:
    """Text of a file plus what is needed to turn it back into the same bytes."""

    text: str
    encoding: str
    bom: bool


def _guess_utf16(data: bytes) -> str | None:
    """Return the UTF-16 byte order of BOM-less ``data`` when its NUL pattern shows one."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
        return "utf-16-le"
    if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, path: Path | None = None) -> Decoded:
    """Decode ``data``; raise ArtifactError with the byte offset of the first invalid byte."""
    name = str(path) if path is not None else "tasks.md"
    encoding, bom, skip = "utf-8", False, 0
    for mark, codec in _BOMS:
        if data.startswith(mark):
            encoding, bom, skip = codec, True, len(mark)
            break
    else:
        encoding = _guess_utf16(data) or "utf-8"

    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        bad = data[offset : offset + 1].hex()
        raise ArtifactError(
            f"{name} is not valid {encoding.upper()}: byte 0x{bad} at byte offset {offset} ({exc.reason}).",
            "Re-save the file as UTF-8.",
        ) from exc
    return Decoded(text, encoding, bom)


def encode_text(text: str, encoding: str, bom: bool) -> bytes:
    """Encode ``text`` back to bytes in the file's original encoding and BOM."""
    prefix = b""
    if bom:
        prefix = dict((codec, mark) for mark, codec in _BOMS)[encoding]
    return prefix + text.encode(encoding)


def newline_style(text: str) -> str:
    """Return ``"\\n"``, ``"\\r\\n"`` or ``"\\r"`` when one style is used, else ``"mixed"``."""
    kinds = {match.group() for match in LINE_BREAK.finditer(text)}
    if not kinds:
        return "\n"
    if len(kinds) == 1:
        return kinds.pop()
    return "mixed"


def split_lines(text: str) -> list[tuple[int, str]]:
    """Split on LF, CRLF and lone CR; return (offset of the line in ``text``, line without its end).

    ``str.splitlines`` is not used because it also breaks on form feeds, U+2028 and other
    characters that Markdown treats as ordinary text.
    """
    lines = []
    start = 0
    for match in LINE_BREAK.finditer(text):
        lines.append((start, text[start : match.start()]))
        start = match.end()
    if start < len(text):
        lines.append((start, text[start:]))
    return lines
