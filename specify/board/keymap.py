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
    """One remappable action: the name used in settings, its keys and footer text."""

    name: str
    keys: str
    description: str
    show: bool = True


ACTIONS: tuple[BoardAction, ...] = (
    BoardAction("help", "question_mark", "Help"),
    BoardAction("toggle_done", "space", "Done"),
    BoardAction("next_task", "n", "Next"),
    BoardAction("search", "slash", "Filter"),
    BoardAction("facet_filter", "f", "Facet"),
    BoardAction("edit", "e", "Edit"),
    BoardAction("run_task", "r", "Run"),
    BoardAction("cancel_run", "c", "Cancel run", show=False),
    BoardAction("cycle_view", "v", "View"),
    BoardAction("switch_feature", "s", "Feature"),
    BoardAction("clear_filters", "escape", "Clear filters", show=False),
    BoardAction("cursor_left", "left,h", "Left", show=False),
    BoardAction("cursor_right", "right,l", "Right", show=False),
    BoardAction("cursor_up", "up,k", "Up", show=False),
    BoardAction("cursor_down", "down,j", "Down", show=False),
    BoardAction("quit", "q", "Quit"),
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
