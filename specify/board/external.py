"""Commands the board starts: the user's editor and the implement runner.

``r`` runs ``specify run implement --task ID``. ``SPECIFY_BOARD_RUN_COMMAND`` replaces that
command for tests and for users with their own runner. Its value is a shell-style command
line: ``{task}`` in it becomes the task id, and without ``{task}`` the board appends
``--task ID``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

RUN_COMMAND_ENV = "SPECIFY_BOARD_RUN_COMMAND"
DETECT_TIMEOUT_S = 20
# Editors that take ``path:line`` after a flag instead of ``+line path``.
_COLON_EDITORS = {"code": "-g", "codium": "-g", "code-insiders": "-g", "subl": None, "zed": None}


def editor_command(path: Path, line: int) -> list[str]:
    """Build the command that opens ``path`` at ``line`` in ``$VISUAL`` or ``$EDITOR``."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    argv = shlex.split(editor)
    program = Path(argv[0]).name
    if program in _COLON_EDITORS:
        flag = _COLON_EDITORS[program]
        wait = ["--wait"] if program.startswith("code") and "--wait" not in argv and "-w" not in argv else []
        return [*argv, *wait, *([flag] if flag else []), f"{path}:{line}"]
    return [*argv, f"+{line}", str(path)]


def run_command(task_ref: str) -> list[str]:
    """Build the command that implements one task."""
    override = os.environ.get(RUN_COMMAND_ENV)
    if override:
        argv = shlex.split(override)
        if any("{task}" in arg for arg in argv):
            return [arg.replace("{task}", task_ref) for arg in argv]
        return [*argv, "--task", task_ref]
    return [sys.executable, "-m", "specify", "run", "implement", "--task", task_ref]


def runner_available(cwd: Path) -> tuple[bool, str]:
    """Check whether the implement runner exists; return (available, reason when not).

    The stand-in command from ``SPECIFY_BOARD_RUN_COMMAND`` counts as available. Otherwise
    ``specify run --help`` must exit with status 0.
    """
    if os.environ.get(RUN_COMMAND_ENV):
        return True, ""
    probe = [sys.executable, "-m", "specify", "run", "--help"]
    try:
        result = subprocess.run(probe, cwd=cwd, capture_output=True, timeout=DETECT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"`specify run --help` failed to start: {exc}"
    if result.returncode != 0:
        return False, (
            "This specify has no `run` command, so tasks cannot be run from the board; "
            f"run them in your agent, or set {RUN_COMMAND_ENV} to a command that takes --task ID."
        )
    return True, ""
