"""Time to first paint of `specify board` on a large project, against an empty Textual app.

The script writes a project with 50 features of 100 tasks each (5,000 tasks in spec-kit's
format, with phases, `[P]`, story tags and dependencies, plus spec.md and plan.md), then
starts each app in a fresh Python process, headless at 120x40. A child measures from its
first line, before any import, to the first refresh after mount, so the board's figure
includes importing Textual and `specify`, discovering the features and parsing
the active feature's tasks.md. Target: the board takes at most 2x the empty app's time.
The board parses the other features in a worker and draws the detail pane right after the
first frame. ``board_ready_s`` reports when that work is finished.

Run: python benchmarks/bench_board.py [--runs N]. Each figure is the median of N runs,
alternating the two apps so that machine load affects both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FEATURES = 50
TASKS_PER_FEATURE = 100
TARGET_RATIO = 2.0

CHILD = """
import time
start = time.perf_counter()
import sys
from pathlib import Path

from textual.app import App

kind, root = sys.argv[1], Path(sys.argv[2])
if kind == "board":
    from specify.board.app import BoardApp as Base
    args = (root, root / "specs" / "001-feature-1")
else:
    Base, args = App, ()


class Timed(Base):
    def on_mount(self) -> None:
        self.call_after_refresh(self.painted)

    def painted(self) -> None:
        self.first_paint = time.perf_counter() - start
        if kind == "board":
            self.set_interval(0.005, self.check_ready)
        else:
            self.ready_at = self.first_paint
            self.exit()

    def check_ready(self) -> None:
        if self.ready:
            self.ready_at = time.perf_counter() - start
            self.exit()


app = Timed(*args)
app.run(headless=True, size=(120, 40))
print(app.first_paint, app.ready_at)
"""


def write_feature(folder: Path, number: int) -> None:
    folder.mkdir(parents=True)
    (folder / "spec.md").write_text(
        f"# Feature {number}\n\n### User Story 1 - First story (Priority: P1)\n\nA story.\n",
        encoding="utf-8",
    )
    (folder / "plan.md").write_text("# Plan\n\n## Summary\n\nA plan.\n", encoding="utf-8")
    lines = [f"# Tasks: Feature {number}", ""]
    task = 0
    for phase in range(1, 6):
        lines += [f"## Phase {phase}: Part {phase}", ""]
        for _ in range(TASKS_PER_FEATURE // 5):
            task += 1
            done = "x" if number % 3 == 0 or task <= 10 else " "
            tags = "[P] " if task % 4 == 0 else ""
            tags += f"[US{phase}] " if phase > 2 else ""
            depends = f" (depends on T{task - 1:03d})" if task % 7 == 0 else ""
            lines.append(f"- [{done}] T{task:03d} {tags}Build part {task} in src/mod{task}.py{depends}")
        lines.append("")
    (folder / "tasks.md").write_text("\n".join(lines), encoding="utf-8")


def write_project(root: Path) -> None:
    (root / ".specify" / "memory").mkdir(parents=True)
    for number in range(1, FEATURES + 1):
        write_feature(root / "specs" / f"{number:03d}-feature-{number}", number)


def first_paint(kind: str, root: Path) -> tuple[float, float]:
    """Return (first frame, ready) seconds; ready means every feature parsed, details drawn."""
    result = subprocess.run([sys.executable, "-c", CHILD, kind, str(root)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{kind} app failed:\n{result.stderr}")
    painted, ready = result.stdout.strip().splitlines()[-1].split()
    return float(painted), float(ready)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Runs per app (median reported).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root)
        first_paint("empty", root)  # warm the file cache and bytecode for both
        first_paint("board", root)
        times: dict[str, list[float]] = {"empty": [], "board": []}
        ready: list[float] = []
        for _ in range(args.runs):
            for kind in times:
                painted, done = first_paint(kind, root)
                times[kind].append(painted)
                if kind == "board":
                    ready.append(done)

    empty = statistics.median(times["empty"])
    board = statistics.median(times["board"])
    ratio = board / empty
    report = {
        "features": FEATURES,
        "tasks": FEATURES * TASKS_PER_FEATURE,
        "runs": args.runs,
        "empty_app_first_paint_s": round(empty, 3),
        "board_first_paint_s": round(board, 3),
        "ratio": round(ratio, 2),
        "board_ready_s": round(statistics.median(ready), 3),
        "target_ratio": TARGET_RATIO,
        "within_target": ratio <= TARGET_RATIO,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
