"""The board's actions, their default keys, and remaps from the user settings.

The ``keybindings`` table of the settings maps an action name to a key, for example
``toggle_done = "x"`` or ``quit = "ctrl+q"``. Several keys may be given separated by commas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from specify.errors import ConfigError


@dataclass(frozen=True)
class BoardAction:
    """One remappable action: its settings name, default keys, footer label and summary."""

    name: str
    keys: str
    description: str
    summary: str
    show: bool = True


ACTIONS: tuple[BoardAction, ...] = (
    BoardAction("help", "question_mark", "Help", "Show the board's keys"),
    BoardAction("toggle_done", "space", "Done", "Tick or untick the selected task"),
    BoardAction("next_task", "n", "Next", "Select the next runnable task"),
    BoardAction("search", "slash", "Filter", "Filter the cards by text"),
    BoardAction("facet_filter", "f", "Facet", "Filter by phase, story or status"),
    BoardAction("edit", "e", "Edit", "Open the task's line in $EDITOR"),
    BoardAction("run_task", "r", "Run", "Run the selected task with specify run implement"),
    BoardAction("cancel_run", "c", "Cancel run", "Stop the running implement run", show=False),
    BoardAction("cycle_view", "v", "View", "Cycle the status, phase and story views"),
    BoardAction("switch_feature", "s", "Feature", "Show another feature's tasks"),
    BoardAction("clear_filters", "escape", "Clear filters", "Clear every filter", show=False),
    BoardAction("cursor_left", "left,h", "Left", "Move to the column or group on the left", show=False),
    BoardAction("cursor_right", "right,l", "Right", "Move to the column or group on the right", show=False),
    BoardAction("cursor_up", "up,k", "Up", "Move to the card above", show=False),
    BoardAction("cursor_down", "down,j", "Down", "Move to the card below", show=False),
    BoardAction("quit", "q", "Quit", "Quit the board"),
)
ACTION_NAMES = tuple(action.name for action in ACTIONS)


def resolve_keymap(remaps: Mapping[str, str]) -> dict[str, str]:
    """Check the user's remaps and return them as a Textual keymap (binding id to keys).

    Raises ConfigError naming an unknown action or an empty key.
    """
    keymap: dict[str, str] = {}
    for name, keys in remaps.items():
        if name not in ACTION_NAMES:
            raise ConfigError(
                f"Unknown board action '{name}' in the keybindings setting.",
                f"Valid actions: {', '.join(ACTION_NAMES)}.",
            )
        if not keys.strip():
            raise ConfigError(
                f"The keybindings setting gives action '{name}' an empty key.",
                'Name a key, e.g. "x".',
            )
        keymap[name] = keys
    return keymap


def keys_for(name: str, keymap: Mapping[str, str]) -> str:
    """Return the keys bound to action ``name`` after remaps, as Textual key names."""
    for action in ACTIONS:
        if action.name == name:
            return keymap.get(name, action.keys)
    raise KeyError(name)
