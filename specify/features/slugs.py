"""Feature slugs and name length limits.

A slug is made the way spec-kit makes it. Lowercase the description and turn everything but
ASCII letters and digits into spaces. Drop stop words and words shorter than three letters,
except a short word the description writes in capitals, so acronyms like "AI" stay. Keep the
first three words, or four when exactly four remain, and join them with hyphens. When the
filters leave nothing, the first three words are kept unfiltered ("a/b/c" gives "a-b-c").

Descriptions in other scripts are first transliterated to ASCII with ``anyascii``
(Cyrillic, CJK, accented Latin, emoji names). When nothing usable remains, as with a
punctuation-only title, the slug is ``feature-`` plus a stable hash of the description, so
a slug is never empty and never starts or ends with a hyphen. :class:`Slug` records which of
these rules produced it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

from specify.errors import UsageError

# spec-kit's create-new-feature script caps feature and branch names at 244 bytes; the same
# cap keeps names compatible and below the 255-byte file name limit of common file systems.
MAX_NAME_BYTES = 244

STOP_WORDS = frozenset(
    """
    i a an the to for of in on at by with from is are was were be been being have has had
    do does did will would should could can may might must shall this that these those my
    your our their want need add get set
    """.split()
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_HASH_PREFIX = "feature"


@dataclass(frozen=True)
class Slug:
    """A slug and the rule that made it: ``words``, ``transliterated``, ``hash`` or ``short-name``."""

    text: str
    source: str


def _keep_word(word: str, original: str, transliterated: bool) -> bool:
    if word in STOP_WORDS:
        return False
    if len(word) >= 3:
        return True
    # A short word survives when the description spells it in capitals (an acronym).
    # Transliterated syllables (Chinese pinyin, for example) are content, so keep them.
    if transliterated:
        return True
    return re.search(rf"\b{re.escape(word.upper())}\b", original) is not None


def _pick_words(text: str, original: str, transliterated: bool) -> list[str]:
    words = [w for w in _NON_ALNUM.sub(" ", text.lower()).split() if _keep_word(w, original, transliterated)]
    limit = 4 if len(words) == 4 else 3
    return words[:limit]


def transliterate(text: str) -> str:
    """Return ``text`` in ASCII, with each ideograph or emoji as its own word.

    ``anyascii`` writes Chinese as capitalised syllables run together ("YongHu") and emoji as
    ``:name:``; spacing each non-ASCII character keeps those words apart.
    """
    parts: list[str] = []
    for char in text:
        if char.isascii():
            parts.append(char)
            continue
        # Apostrophes stand for signs inside a word (Cyrillic soft sign), not word breaks.
        ascii_char = anyascii(char).replace("'", "")
        if unicodedata.category(char).startswith(("L", "N", "S")) and _spaced_script(char):
            ascii_char = f" {ascii_char} "
        parts.append(ascii_char)
    return "".join(parts)


def _spaced_script(char: str) -> bool:
    """Return whether ``char`` comes from a script written without spaces between words."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER")) or (
        unicodedata.category(char) == "So"
    )


def hash_slug(text: str) -> str:
    """Return a stable slug for a description that has no usable words."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{_HASH_PREFIX}-{digest}"


def _all_words(text: str) -> list[str]:
    """Return the first three words with no filtering: spec-kit's fallback when none survive."""
    return _NON_ALNUM.sub(" ", text.lower()).split()[:3]


def slug_from_description(description: str) -> Slug:
    """Make the slug for a feature description (see the module docstring for the rules)."""
    words = _pick_words(description, description, transliterated=False) or _all_words(description)
    ascii_text = transliterate(description)
    if ascii_text == description:
        if words:
            return Slug("-".join(words), "words")
        return Slug(hash_slug(description), "hash")
    transliterated = _pick_words(ascii_text, description, transliterated=True) or _all_words(ascii_text)
    if transliterated == words and words:
        return Slug("-".join(words), "words")
    if transliterated:
        return Slug("-".join(transliterated), "transliterated")
    return Slug(hash_slug(description), "hash")


def clean_short_name(short_name: str) -> Slug:
    """Turn a ``--short-name`` into a slug: transliterate, lowercase, hyphenate, nothing more."""
    cleaned = _NON_ALNUM.sub("-", transliterate(short_name).lower()).strip("-")
    if not cleaned:
        raise UsageError(
            f"--short-name {short_name!r} has no letters or digits to make a slug from.",
            "Give a short name such as 'user-login', or leave it out to derive one from the description.",
        )
    return Slug(cleaned, "short-name")


def truncate_utf8(text: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Cut ``text`` to at most ``max_bytes`` UTF-8 bytes, never inside a character.

    Trailing hyphens, dots and slashes left by the cut are dropped as well, because git
    rejects a ref that ends in a dot or a slash and a dangling hyphen reads as a mistake.
    """
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    cut = encoded[:max_bytes].decode("utf-8", errors="ignore")
    return cut.rstrip("-./")
