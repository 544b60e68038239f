"""The skills catalog: name, description and location of each skill, for the system prompt.

The catalog must fit a token budget. Token counts here are an estimate: UTF-8 bytes divided
by 3, rounded up, which overestimates English (about 4 characters a token) and covers CJK
text (3 bytes, about one token, a character).

When the catalog is over budget, every description longer than a cap is cut to the cap at a
word boundary and ends in "...". The cap is the largest one that fits, and shorter
descriptions stay whole. If names and locations alone do not fit, skills are left out from
the end of the alphabetical list. A warning names each skill whose description was cut or
that was left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from runtime.skills.model import Skill

INSTRUCTIONS = {
    "tool": (
        "The skills below hold specialised instructions for particular tasks. When a task matches a "
        "skill's description, load it with the activate_skill tool before you start, then follow it. "
        "Resolve relative paths in a skill against its directory."
    ),
    "file": (
        "The skills below hold specialised instructions for particular tasks. When a task matches a "
        "skill's description, read the SKILL.md at its location before you start, then follow it. "
        "Resolve relative paths in a skill against its directory."
    ),
}
ELLIPSIS = "..."


def estimate_tokens(text: str) -> int:
    """Estimate tokens as UTF-8 bytes / 3, rounded up (a conservative estimate)."""
    return -(-len(text.encode("utf-8")) // 3)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, cap: int) -> str:
    """Cut ``text`` to at most ``cap`` characters at a word boundary, ending in "..."."""
    if len(text) <= cap:
        return text
    if cap <= len(ELLIPSIS):
        return ""
    cut = text[: cap - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + ELLIPSIS


@dataclass
class Catalog:
    """Catalog text plus what the budget cost: shortened and omitted skill names."""

    text: str
    tokens: int
    budget_tokens: int | None
    skills: list[str] = field(default_factory=list)
    shortened: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    description_cap: int | None = None

    @property
    def warnings(self) -> list[str]:
        messages = []
        if self.shortened:
            messages.append(
                f"skills catalog over its budget of {self.budget_tokens} tokens: descriptions cut to "
                f"{self.description_cap} characters for {', '.join(self.shortened)}")
        if self.omitted:
            messages.append(
                f"skills catalog over its budget of {self.budget_tokens} tokens even without "
                f"descriptions: left out {', '.join(self.omitted)}")
        return messages


def render_entry(skill: Skill, description: str) -> str:
    return (f"<skill>\n<name>{escape(skill.name)}</name>\n"
            f"<description>{escape(description)}</description>\n"
            f"<location>{escape(skill.path)}</location>\n</skill>\n")


def _render(entries: list[str], activation: str) -> str:
    return f"{INSTRUCTIONS[activation]}\n\n<available_skills>\n{''.join(entries)}</available_skills>\n"


def build_catalog(skills: Iterable[Skill], budget_tokens: int | None = None,
                  activation: str = "tool") -> Catalog:
    """Render the catalog of model-invocable ``skills`` within ``budget_tokens``.

    ``activation`` chooses the instruction: ``tool`` (call activate_skill) or ``file`` (read
    SKILL.md with a file tool). Skills with ``disable-model-invocation`` are left out, and no
    skills give empty text.
    """
    if activation not in INSTRUCTIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(INSTRUCTIONS)}")
    listed = sorted((s for s in skills if s.model_invocable), key=lambda s: s.name)
    if not listed:
        return Catalog("", 0, budget_tokens)
    text = _render([s.catalog_entry for s in listed], activation)
    tokens = estimate_tokens(text)
    if budget_tokens is None or tokens <= budget_tokens:
        return Catalog(text, tokens, budget_tokens, [s.name for s in listed])
    return _fit(listed, [" ".join(s.description.split()) for s in listed], budget_tokens, activation)


def _fit(listed: list[Skill], descriptions: list[str], budget: int, activation: str) -> Catalog:
    def render(cap: int, count: int) -> str:
        entries = [render_entry(s, shorten(d, cap)) for s, d in zip(listed[:count], descriptions[:count],
                                                                     strict=True)]
        return _render(entries, activation)

    low, high = 0, max(len(d) for d in descriptions)
    while low < high:  # largest cap whose catalog fits
        middle = (low + high + 1) // 2
        if estimate_tokens(render(middle, len(listed))) <= budget:
            low = middle
        else:
            high = middle - 1
    count = len(listed)
    while count > 0 and estimate_tokens(render(low, count)) > budget:
        count -= 1
    text = render(low, count) if count else ""
    shortened = [s.name for s, d in zip(listed[:count], descriptions[:count], strict=True) if len(d) > low]
    omitted = [s.name for s in listed[count:]]
    return Catalog(text, estimate_tokens(text), budget, [s.name for s in listed[:count]],
                   shortened, omitted, low)
