"""The ``specify board`` application.

The class is built in layers, one module each: :mod:`.base` contains the state, layout and
drawing, :mod:`.jobs` adds file watching, the editor and implement runs, and
:mod:`.actions` adds the key actions and the command palette.
"""

from __future__ import annotations

from specify.board.actions import BoardActions


class BoardApp(BoardActions):
    """A live task board over the tasks.md files of one project."""
