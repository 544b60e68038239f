"""Read the fields of one task's text: id, ``[P]`` and ``[USn]`` tags, dependencies, files."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Spec-kit ids (T001, T021A) or OpenSpec/Kiro numbers (1.1, 2.3.1, or "3." in "3. Title").
_SPECKIT_ID = re.compile(r"(?:\*\*)?(T\d+[A-Za-z]?)(?:\*\*)?(?![\w-])[:.]?")
_NUMBER_ID = re.compile(r"(\d+(?:\.\d+)+)\.?(?=\s|$)|(\d+)\.(?=\s)")
_TAG = re.compile(r"\[(P|US[-_ ]?\d+|Story[-_ ]?\d+)\]\s*", re.IGNORECASE)
_DEPENDS = re.compile(r"\(\s*depends\s+on:?\s*([^)]*)\)", re.IGNORECASE)
_DEP_REF = re.compile(r"(T\d+[A-Za-z]?)(?:\s*[-\u2013]\s*(T\d+))?|(\d+(?:\.\d+)+)", re.IGNORECASE)
_BACKTICK = re.compile(r"`([^`]+)`")
_EXTENSION = re.compile(r"[\w.-]*\w\.[A-Za-z][A-Za-z0-9]{0,7}")
_CALL = re.compile(r"\w\(")  # `hello()` or `useEvents()` is code, not a path
_NOT_FILES = frozenset({"e.g", "i.e", "etc", "vs", "a.k.a"})
_STRIP = "()[]{}<>,;:'\"!?*"


@dataclass(frozen=True)
class TaskFields:
    id: str | None
    parallel: bool
    story: str | None
    depends_on: tuple[str, ...]
    files: tuple[str, ...]
    description: str


def parse_fields(text: str) -> TaskFields:
    """Split the text after a checkbox into its id, tags, dependencies, files and description."""
    rest = text.strip()
    task_id, rest = _take_id(rest)

    parallel, story = False, None
    while match := _TAG.match(rest):
        tag = match.group(1).upper()
        if tag == "P":
            parallel = True
        else:
            story = "US" + re.sub(r"\D", "", tag)
        rest = rest[match.end() :]

    return TaskFields(task_id, parallel, story, _dependencies(rest), _files(rest), rest.strip())


def _take_id(text: str) -> tuple[str | None, str]:
    match = _SPECKIT_ID.match(text)
    if match:
        return match.group(1), text[match.end() :].lstrip()
    match = _NUMBER_ID.match(text)
    if match:
        return match.group(1) or match.group(2), text[match.end() :].lstrip()
    return None, text


def _dependencies(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for clause in _DEPENDS.finditer(text):
        for ref in _DEP_REF.finditer(clause.group(1)):
            found.extend(_expand(ref))
    return tuple(dict.fromkeys(found))


def _expand(ref: re.Match[str]) -> list[str]:
    """Expand ``T003``, ``1.2`` and ranges such as ``T003-T005`` into ids."""
    if ref.group(3):
        return [ref.group(3)]
    first = ref.group(1).upper()
    if not ref.group(2) or not first[1:].isdigit():
        return [first]
    start, stop = int(first[1:]), int(ref.group(2)[1:])
    width = len(first) - 1
    if stop < start or stop - start > 500:
        return [first, ref.group(2).upper()]
    return [f"T{number:0{width}d}" for number in range(start, stop + 1)]


def _files(text: str) -> tuple[str, ...]:
    """Return paths named in ``text``: backticked, or bare with a separator or an extension."""
    found: list[str] = []
    for span in _BACKTICK.finditer(text):
        candidate = span.group(1).strip()
        if _looks_like_path(candidate, quoted=True):
            found.append(candidate)
    for token in _BACKTICK.sub(" ", text).split():
        if "/" not in token and "\\" not in token and "." not in token:
            continue
        candidate = token.strip(_STRIP).rstrip(".")
        if _looks_like_path(candidate, quoted=False):
            found.append(candidate)
    return tuple(dict.fromkeys(found))


def _looks_like_path(token: str, quoted: bool) -> bool:
    if not token or " " in token or "://" in token or token.startswith("-"):
        return False
    if _CALL.search(token):
        return False
    if token.lower() in _NOT_FILES or not any(char.isalnum() for char in token):
        return False
    separators = token.count("/") + token.count("\\")
    if _EXTENSION.fullmatch(token.replace("\\", "/").rsplit("/", 1)[-1] or "-"):
        return True
    if quoted:
        return separators > 0
    if "\\" in token or token.endswith("/") or token.startswith(("./", "../", "~/", "/")):
        return separators > 0
    return separators >= 2
