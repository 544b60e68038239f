"""The code sandbox: passing code passes, and the limits hold."""

from __future__ import annotations

from pathlib import Path

from localmodel.data.synthetic.sandbox import Limits, run_python


def test_passing_code_passes() -> None:
    assert run_python("assert 1 + 1 == 2").passed


def test_failing_assert_fails() -> None:
    result = run_python("assert 1 + 1 == 3")
    assert not result.passed
    assert "AssertionError" in result.output


def test_endless_loop_times_out() -> None:
    result = run_python("while True:\n    pass", Limits(timeout_s=1.0, cpu_s=2))
    assert result.timed_out
    assert not result.passed


def test_network_is_blocked() -> None:
    result = run_python("import socket\nsocket.socket().connect(('127.0.0.1', 9))")
    assert "socket" in result.output
    assert "not allowed" in result.output


def test_subprocess_is_blocked() -> None:
    result = run_python("import subprocess\nsubprocess.run(['true'])")
    assert "subprocess.Popen is not allowed" in result.output


def test_writing_outside_is_blocked(tmp_path: Path) -> None:
    target = tmp_path / "escape.txt"
    result = run_python(f"open({str(target)!r}, 'w').write('x')")
    assert not result.passed
    assert not target.exists()


def test_memory_limit_raises() -> None:
    result = run_python("block = bytearray(1024 ** 3)", Limits(memory_mb=256))
    assert "MemoryError" in result.output
