"""The board's model as plain data: cards, lanes, filters and counts.

No Textual import here, so the rules the board follows are tested without a terminal. A card
is one task of a tasks.md as the tasks engine parsed it, plus what the board derives: its
status column, the run that claims it, and its dependency badges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from specify.tasks import Task, TasksDocument
from specify.tasks.schedule import NO_PHASE

TODO = "todo"
IN_PROGRESS = "in_progress"
DONE = "done"
STATUSES = (TODO, IN_PROGRESS, DONE)
STATUS_TITLES = {TODO: "To do", IN_PROGRESS: "In progress", DONE: "Done"}

VIEWS = ("status", "phase", "story")
VIEW_TITLES = {"status": "by status", "phase": "by phase", "story": "by user story"}
NO_STORY = "No user story"


@dataclass(frozen=True)
class Card:
    """One task on the board.

    ``status`` is ``done`` for a ticked task, ``in_progress`` for an open task that a live
    implement run claims, else ``todo``. ``blocked_by`` lists the open tasks this one depends
    on; ``blocking`` lists the open tasks that wait for this one.
    """

    feature: str
    tasks_path: Path
    task: Task
    status: str
    claimed_by: str | None
    blocked_by: tuple[str, ...]
    blocking: tuple[str, ...]

    @property
    def key(self) -> str:
        """Identity that survives a reload: the feature folder and the task's ref."""
        return f"{self.feature}:{self.task.ref}"


@dataclass(frozen=True)
class CardFilter:
    """The active filters: incremental text plus at most one phase, story and status."""

    text: str = ""
    phase: str | None = None
    story: str | None = None
    status: str | None = None

    def matches(self, card: Card) -> bool:
        task = card.task
        if self.phase is not None and (task.phase or NO_PHASE) != self.phase:
            return False
        if self.story is not None and (task.story or NO_STORY) != self.story:
            return False
        if self.status is not None and card.status != self.status:
            return False
        return all(word in _search_text(card) for word in self.text.lower().split())

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or any((self.phase, self.story, self.status))

    def describe(self) -> str:
        """Summarise the filters for the status line, e.g. ``/grid phase=Setup``."""
        parts = [f"/{self.text}"] if self.text.strip() else []
        if self.phase is not None:
            parts.append(f"phase={self.phase}")
        if self.story is not None:
            parts.append(f"story={self.story}")
        if self.status is not None:
            parts.append(f"status={STATUS_TITLES[self.status]}")
        return " ".join(parts)

    def with_facet(self, facet: str, value: str | None) -> CardFilter:
        """Return a copy with ``facet`` (phase, story or status) set, or cleared with None."""
        if facet == "phase":
            return replace(self, phase=value)
        if facet == "story":
            return replace(self, story=value)
        if facet == "status":
            return replace(self, status=value)
        raise ValueError(f"unknown filter facet {facet!r}")


@dataclass(frozen=True)
class Lane:
    """A titled group of cards: a status column, a phase or a user story."""

    key: str
    title: str
    cards: tuple[Card, ...]


def _search_text(card: Card) -> str:
    task = card.task
    fields = [
        task.ref,
        task.description,
        task.story or "",
        task.phase or "",
        *task.files,
    ]
    return " ".join(fields).lower()


def claim_owner(task: Task, claims: Mapping[str, Any]) -> str | None:
    """Return the run id that claims ``task``, or None.

    Claims are keyed by upper-case task ref, the way ``specify tasks list`` matches them.
    NOTE: a claim names task ids but not the feature, so with ``--all`` a claimed ``T004``
    shows as claimed in every feature that has a ``T004``.
    """
    claim = claims.get(task.ref.upper())
    if claim is None:
        return None
    return str(getattr(claim, "run_id", claim))


def build_cards(
    feature: str, tasks_path: Path, doc: TasksDocument, claims: Mapping[str, Any] | None = None
) -> list[Card]:
    """Turn every task of ``doc`` into a card, in file order."""
    claims = claims or {}
    done_ids = {task.id.upper() for task in doc.tasks if task.id is not None and task.done}
    known_ids = {task.id.upper() for task in doc.tasks if task.id is not None}
    blocking: dict[str, list[str]] = {}
    for task in doc.tasks:
        if task.done:
            continue
        for dep in task.depends_on:
            blocking.setdefault(dep.upper(), []).append(task.ref)

    cards: list[Card] = []
    for task in doc.tasks:
        owner = None if task.done else claim_owner(task, claims)
        if task.done:
            status = DONE
        else:
            status = IN_PROGRESS if owner else TODO
        blocked_by = tuple(dep for dep in task.depends_on if dep.upper() in known_ids and dep.upper() not in done_ids)
        waiting = () if task.done or task.id is None else tuple(blocking.get(task.id.upper(), ()))
        cards.append(Card(feature, tasks_path, task, status, owner, blocked_by, waiting))
    return cards


def build_lanes(cards: Iterable[Card], view: str, card_filter: CardFilter | None = None) -> list[Lane]:
    """Group the cards that pass ``card_filter`` into lanes for ``view``.

    The status view always has its three columns, even when empty; the phase and story views
    have one lane per group in first-seen file order.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    shown = [card for card in cards if card_filter is None or card_filter.matches(card)]
    if view == "status":
        return [
            Lane(status, STATUS_TITLES[status], tuple(c for c in shown if c.status == status)) for status in STATUSES
        ]
    groups: dict[str, list[Card]] = {}
    for card in shown:
        name = (card.task.phase or NO_PHASE) if view == "phase" else (card.task.story or NO_STORY)
        groups.setdefault(name, []).append(card)
    return [Lane(name, name, tuple(group)) for name, group in groups.items()]


def board_counts(cards: Iterable[Card]) -> dict[str, Any]:
    """Count cards the way ``specify tasks stats`` counts tasks, plus the claimed ones.

    ``by_phase`` maps each phase heading (``"(no phase)"`` outside phases) to its ``total``,
    ``done`` and ``open`` counts, as ``specify tasks stats`` reports them.
    """
    counts: dict[str, Any] = {
        "total": 0,
        "done": 0,
        "open": 0,
        IN_PROGRESS: 0,
        "unknown_markers": 0,
    }
    by_phase: dict[str, dict[str, int]] = {}
    for card in cards:
        phase = by_phase.setdefault(card.task.phase or NO_PHASE, {"total": 0, "done": 0, "open": 0})
        counts["total"] += 1
        phase["total"] += 1
        outcome = "done" if card.status == DONE else "open"
        counts[outcome] += 1
        phase[outcome] += 1
        if card.status == IN_PROGRESS:
            counts[IN_PROGRESS] += 1
        if card.task.unknown_marker:
            counts["unknown_markers"] += 1
    counts["by_phase"] = by_phase
    return counts


def filter_choices(cards: Iterable[Card]) -> list[tuple[str, str, str]]:
    """List the ``(facet, value, label)`` choices offered by the ``f`` filter menu."""
    cards = list(cards)
    choices = [("status", status, f"Status: {STATUS_TITLES[status]}") for status in STATUSES]
    phases = dict.fromkeys(card.task.phase or NO_PHASE for card in cards)
    choices += [("phase", phase, f"Phase: {phase}") for phase in phases]
    stories = dict.fromkeys(card.task.story or NO_STORY for card in cards)
    choices += [("story", story, f"Story: {story}") for story in sorted(stories)]
    return choices


def find_card(lanes: Iterable[Lane], key: str) -> tuple[int, int] | None:
    """Return the (lane, row) position of the card with ``key``, or None when hidden."""
    for lane_index, lane in enumerate(lanes):
        for row, card in enumerate(lane.cards):
            if card.key == key:
                return lane_index, row
    return None
