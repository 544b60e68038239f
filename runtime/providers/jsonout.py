"""Tolerant extraction of a JSON value from a model's text reply.

Native structured output (a grammar, ``json_schema``, a forced tool) is preferred; this module
handles the replies that still arrive as text. Each kind of damage is a class with one rule:

- a Markdown code fence around the JSON: the fenced value is used;
- prose before or after the JSON, or a ``<think>`` block: the first complete value is used;
- two or more values back to back: the first is used and a warning is logged;
- a syntax error inside a complete value (a trailing comma, a single quote): rejected with the
  decoder's message, so the caller can retry with it; nothing is repaired by guesswork;
- raw control characters (a literal newline or tab) inside strings: accepted, as Python's
  non-strict decoder reads them;
- a value cut off by the output limit: :class:`TruncatedOutputError` when the stop reason says
  so, otherwise an incomplete value is rejected as invalid, never called truncated.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from runtime.providers.errors import InvalidOutputError, TruncatedOutputError

logger = logging.getLogger(__name__)

_FENCE = re.compile(r"^[ \t]*(```|~~~)[ \t]*([\w+-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_THINK = re.compile(r"<think>.*?</think>", re.S)
_TRAILING_COMMA = re.compile(r",\s*[}\]]")


@dataclass(frozen=True)
class Extraction:
    """A JSON value found in a reply: where it was and how many values followed it."""

    value: Any
    start: int
    end: int
    source: str  # "whole", "fence" or "embedded"
    extra_values: int = 0


@dataclass(frozen=True)
class _Failure:
    start: int
    complete: bool  # False when the reply ends inside the value
    error: str


def parse_reply(text: str, *, stop_reason: str = "end", openers: str = "{[") -> Extraction:
    """Extract the JSON value of a structured reply, raising a provider error if there is none.

    A ``stop_reason`` of ``"max_tokens"`` means the reply was cut off, so it raises
    :class:`TruncatedOutputError` before any parsing.
    """
    if stop_reason == "max_tokens":
        raise TruncatedOutputError(
            f"The model reply was truncated at the output token limit after {len(text)} characters.",
            "Raise the output limit (--max-tokens) or ask for a smaller artifact.",
            raw=text,
        )
    found = extract_json(text, openers=openers)
    if found.extra_values:
        logger.warning(
            "The model reply contains %d more JSON value(s) after the first; using the first.",
            found.extra_values,
        )
    return found


def extract_json(text: str, *, openers: str = "{[") -> Extraction:
    """Find the first complete JSON value that starts with one of ``openers`` in ``text``.

    Pass ``openers="{"`` when an object is expected, so a bracketed aside in prose ("[1]") is
    not taken for the answer. Raises :class:`InvalidOutputError` (with ``raw`` set) naming
    what was wrong.
    """
    stripped = text.lstrip("\ufeff").strip()
    try:
        whole = json.loads(stripped, strict=False)
    except json.JSONDecodeError:
        whole = None
    if stripped[:1] in openers and isinstance(whole, dict | list):
        return Extraction(whole, 0, len(text), "whole")

    visible = _THINK.sub(lambda m: " " * len(m.group(0)), text)
    for fence in _FENCE.finditer(visible):
        found, _ = _scan(visible, fence.start(3), fence.end(3), openers)
        if found is not None:
            return Extraction(found.value, found.start, found.end, "fence", found.extra_values)

    found, failure = _scan(visible, 0, len(visible), openers)
    if found is not None:
        return found
    raise _invalid(text, failure)


def _scan(text: str, begin: int, limit: int, openers: str) -> tuple[Extraction | None, _Failure | None]:
    """Decode the first value in ``text[begin:limit]`` and count complete values after it."""
    decoder = json.JSONDecoder(strict=False)
    first: Extraction | None = None
    first_failure: _Failure | None = None
    extras = 0
    position = begin
    while True:
        start = _next_opener(text, position, limit, openers)
        if start is None:
            break
        try:
            value, end = decoder.raw_decode(text[:limit], start)
        except json.JSONDecodeError as exc:
            end_of_span = _matching_close(text, start, limit)
            if first is None and first_failure is None:
                first_failure = _Failure(start, end_of_span is not None, _describe(text, exc))
            if end_of_span is None:
                break
            # Skip the whole broken value, so an object nested in it is not taken for the answer.
            position = end_of_span
            continue
        if first is None:
            first = Extraction(value, start, end, "embedded")
        else:
            extras += 1
        position = end
    if first is not None and extras:
        first = Extraction(first.value, first.start, first.end, first.source, extras)
    return first, first_failure


def _next_opener(text: str, position: int, limit: int, openers: str) -> int | None:
    for index in range(position, limit):
        if text[index] in openers:
            return index
    return None


def _matching_close(text: str, start: int, limit: int) -> int | None:
    """Return the index after the bracket that closes ``text[start]``, or None at the end."""
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, limit):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _describe(text: str, exc: json.JSONDecodeError) -> str:
    window = text[max(exc.pos - 2, 0) : exc.pos + 2]
    if _TRAILING_COMMA.search(window) or _TRAILING_COMMA.match(text, max(exc.pos - 1, 0)):
        return f"trailing comma before a closing bracket at line {exc.lineno} column {exc.colno}"
    return f"{exc.msg} at line {exc.lineno} column {exc.colno}"


def _invalid(text: str, failure: _Failure | None) -> InvalidOutputError:
    if failure is None:
        return InvalidOutputError(
            "The model reply contains no JSON object or array.",
            "Retry, or use a backend with native structured output.",
            raw=text,
        )
    if not failure.complete:
        return InvalidOutputError(
            f"The model reply ends inside its JSON value (started at character {failure.start}).",
            "Retry; if the reply was long, raise the output limit (--max-tokens).",
            raw=text,
        )
    return InvalidOutputError(
        f"The model reply is not valid JSON: {failure.error}.",
        "Retry with this error sent back to the model.",
        raw=text,
    )
