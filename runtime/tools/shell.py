"""A shell tool behind an allow / ask / deny policy.

Rules, in order: a command that matches a deny pattern is rejected, always (``--yes`` never
overrides a deny). A command whose every part is on the allow list runs. Anything else
"asks": the runner's ``approve`` callback decides (``--yes`` approves; with no terminal and no
``--yes``, ask means deny). Commands run in the repository root with a time limit, without the
provider API keys in their environment, and their output is truncated.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from runtime.tools.base import Tool, ToolError

MAX_OUTPUT_CHARS = 20_000
DEFAULT_TIMEOUT_S = 300

DEFAULT_DENY = (
    r"\bsudo\b",
    r"\bsu\s",
    r"\brm\s+(-[a-zA-Z]*\s+)*(/|~|\$HOME)(\s|$)",
    r"\bmkfs\b",
    r"\bdd\s+.*\bof=/dev/",
    r"\b(shutdown|reboot|halt|poweroff)\b",
    r":\(\)\s*\{",
    r"\bgit\s+push\b",
    r"\bgit\s+(reset\s+--hard|clean\s+-[a-z]*f)",
    r"\b(curl|wget)\b.*\|\s*(ba|z)?sh\b",
    r"\bchmod\s+-R\s+777\s+/",
    r">\s*/dev/sd",
)
DEFAULT_ALLOW = (
    "ls", "pwd", "echo", "true", "wc",
    "git status", "git diff", "git log", "git show",
    "pytest", "python -m pytest", "python3 -m pytest", "python -m unittest", "python3 -m unittest",
    "npm test", "go test", "cargo test", "make test",
)
SECRET_ENV = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")
CHAIN_OPERATORS = re.compile(r"\|\||&&|;")
OTHER_OPERATORS = re.compile(r"[|&`<>]|\$\(")


class Decision(str, Enum):
    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


@dataclass
class ShellPolicy:
    deny: Sequence[str] = DEFAULT_DENY
    allow: Sequence[str] = DEFAULT_ALLOW
    extra_allow: Sequence[str] = field(default_factory=tuple)

    def decide(self, command: str) -> tuple[Decision, str]:
        """Return the decision for ``command`` and the reason."""
        for pattern in self.deny:
            if re.search(pattern, command):
                return Decision.DENY, f"matches the deny rule {pattern!r}"
        parts = [p.strip() for p in CHAIN_OPERATORS.split(command) if p.strip()]
        if not parts or any(OTHER_OPERATORS.search(part) for part in parts):
            return Decision.ASK, "uses pipes, redirections or substitutions"
        allowed = (*self.allow, *self.extra_allow)
        if all(any(_starts_with_words(part, prefix) for prefix in allowed) for part in parts):
            return Decision.ALLOW, "on the allow list"
        return Decision.ASK, "not on the allow list"


def _starts_with_words(command: str, prefix: str) -> bool:
    try:
        words, prefix_words = shlex.split(command), shlex.split(prefix)
    except ValueError:
        return False
    return words[: len(prefix_words)] == prefix_words


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SECRET_ENV}


def run_command(command: str, cwd: Path, timeout: float = DEFAULT_TIMEOUT_S) -> tuple[int, str]:
    """Run ``command`` through bash in ``cwd``; return the exit status and the capped output."""
    try:
        completed = subprocess.run(
            ["bash", "-c", command], cwd=cwd, env=clean_env(), capture_output=True,
            text=True, errors="replace", timeout=timeout, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or "") if isinstance(exc.stdout, str) else ""
        return 124, output[-MAX_OUTPUT_CHARS:] + f"\n[timed out after {timeout:.0f} s]"
    output = completed.stdout + completed.stderr
    if len(output) > MAX_OUTPUT_CHARS:
        output = f"[... {len(output) - MAX_OUTPUT_CHARS} characters cut]\n" + output[-MAX_OUTPUT_CHARS:]
    return completed.returncode, output


def shell_tool(
    root: Path, policy: ShellPolicy, approve: Callable[[str, str], bool], timeout: float = DEFAULT_TIMEOUT_S
) -> Tool:
    """Return the `run_command` tool; ``approve(command, reason)`` decides "ask" commands."""

    def handler(command: str) -> str:
        decision, reason = policy.decide(command)
        if decision is Decision.DENY:
            raise ToolError(f"Command rejected by policy ({reason}): {command}")
        if decision is Decision.ASK and not approve(command, reason):
            raise ToolError(f"Command not approved ({reason}): {command}. Run `specify run` with --yes to approve.")
        status, output = run_command(command, root, timeout)
        return f"exit status {status}\n{output}"

    return Tool(
        "run_command",
        "Run a shell command in the repository root (tests, builds, inspection).",
        {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
        handler,
        read_only=False,
    )
