"""Without --agent, init asks only in a real terminal and never hangs.

These tests run the installed `specify` console script in a child process. A generous
deadline detects a hang; no test asserts how long a run took.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HANG_DEADLINE_S = 60


def specify_command() -> list[str]:
    script = Path(sys.executable).with_name("specify")
    if script.exists():
        return [str(script)]
    found = shutil.which("specify")
    return [found] if found else [sys.executable, "-m", "specify"]


def child_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(changes)
    return env


def run_in_pty(args: list[str], env: dict[str, str], answer: bytes | None = None) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal as stdin, stdout and stderr; return (code, output)."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], HANG_DEADLINE_S)
            if not ready:
                pytest.fail(f"specify init hung; output so far: {output.decode(errors='replace')}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # Linux raises EIO once the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if answer is not None and b"Agent number" in output:
                os.write(master, answer)
                answer = None
        code = proc.wait(timeout=HANG_DEADLINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, output.decode(errors="replace")


def test_no_agent_with_null_stdin(tmp_path: Path) -> None:
    result = subprocess.run(
        [*specify_command(), "init", str(tmp_path / "p")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=HANG_DEADLINE_S,
    )
    assert result.returncode == 2
    assert "--agent" in result.stderr
    assert "claude, copilot, gemini" in result.stderr
    assert not (tmp_path / "p").exists()


needs_pty = pytest.mark.skipif(sys.platform == "win32", reason="the pty module is POSIX-only")


@needs_pty
def test_no_agent_under_ci(tmp_path: Path) -> None:
    code, output = run_in_pty([*specify_command(), "init", str(tmp_path / "p")], child_env(CI="1"))
    assert code == 2
    assert "--agent" in output
    assert "Which coding agent" not in output


@needs_pty
def test_silent_terminal_times_out(tmp_path: Path) -> None:
    env = child_env(SPECIFY_PROMPT_TIMEOUT="1")
    code, output = run_in_pty([*specify_command(), "init", str(tmp_path / "p")], env)
    assert code == 2
    assert "Which coding agent" in output
    assert "no input within 1 s" in output
    assert "--agent" in output


@needs_pty
def test_terminal_answer_chooses_agent(tmp_path: Path) -> None:
    env = child_env(SPECIFY_PROMPT_TIMEOUT="30")
    args = [*specify_command(), "init", str(tmp_path / "p"), "--no-git"]
    code, output = run_in_pty(args, env, answer=b"gemini\n")
    assert code == 0, output
    assert (tmp_path / "p/.gemini/commands/speckit.plan.toml").is_file()


@needs_pty
def test_non_interactive_never_prompts(tmp_path: Path) -> None:
    args = [*specify_command(), "init", str(tmp_path / "p"), "--non-interactive"]
    code, output = run_in_pty(args, child_env())
    assert code == 2
    assert "Which coding agent" not in output
