"""Run untrusted Python in a subprocess with time, memory and file-size limits and no network.

The child runs ``python -I`` (isolated: no user site, no environment variables honoured) in
a fresh temporary folder with a minimal environment. Before the code runs, an audit hook
rejects socket use, process creation and writes outside that folder, and ``setrlimit``
caps address space, CPU seconds, file size and open files. The parent kills the child at
the wall-clock timeout.

NOTE: audit hooks stop Python-level calls only; C extensions that open sockets directly
are not covered, so run this on a machine without secrets, as with any code sandbox
short of a container.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_GUARD = r'''
import os, sys
_root = os.path.realpath(os.getcwd())
_blocked = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.fork",
            "os.spawn", "os.kill", "ctypes.", "urllib.")
def _hook(event, args):
    if event.startswith(_blocked):
        raise PermissionError(f"sandbox: {event} is not allowed")
    if event == "open" and len(args) > 1 and args[1] and any(c in str(args[1]) for c in "wax+"):
        path = args[0]
        if isinstance(path, (str, bytes)):
            target = os.path.realpath(os.fsdecode(path))
            if not target.startswith(_root):
                raise PermissionError(f"sandbox: writing {target} is not allowed")
sys.addaudithook(_hook)
del _hook
'''


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 5.0  # wall clock
    cpu_s: int = 5
    memory_mb: int = 512  # address space
    file_mb: int = 8  # largest file the code may write


@dataclass(frozen=True)
class SandboxResult:
    passed: bool  # exit status 0 within the limits
    returncode: int | None  # None when it timed out
    output: str  # the last 2,000 characters of stdout and stderr
    timed_out: bool = False


def _limit(limits: Limits):  # noqa: ANN202 - preexec_fn
    def apply() -> None:
        import resource

        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s))
        size = limits.file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        os.setsid()

    return apply


def run_python(code: str, limits: Limits = Limits()) -> SandboxResult:
    """Run ``code`` as a script in the sandbox; passing means exit status 0."""
    with tempfile.TemporaryDirectory(prefix="sandbox-") as folder:
        script = Path(folder) / "main.py"
        script.write_text(_GUARD + "\n" + code, encoding="utf-8")
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "LANG": "C.UTF-8"}
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-S", str(script)], cwd=folder, env=env,
                capture_output=True, text=True, timeout=limits.timeout_s,
                preexec_fn=_limit(limits), stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or "") + (exc.stderr or "")
            if isinstance(output, bytes):
                output = output.decode("utf-8", "replace")
            return SandboxResult(False, None, output[-2000:], timed_out=True)
        output = (done.stdout + done.stderr)[-2000:]
        return SandboxResult(done.returncode == 0, done.returncode, output)
