"""The board's key actions: moving, filtering, switching features and toggling tasks."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import SystemCommand
from textual.screen import Screen
from textual.widgets import Input, OptionList

from specify.board.features import read_tasks
from specify.board.jobs import BoardJobs
from specify.board.keymap import ACTIONS, keys_for
from specify.board.screens import ChoiceScreen, HelpScreen
from specify.board.state import VIEWS, CardFilter, filter_choices
from specify.board.widgets import FeatureList, LaneList
from specify.errors import ArtifactError, ConflictError
from specify.tasks import next_batch, set_done


class BoardActions(BoardJobs):
    """Actions bound to keys and listed in the command palette."""

    # Actions: moving around

    def _focused_lane(self) -> LaneList | None:
        return self.focused if isinstance(self.focused, LaneList) else None

    def action_cursor_up(self) -> None:
        if isinstance(self.focused, OptionList):
            self.focused.action_cursor_up()

    def action_cursor_down(self) -> None:
        if isinstance(self.focused, OptionList):
            self.focused.action_cursor_down()

    def _move_across(self, step: int) -> None:
        lane = self._focused_lane()
        lane_lists = self._lane_lists()
        if lane is None:
            if lane_lists:
                lane_lists[0].focus()
            return
        if self.view != "status":
            lane.jump_group(step)
            return
        index = lane_lists.index(lane) + step
        if 0 <= index < len(lane_lists):
            row = lane.highlighted or 0
            lane_lists[index].focus()
            lane_lists[index].select_row(row)

    def action_cursor_left(self) -> None:
        self._move_across(-1)

    def action_cursor_right(self) -> None:
        self._move_across(1)

    def select_key(self, key: str) -> bool:
        """Focus and highlight the card with ``key``; False when no lane shows it."""
        for lane in self._lane_lists():
            if lane.select_key(key):
                lane.focus()
                self.update_detail()
                return True
        return False

    def action_next_task(self) -> None:
        for feature in self.shown_features():
            if feature.doc is None:
                continue
            batch = next_batch(feature.doc, claimed=self.claims)
            if not batch:
                continue
            refs = ", ".join(task.ref for task in batch)
            if not self.select_key(f"{feature.name}:{batch[0].ref}"):
                self.card_filter = CardFilter()
                self.rebuild()
                self.select_key(f"{feature.name}:{batch[0].ref}")
            self.notify(f"Next runnable in {feature.name}: {refs}", timeout=4)
            return
        self.notify("No runnable task: every open task waits on a dependency, an earlier phase or a claim.")

    def action_cycle_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.rebuild()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.keymap_settings))

    # Actions: filters

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-visible")
        search.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.card_filter = CardFilter(event.value, *self._facets())
            self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self._close_search()

    def _facets(self) -> tuple[str | None, str | None, str | None]:
        return self.card_filter.phase, self.card_filter.story, self.card_filter.status

    def _close_search(self) -> None:
        search = self.query_one("#search", Input)
        if not search.value:
            search.remove_class("-visible")
        lane_lists = self._lane_lists()
        if lane_lists:
            card = self.selected_card()
            target = next((lane for lane in lane_lists if lane.selected_card), lane_lists[0])
            target.focus()
            if card is not None:
                self.select_key(card.key)

    def action_clear_filters(self) -> None:
        search = self.query_one("#search", Input)
        with search.prevent(Input.Changed):
            search.value = ""
        search.remove_class("-visible")
        self.card_filter = CardFilter()
        self.rebuild()
        self._close_search()

    def action_facet_filter(self) -> None:
        choices = [("clear", "All tasks (clear phase, story and status filters)")]
        choices += [(f"{facet}\t{value}", label) for facet, value, label in filter_choices(self.cards)]
        self.push_screen(ChoiceScreen("Filter by phase, story or status", choices), self._apply_facet)

    def _apply_facet(self, choice: str | None) -> None:
        if choice is None:
            return
        if choice == "clear":
            self.card_filter = CardFilter(self.card_filter.text)
        else:
            facet, value = choice.split("\t", 1)
            self.card_filter = self.card_filter.with_facet(facet, value)
        self.rebuild()

    # Actions: features

    def switch_to(self, name: str) -> None:
        if self.feature(name) is None:
            self.notify(f"No feature folder named {name}.", severity="error")
            return
        feature = self.feature(name)
        if feature is not None and not feature.loaded:
            read_tasks(feature)
        self.active = name
        self.all_features = False
        self.card_filter = CardFilter()
        self.rebuild(remember=None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, FeatureList) and event.option.id:
            self.switch_to(event.option.id)

    def action_switch_feature(self) -> None:
        choices = [(f.name, f"{f.name}  ({f.stage(self.claims)})") for f in self.feature_states]
        if not choices:
            self.notify("This project has no feature folders under specs/.", severity="warning")
            return
        self.push_screen(ChoiceScreen("Switch feature", choices, current=self.active), self._switch_chosen)

    def _switch_chosen(self, name: str | None) -> None:
        if name is not None:
            self.switch_to(name)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in ACTIONS:
            if not action.name.startswith("cursor_"):
                yield SystemCommand(
                    action.summary,
                    f"Key: {keys_for(action.name, self.keymap_settings)}",
                    getattr(self, f"action_{action.name}"),
                )
        yield SystemCommand("Switch feature", "Show another feature's tasks", self.action_switch_feature)
        for feature in self.feature_states:
            yield SystemCommand(
                f"Switch feature: {feature.name}",
                feature.stage(self.claims),
                lambda n=feature.name: self.switch_to(n),
            )

    # Actions: changing tasks

    def action_toggle_done(self) -> None:
        card = self.selected_card()
        if card is None:
            self.notify("No task selected.", severity="warning")
            return
        feature = self.feature(card.feature)
        if feature is None or feature.doc is None:
            return
        if feature.stale:
            self.notify(
                f"{feature.tasks_path} is not readable right now ({feature.stale}); not writing.",
                severity="error",
            )
            return
        try:
            feature.doc = set_done(
                feature.tasks_path,
                [card.task.ref],
                done=not card.task.done,
                expected_sha256=feature.doc.sha256,
            )
        except ConflictError:
            self.reload_paths([feature.tasks_path])
            self.notify(
                f"{feature.tasks_path} changed on disk since it was shown, so nothing was "
                f"written; the board reloaded it. Check {card.task.ref} and press the key again.",
                severity="warning",
                timeout=8,
            )
            return
        except ArtifactError as exc:
            self.notify(str(exc), severity="error")
            return
        self.rebuild()
