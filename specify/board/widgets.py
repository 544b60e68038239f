"""Widgets of the board: lanes of task cards and the feature list."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from specify.board.features import FeatureState
from specify.board.state import DONE, IN_PROGRESS, Card, Lane

STATUS_ICONS = {DONE: "✓", IN_PROGRESS: "▶"}


def card_prompt(card: Card, show_feature: bool) -> Content:
    """Render a card as one wrapped line: icon, id, badges, then the description."""
    task = card.task
    parts: list[str | tuple[str, str]] = []
    icon = STATUS_ICONS.get(card.status)
    if task.unknown_marker:
        parts.append((f"[{task.marker}] ", "bold"))
    elif icon:
        parts.append(f"{icon} ")
    if show_feature:
        parts.append((f"{card.feature.split('-', 1)[0]}·", "dim"))
    parts.append((task.ref, "bold"))
    if task.parallel:
        parts.append((" [P]", "$text-accent"))
    if task.story:
        parts.append((f" {task.story}", "$text-secondary"))
    if card.blocked_by:
        parts.append((f" ⊘blocked:{','.join(card.blocked_by)}", "bold $text-error"))
    if card.blocking:
        parts.append((f" ⇢blocks {len(card.blocking)}", "$text-warning"))
    if card.claimed_by:
        parts.append((" ⚙claimed", "bold $text-success"))
    indent = "  " * task.level
    parts.append((f" {indent}{task.description}", "dim" if card.status == DONE else ""))
    return Content.assemble(*parts)


class LaneList(OptionList):
    """An option list of cards, with optional group headings (disabled options).

    ``cards[i]`` is the card of option ``i``, or None for a heading.
    """

    def __init__(self, lane_key: str, show_feature: bool, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lane_key = lane_key
        self.show_feature = show_feature
        self.cards: list[Card | None] = []

    def show_lanes(self, lanes: list[Lane], title: str, headings: bool) -> None:
        """Replace the options with ``lanes``, keeping the scroll position."""
        scroll_y = self.scroll_y
        options: list[Option] = []
        self.cards = []
        for lane in lanes:
            if headings:
                done = sum(card.status == DONE for card in lane.cards)
                heading = Content.styled(f"── {lane.title} ({done}/{len(lane.cards)})", "bold")
                options.append(Option(heading, disabled=True))
                self.cards.append(None)
            for card in lane.cards:
                options.append(Option(card_prompt(card, self.show_feature), id=card.key))
                self.cards.append(card)
        self.border_title = title
        self.set_options(options)
        self.scroll_to(y=scroll_y, animate=False, immediate=True)

    @property
    def selected_card(self) -> Card | None:
        index = self.highlighted
        if index is None or index >= len(self.cards):
            return None
        return self.cards[index]

    def select_key(self, key: str) -> bool:
        """Highlight the card with ``key``; return False when it is not in this lane."""
        for index, card in enumerate(self.cards):
            if card is not None and card.key == key:
                self.highlighted = index
                return True
        return False

    def select_row(self, row: int) -> None:
        """Highlight the card nearest to ``row``, skipping headings."""
        rows = [index for index, card in enumerate(self.cards) if card is not None]
        if rows:
            self.highlighted = min(rows, key=lambda index: (abs(index - row), index))

    def jump_group(self, step: int) -> None:
        """Move to the first card of the next (``step`` 1) or previous (-1) group."""
        starts = [index + 1 for index, card in enumerate(self.cards) if card is None]
        starts = [start for start in starts if start < len(self.cards) and self.cards[start] is not None]
        current = self.highlighted or 0
        group_start = max((start for start in starts if start <= current), default=None)
        if step > 0:
            target = min((start for start in starts if start > current), default=None)
        else:
            earlier = [start for start in starts if group_start is not None and start < group_start]
            target = earlier[-1] if earlier else group_start
        if target is not None:
            self.highlighted = target


def feature_prompt(feature: FeatureState, active: bool, stage: str, name_width: int = 0) -> Content:
    """Render a feature as ``▶ NNN-slug  stage  done/total  percent``."""
    done, total = feature.progress()
    percent = f"{round(100 * done / total):>3}%" if total else "   -"
    parts: list[str | tuple[str, str]] = [("▶ " if active else "  ", "bold")]
    parts.append((feature.name.ljust(name_width), "bold" if active else ""))
    parts.append(f"  {stage:<12} {done:>4}/{total:<4} {percent}")
    if feature.stale:
        parts.append(("  STALE", "bold reverse"))
    return Content.assemble(*parts)


class FeatureList(OptionList):
    """Every feature of the project with its stage and progress; enter switches to it."""
