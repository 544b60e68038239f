"""Pick skills for a query without tool calling: BM25 over name and description.

For models that cannot call tools, the runner ranks the model-invocable skills against the
stage input and injects the best ones whose content fits a token budget. Scores use Okapi
BM25 (k1 = 1.2, b = 0.75) with words lowercased, split on non-word characters, stop words
dropped and a light English suffix strip; name words count twice.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from runtime.skills.catalog import estimate_tokens
from runtime.skills.model import Skill

K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP_WORDS = frozenset(
    "a an and are as at be by do does for from how i in is it its me my of on or our should "
    "so that the this to use used uses using when whether which with you your".split()
)
_SUFFIXES = ("ing", "ies", "ed", "es", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokenize(text: str) -> list[str]:
    words = (w for w in _WORD.findall(text.lower().replace("_", " ")))
    return [_stem(w) for w in words if w not in _STOP_WORDS]


@dataclass(frozen=True)
class Ranked:
    skill: Skill
    score: float


def rank(query: str, skills: Iterable[Skill]) -> list[Ranked]:
    """Score model-invocable ``skills`` against ``query``, best first; zero scores are dropped."""
    candidates = [s for s in skills if s.model_invocable]
    documents = [Counter(tokenize(s.name.replace("-", " ")) * 2 + tokenize(s.description))
                 for s in candidates]
    if not documents:
        return []
    lengths = [sum(d.values()) for d in documents]
    average = sum(lengths) / len(lengths) or 1.0
    frequency = Counter(term for d in documents for term in d)
    count = len(documents)
    terms = set(tokenize(query))
    ranked = []
    for skill, document, length in zip(candidates, documents, lengths, strict=True):
        score = 0.0
        for term in terms & document.keys():
            idf = math.log(1 + (count - frequency[term] + 0.5) / (frequency[term] + 0.5))
            tf = document[term]
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        if score > 0:
            ranked.append(Ranked(skill, score))
    ranked.sort(key=lambda r: (-r.score, r.skill.name))
    return ranked


def select(query: str, skills: Iterable[Skill], budget_tokens: int, limit: int = 3,
           content_of=None) -> list[Skill]:
    """Return up to ``limit`` best-ranked skills whose content fits ``budget_tokens`` together.

    ``content_of(skill)`` gives the text that would be injected (the activated content); a
    skill that does not fit the remaining budget is passed over for the next one.
    """
    chosen: list[Skill] = []
    left = budget_tokens
    for ranked in rank(query, skills):
        if len(chosen) >= limit:
            break
        cost = estimate_tokens(content_of(ranked.skill)) if content_of else 0
        if cost <= left:
            chosen.append(ranked.skill)
            left -= cost
    return chosen
