"""The Textual application of ``specify board``: its state, layout and drawing.

State lives in plain objects (:mod:`specify.board.state`, :mod:`specify.board.features`);
this module draws it and maps keys to actions. Files are watched with watchfiles; a change
re-reads only the features it touched, and a reload keeps the selected card and the scroll
position. Toggling a task goes through the tasks engine's ``set_done`` with the hash of the
parse on screen, so an external edit the board has not shown yet is never overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Log, OptionList, Static
from textual.widgets.option_list import Option

from specify.board.context import detail_markdown
from specify.board.features import FeatureState, load_features, read_tasks
from specify.board.keymap import ACTIONS
from specify.board.state import (
    IN_PROGRESS,
    STATUSES,
    VIEW_TITLES,
    Card,
    CardFilter,
    board_counts,
    build_cards,
    build_lanes,
)
from specify.board.widgets import FeatureList, LaneList, feature_prompt
from specify.tasks import read_claims

logger = logging.getLogger(__name__)

NARROW_WIDTH = 120


class BoardBase(App[None]):
    """The board's state and drawing; :class:`specify.board.app.BoardApp` adds the actions."""

    TITLE = "specify board"
    AUTO_FOCUS = "LaneList"
    CSS = """
    #summary { height: auto; max-height: 2; background: $panel; padding: 0 1; }
    FeatureList, FeatureList:focus { height: auto; max-height: 4; border: none; padding: 0; }
    FeatureList:focus { background-tint: $foreground 5%; }
    LaneList, LaneList:focus { height: 1fr; width: 1fr; border: none; padding: 0;
        border-top: solid $primary-muted; border-title-color: $text-muted;
        scrollbar-size-vertical: 1; }
    LaneList:focus { border-top: solid $accent; border-title-color: $text; }
    #body { height: 1fr; }
    #lanes { width: 3fr; height: 1fr; }
    #detail { width: 2fr; height: 1fr; border-left: solid $primary-muted; }
    #detail-text { padding: 0 1; }
    BoardApp.-narrow #body { layout: vertical; }
    BoardApp.-narrow #lanes { width: 1fr; }
    BoardApp.-narrow #detail { width: 1fr; height: 7; border-left: none;
        border-top: solid $primary-muted; }
    #search { display: none; height: 1; border: none; padding: 0 1; }
    #search.-visible { display: block; }
    #log { display: none; height: 8; border-top: solid $primary-muted; }
    #log.-visible { display: block; }
    """
    BINDINGS = [
        Binding(action.keys, action.name, action.description, show=action.show, id=action.name) for action in ACTIONS
    ]

    def __init__(
        self,
        root: Path,
        feature: Path | None = None,
        *,
        all_features: bool = False,
        keymap: dict[str, str] | None = None,
        watch: bool = True,
        notice: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.root = root
        self.all_features = all_features
        self.keymap_settings = dict(keymap or {})
        self.watch_files = watch
        self.notice = notice
        self.clock = clock or datetime.now
        self.reloaded_at: datetime | None = None
        self.active = feature.name if feature is not None else ""
        # Only the shown features are parsed before the first frame. The rest load in a
        # worker right after it, so the first frame does not wait for every tasks.md.
        self.feature_states: list[FeatureState] = load_features(root, parse=self._parse_first)
        if not self.active and self.feature_states:
            self.active = self.feature_states[0].name
            read_tasks(self.feature_states[0])
        self.claims = self._read_claims()
        self.view = "status"
        self.card_filter = CardFilter()
        self.cards: list[Card] = []
        self._shown_detail: str | None = None
        self._painted = False

    # Composition and layout

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        yield FeatureList(id="features")
        with Horizontal(id="body"):
            with Horizontal(id="lanes"):
                # The status view's lanes exist from the start, so the first frame needs
                # no second mount pass.
                for status in STATUSES:
                    yield LaneList(status, self.all_features)
            with VerticalScroll(id="detail"):
                yield Static(id="detail-text")
        yield Input(placeholder="filter: words in id, description, story, phase or files", id="search")
        yield Log(id="log", max_lines=2000)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_keymap(self.keymap_settings)
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        self.rebuild(remember=None)
        if self.notice:
            self.notify(self.notice, severity="warning", timeout=8)
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        """Draw what the first frame does not need; subclasses start their work here too."""
        self._painted = True
        self.call_later(self.update_detail)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    # Reading state

    def _read_claims(self) -> dict:
        try:
            return dict(read_claims(self.root))
        except OSError as exc:
            logger.warning("cannot read the claims under %s: %s", self.root / ".specify" / "runs", exc)
            return {}

    def feature(self, name: str) -> FeatureState | None:
        return next((feature for feature in self.feature_states if feature.name == name), None)

    def shown_features(self) -> list[FeatureState]:
        if self.all_features:
            return self.feature_states
        active = self.feature(self.active)
        return [active] if active is not None else []

    def _parse_first(self, name: str) -> bool:
        return self.all_features or name == self.active

    @property
    def all_loaded(self) -> bool:
        return all(feature.loaded for feature in self.feature_states)

    @property
    def ready(self) -> bool:
        """True once every feature is parsed and the detail pane is drawn."""
        return self.all_loaded and self._shown_detail is not None

    def _is_shown(self, feature: FeatureState) -> bool:
        return self.all_features or feature.name == self.active

    def _collect_cards(self) -> list[Card]:
        cards: list[Card] = []
        for feature in self.shown_features():
            if feature.doc is not None:
                cards.extend(build_cards(feature.name, feature.tasks_path, feature.doc, self.claims))
        return cards

    # Drawing

    def rebuild(self, remember: str | None = "selected") -> None:
        """Redraw everything from the current state, keeping the selection when asked."""
        focused = self.focused
        lane_index = self._lane_lists().index(focused) if focused in self._lane_lists() else 0
        row = focused.highlighted if isinstance(focused, LaneList) and focused.highlighted is not None else 0
        selected = self.selected_card()
        key = selected.key if remember and selected is not None else None

        self.cards = self._collect_cards()
        self._draw_summary()
        self._draw_features()
        remounted = self._draw_lanes()
        refocus = focused is None or isinstance(focused, LaneList)
        if remounted:
            # New lanes take focus only once mounted, after the next refresh.
            self.call_after_refresh(self._restore_selection, key, lane_index, row, refocus, remember is None)
        else:
            self._restore_selection(key, lane_index, row, refocus, remember is None)

    def _draw_summary(self) -> None:
        counts = board_counts(self.cards)
        scope = "all features" if self.all_features else (self.active or "no feature")
        parts = [f"[b]{scope}[/b]"]
        active = self.feature(self.active)
        if not self.all_features and active is not None:
            parts.append(active.stage(self.claims))
        total = counts["total"]
        percent = f" ({round(100 * counts['done'] / total)}%)" if total else ""
        parts.append(f"{counts['done']}/{total} done{percent}")
        if counts[IN_PROGRESS]:
            parts.append(f"{counts[IN_PROGRESS]} in progress")
        parts.append(VIEW_TITLES[self.view])
        if self.card_filter.active:
            parts.append(f"filter {self.card_filter.describe()}")
        if self.reloaded_at is not None:
            parts.append(f"reloaded {self.reloaded_at:%H:%M:%S}")
        stale = [f.name for f in self.shown_features() if f.stale]
        if stale:
            parts.append(f"[b reverse] STALE [/] {', '.join(stale)}: showing the last good parse")
        self.query_one("#summary", Static).update(" · ".join(parts))

    def _draw_features(self) -> None:
        feature_list = self.query_one(FeatureList)
        highlighted = feature_list.highlighted
        width = max((len(f.name) for f in self.feature_states), default=0)
        options = [
            Option(feature_prompt(f, self._is_shown(f), f.stage(self.claims), width), id=f.name)
            for f in self.feature_states
        ]
        feature_list.set_options(options)
        names = [f.name for f in self.feature_states]
        if highlighted is None and self.active in names:
            highlighted = names.index(self.active)
        if highlighted is not None and options:
            feature_list.highlighted = min(highlighted, len(options) - 1)

    def _lane_lists(self) -> list[LaneList]:
        return list(self.query(LaneList))

    def _draw_lanes(self) -> bool:
        """Fill the lanes; return True when the lane widgets were replaced."""
        lanes = build_lanes(self.cards, self.view, self.card_filter)
        container = self.query_one("#lanes", Horizontal)
        lane_lists = self._lane_lists()
        if self.view == "status":
            wanted = [lane.key for lane in lanes]
        else:
            wanted = [self.view]
        remounted = [lane_list.lane_key for lane_list in lane_lists] != wanted
        if remounted:
            container.remove_children()
            lane_lists = [LaneList(key, self.all_features) for key in wanted]
            container.mount_all(lane_lists)
        if self.view == "status":
            for lane_list, lane in zip(lane_lists, lanes, strict=True):
                lane_list.show_lanes([lane], f"{lane.title} ({len(lane.cards)})", headings=False)
        else:
            shown = sum(len(lane.cards) for lane in lanes)
            lane_lists[0].show_lanes(lanes, f"{VIEW_TITLES[self.view].capitalize()} ({shown})", headings=True)
        return remounted

    def _restore_selection(
        self, key: str | None, lane_index: int, row: int, refocus: bool, prefer_cards: bool = False
    ) -> None:
        """Select the card ``key``, else row ``row`` of lane ``lane_index``.

        ``prefer_cards`` moves to the first lane with cards when that lane is empty, which
        suits a freshly opened feature but not a user who chose an empty column.
        """
        lane_lists = self._lane_lists()
        if not lane_lists:
            return
        target = None
        if key is not None:
            target = next((lane for lane in lane_lists if lane.select_key(key)), None)
        if target is None:
            target = lane_lists[min(lane_index, len(lane_lists) - 1)]
            if prefer_cards and not any(target.cards):
                target = next((lane for lane in lane_lists if any(lane.cards)), target)
            target.select_row(row)
        for lane in lane_lists:
            if lane is not target and lane.highlighted is None:
                lane.select_row(0)
        if refocus:
            target.focus()
        self.update_detail()

    def selected_card(self) -> Card | None:
        focused = self.focused
        if isinstance(focused, LaneList):
            return focused.selected_card
        lane_lists = self._lane_lists()
        if not lane_lists:
            return None
        return lane_lists[0].selected_card

    def update_detail(self) -> None:
        if not self._painted or not self.screen_stack:
            # Before the first frame, or messages still queued while the app shuts down.
            return
        from rich.markdown import Markdown  # markdown-it: about 0.1 s, after the first frame

        card = self.selected_card()
        text = detail_markdown(card)
        active = self.feature(self.active)
        if card is None and not self.all_features and active is not None and active.doc is None:
            text = f"*{active.name} has no tasks.md yet (stage: {active.stage(self.claims)}).*"
        if text != self._shown_detail:
            self._shown_detail = text
            # Rich's Markdown renders into one Static; Textual's Markdown widget mounts a
            # widget per block, which made every cursor move cost a full layout pass.
            self.query_one("#detail-text", Static).update(Markdown(text))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if isinstance(event.option_list, LaneList):
            self.update_detail()

    def on_descendant_focus(self) -> None:
        self.update_detail()
