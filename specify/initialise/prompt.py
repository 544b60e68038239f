"""Ask for the agent in a terminal, and never hang when no one is there to type.

A prompt appears only when stdin and stdout are terminals, ``CI`` is unset and
``--non-interactive`` was not given. It gives up after ``SPECIFY_PROMPT_TIMEOUT`` seconds
(default 60), so an agent harness that allocates a pseudo-terminal but never types still
gets an exit instead of a hang.
"""

from __future__ import annotations

import os
import sys
import time

from specify.errors import UsageError
from specify.integrations.agents import AGENTS, choices_text, get_agent

PROMPT_TIMEOUT_ENV = "SPECIFY_PROMPT_TIMEOUT"
DEFAULT_TIMEOUT_S = 60.0


def can_prompt(non_interactive: bool) -> bool:
    if non_interactive or os.environ.get("CI"):
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


def prompt_blocker(non_interactive: bool, as_json: bool) -> str:
    """Return why no prompt can be shown, for the error message."""
    if non_interactive:
        return "--non-interactive was given"
    if as_json:
        return "--json output is for programs"
    if os.environ.get("CI"):
        return "CI is set"
    return "stdin or stdout is not a terminal"


def prompt_timeout() -> float:
    raw = os.environ.get(PROMPT_TIMEOUT_ENV, "")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError as exc:
        raise UsageError(
            f"{PROMPT_TIMEOUT_ENV}={raw} is not a number of seconds.", "Unset it or give e.g. 60."
        ) from exc


def missing_agent(reason: str) -> UsageError:
    return UsageError(f"No agent chosen ({reason}).", f"Pass --agent KEY with one of: {choices_text()}.")


def _read_line_posix(timeout: float) -> str | None:
    import select

    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    return sys.stdin.readline() if ready else None


def _read_line_windows(timeout: float) -> str | None:
    import msvcrt  # type: ignore[import-not-found]

    deadline = time.monotonic() + timeout
    chars: list[str] = []
    while time.monotonic() < deadline:
        if msvcrt.kbhit():
            char = msvcrt.getwche()
            if char in "\r\n":
                return "".join(chars)
            chars.append(char)
        else:
            time.sleep(0.05)
    return None


def read_line(timeout: float) -> str | None:
    """Read one line from stdin within ``timeout`` seconds; None when it timed out."""
    if os.name == "nt":
        return _read_line_windows(timeout)
    return _read_line_posix(timeout)


def ask_agent() -> str:
    """Show the numbered agent list on stderr and return the chosen key."""
    timeout = prompt_timeout()
    lines = [f"  {number}. {agent.key} ({agent.name})" for number, agent in enumerate(AGENTS, 1)]
    sys.stderr.write("Which coding agent should get the stage commands?\n" + "\n".join(lines) + "\n")
    sys.stderr.write(f"Agent number or key (waiting {timeout:.0f} s): ")
    sys.stderr.flush()
    answer = read_line(timeout)
    if answer is None:
        sys.stderr.write("\n")
        raise missing_agent(f"no input within {timeout:.0f} s")
    answer = answer.strip()
    if answer.isdigit() and 1 <= int(answer) <= len(AGENTS):
        return AGENTS[int(answer) - 1].key
    if not answer:
        raise missing_agent("empty input")
    return get_agent(answer).key
