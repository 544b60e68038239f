"""``specify board``: a live terminal task board over the project's tasks.md files.

The state logic (:mod:`.state`, :mod:`.features`, :mod:`.context`, :mod:`.keymap`,
:mod:`.external`) imports no Textual; the app (:mod:`.app`, :mod:`.widgets`,
:mod:`.screens`, :mod:`.jobs`) needs the ``tui`` extra.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specify.errors import FeatureNotFoundError

if TYPE_CHECKING:
    from specify.board.app import BoardApp


@dataclass(frozen=True)
class BoardTarget:
    """The board's starting point: project root, feature (None with ``--all``), notice."""

    root: Path
    feature: Path | None
    all_features: bool
    notice: str | None = None


def resolve_target(feature_flag: str | None, all_features: bool) -> BoardTarget:
    """Decide the project and feature to open.

    Without ``--feature`` and with no active feature, the board opens the first feature
    and shows a notice with the reason, because an empty board shows nothing to act on. Raises
    FeatureNotFoundError when the project has no feature folders at all.
    """
    from specify.board.features import discover_features
    from specify.project import find_root, resolve_feature, specs_dir

    root = find_root().path
    folders = discover_features(root)
    if not folders:
        raise FeatureNotFoundError(
            f"No feature folders (NNN-slug) under {specs_dir(root)}.",
            'Create one with `specify feature new "DESCRIPTION"`.',
        )
    if all_features:
        return BoardTarget(root, None, True)
    try:
        return BoardTarget(root, resolve_feature(root, feature_flag).path, False)
    except FeatureNotFoundError as exc:
        if feature_flag:
            raise
        notice = f"{exc.message} Showing {folders[0].name}; open another with s or --feature."
        return BoardTarget(root, folders[0], False, notice)


def build_app(feature_flag: str | None = None, all_features: bool = False, **options: Any) -> BoardApp:
    """Build the board for the current project with the user's key remaps applied.

    ``options`` go to :class:`BoardApp` (tests pass ``watch`` and ``clock``).
    """
    from specify.extras import require

    require("textual", "tui")
    require("watchfiles", "tui")
    from specify.board.app import BoardApp  # Textual: about 0.25 s of imports
    from specify.board.keymap import resolve_keymap
    from specify.settings import load_settings

    target = resolve_target(feature_flag, all_features)
    keymap = resolve_keymap(load_settings(target.root).settings.keybindings)
    return BoardApp(
        target.root,
        target.feature,
        all_features=target.all_features,
        keymap=keymap,
        notice=target.notice,
        **options,
    )


def open_board(feature_flag: str | None = None, all_features: bool = False) -> None:
    """Run the board in the terminal until the user quits."""
    build_app(feature_flag, all_features).run()
