"""Several processes tick one tasks.md at once, and a writer is killed mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from specify.tasks import load_tasks, set_done

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")

TICKS_PER_WRITER = 200

# Ticks the given ids one by one and appends each id to the log once set_done returned.
WRITER = """
import sys
from pathlib import Path
from specify.tasks import set_done
path, log, *refs = sys.argv[1:]
with open(log, "a", encoding="utf-8") as out:
    for ref in refs:
        set_done(Path(path), [ref])
        out.write(ref + "\\n")
        out.flush()
"""

# Like WRITER, but the process kills itself after the temp file is written and before it
# replaces tasks.md, on the third write.
SELF_KILLING_WRITER = """
import os, signal, sys
from pathlib import Path
import specify.fsutil
from specify.tasks import set_done
calls = []
real_replace = os.replace
def replace(src, dst):
    calls.append(src)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst)
specify.fsutil.os.replace = replace
path, log, *refs = sys.argv[1:]
with open(log, "a", encoding="utf-8") as out:
    for ref in refs:
        set_done(Path(path), [ref])
        out.write(ref + "\\n")
        out.flush()
"""


def make_tasks(path: Path, count: int) -> list[str]:
    ids = [f"T{number:03d}" for number in range(1, count + 1)]
    lines = ["# Tasks", "", "## Phase 1: Setup", ""] + [f"- [ ] {i} Edit src/file_{i}.py" for i in ids]
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    return ids


def start(code: str, path: Path, log: Path, refs: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, str(path), str(log), *refs])


def logged(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


def test_killed_writer_loses_no_ticks(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    ids = make_tasks(path, 2 * TICKS_PER_WRITER)
    refs_a, refs_b = ids[:TICKS_PER_WRITER], ids[TICKS_PER_WRITER:]
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    writer_a = start(WRITER, path, log_a, refs_a)
    writer_b = start(WRITER, path, log_b, refs_b)

    # Kill writer A after its twentieth tick. It spends most of its time inside set_done, so
    # the kill usually lands mid-write; the next test forces that case.
    while len(logged(log_a)) < 20 and writer_a.poll() is None:
        time.sleep(0.01)
    os.kill(writer_a.pid, signal.SIGKILL)
    writer_a.wait()
    assert writer_b.wait(timeout=120) == 0

    doc = load_tasks(path)
    done = {task.id for task in doc.tasks if task.done}
    assert set(logged(log_a)) <= done
    assert set(refs_b) <= done
    assert done <= set(ids)
    assert len(doc.tasks) == len(ids)
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")


def test_kill_before_replace_keeps_file(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    ids = make_tasks(path, 10)
    log = tmp_path / "killed.log"
    writer = start(SELF_KILLING_WRITER, path, log, ids[:5])
    assert writer.wait(timeout=60) == -signal.SIGKILL

    doc = load_tasks(path)
    assert [t.id for t in doc.tasks if t.done] == ["T001", "T002"]
    assert logged(log) == ["T001", "T002"]
    # The kernel released the dead process's lock, so the next writer gets it at once.
    assert set_done(path, ["T003"]).find("T003").done is True


def test_console_script_ticks_concurrently(project: Path) -> None:
    commands = [
        subprocess.Popen(
            [sys.executable, "-m", "specify", "tasks", "done", ref, "--feature", "001"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for ref in ("T001", "T002", "T003", "T004", "T005", "T006")
    ]
    codes = [command.wait(timeout=120) for command in commands]
    assert codes == [0] * 6
    doc = load_tasks(project / "specs/001-photos/tasks.md")
    assert all(task.done for task in doc.tasks)
