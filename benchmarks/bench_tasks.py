"""Speed of the tasks.md engine, as ratios against baselines run alongside.

1. ``parse_tasks`` on the largest real tasks.md in the fixtures (170 tasks, 506 lines) against
   a baseline that only decodes the bytes and runs one regular expression over every line.
2. ``set_done`` (lock, re-read, parse, atomic replace with fsync) against a baseline that
   writes the same bytes with ``atomic_write_bytes`` alone.

Run: python benchmarks/bench_tasks.py [--runs N]. Each figure is the median of N runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from specify.fsutil import atomic_write_bytes
from specify.tasks import parse_tasks, set_done

HERE = Path(__file__).resolve().parent
LARGEST = HERE.parent / "tests/fixtures/speckit/schoolboyqueue__autospec/specs/002-go-binary-migration/tasks.md"
BOX = re.compile(r"^\s*[-*+] \[.\]")


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per figure (default 50)")
    runs = parser.parse_args().runs
    data = LARGEST.read_bytes()

    def baseline_parse() -> object:
        return [line for line in data.decode("utf-8").splitlines() if BOX.match(line)]

    parse = median_seconds(lambda: parse_tasks(data), runs)
    base = median_seconds(baseline_parse, runs)
    print(f"parse_tasks: {parse * 1e3:.2f} ms, baseline {base * 1e3:.2f} ms, ratio {parse / base:.1f}x")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tasks.md"
        path.write_bytes(data)
        states = iter([False, True] * runs)
        tick = median_seconds(lambda: set_done(path, ["T001"], done=next(states)), runs)
        write = median_seconds(lambda: atomic_write_bytes(path, data), runs)
    print(f"set_done: {tick * 1e3:.2f} ms, baseline write {write * 1e3:.2f} ms, ratio {tick / write:.1f}x")


if __name__ == "__main__":
    main()
