"""Modal screens of the board: help, the facet filter menu and the feature picker."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from specify.board.keymap import ACTIONS, keys_for

_MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 76; max-width: 100%; height: auto; max-height: 90%;
    border: round $accent; background: $surface; padding: 0 1; }}
{name} OptionList {{ height: auto; max-height: 18; border: none; }}
"""


def _display_keys(keys: str) -> str:
    names = {"question_mark": "?", "slash": "/", "space": "space", "escape": "esc"}
    return ", ".join(names.get(key.strip(), key.strip()) for key in keys.split(","))


class HelpScreen(ModalScreen[None]):
    """Every board action with the keys bound to it after the user's remaps."""

    DEFAULT_CSS = _MODAL_CSS.format(name="HelpScreen")
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        lines = Text()
        for action in ACTIONS:
            lines.append(f"{_display_keys(keys_for(action.name, self.keymap)):>10}  ", style="bold")
            lines.append(f"{action.summary} ({action.name})\n")
        lines.append("ctrl+p: command palette · tab: next pane · remap: [keybindings]", style="dim")
        with Vertical():
            yield Static("[b]Board keys[/b]")
            yield Static(lines)


class ChoiceScreen(ModalScreen[str | None]):
    """A titled list of choices; dismisses with the chosen option id, or None on escape."""

    DEFAULT_CSS = _MODAL_CSS.format(name="ChoiceScreen")
    BINDINGS = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(label, id=choice_id) for choice_id, label in self.choices]
        with Vertical():
            yield Static(f"[b]{self.title_text}[/b]")
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        ids = [choice_id for choice_id, _ in self.choices]
        if self.current in ids:
            option_list.highlighted = ids.index(self.current)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
