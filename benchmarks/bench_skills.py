"""Time skill discovery plus catalog for 1000 generated skills, cold and warm.

Baselines measured in the same run:
- a naive loader written here: read each SKILL.md, split the frontmatter with a regex, load
  it with PyYAML's C loader when available, build the catalog (no diagnostics at all);
- ``os.stat`` of the same 1000 SKILL.md files.

Targets: cold at most 1.5x the naive loader while doing full diagnostics. Warm, when the
cache keyed by path, size and mtime is filled, at most 3x the stat loop. Each measurement runs
``--repeat`` times, interleaved; the ratios use the best run of each, the one least disturbed
by other processes, and the medians are printed beside them. Both wall-clock and process CPU
time are shown because CPU time is steadier on a shared machine. Run it by hand, not in CI.

Usage: python benchmarks/bench_skills.py [--skills 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.skills import SkillCache, discover  # noqa: E402
from runtime.skills.catalog import escape  # noqa: E402

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
WORDS = ("parse", "render", "deploy", "review", "lint", "format", "index", "migrate", "chart", "audit")
FRONTMATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def generate(root: Path, count: int) -> None:
    """Write ``count`` skills shaped like public ones: 60-line SKILL.md, a reference, a script."""
    for index in range(count):
        word = WORDS[index % len(WORDS)]
        name = f"skill-{index:04d}-{word}"
        folder = root / name
        (folder / "references").mkdir(parents=True)
        (folder / "scripts").mkdir()
        description = (f"Helps {word} project files number {index}. Use when the user asks to {word} "
                       "source, configuration or documentation and wants a checked result.")
        body = "\n".join(f"Step {line}: {word} the input and check the output." for line in range(54))
        (folder / "SKILL.md").write_text(
            f"---\nname: {name}\ndescription: {description}\nlicense: MIT\n"
            f"metadata:\n  author: bench\n  version: \"1.0\"\n---\n\n# {name}\n\n{body}\n")
        (folder / "references" / "REFERENCE.md").write_text("Reference line.\n" * 200)
        (folder / "scripts" / "run.py").write_text("print('run')\n")
    # Date everything an hour back: the cache does not trust mtimes from the last 2 seconds.
    old = time.time() - 3600
    for path in [root, *root.rglob("*")]:
        os.utime(path, (old, old))


def naive_catalog(root: Path) -> str:
    """Build the catalog the simple way: no diagnostics, caps, collisions or trust."""
    entries = []
    for folder in sorted(root.iterdir()):
        path = folder / "SKILL.md"
        text = path.read_text(encoding="utf-8")
        match = FRONTMATTER.match(text)
        data = yaml.load(match.group(1), Loader=Loader)  # noqa: S506 - a safe loader
        entries.append(f"<skill>\n<name>{escape(data['name'])}</name>\n"
                       f"<description>{escape(data['description'])}</description>\n"
                       f"<location>{escape(str(path))}</location>\n</skill>\n")
    return "<available_skills>\n" + "".join(entries) + "</available_skills>\n"


def ours(root: Path, cache: SkillCache) -> str:
    skills = discover(None, extra_dirs=[root], user_dirs=[], builtin_dir=None, cache=cache)
    return skills.catalog_text()


def stat_all(paths: list[str]) -> None:
    for path in paths:
        os.stat(path)


def timed(function, *args) -> tuple[float, float]:
    """Return the wall-clock and the process CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skills", type=int, default=1000, help="Number of generated skills.")
    parser.add_argument("--repeat", type=int, default=7, help="Runs per measurement; the median is shown.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        generate(root, args.skills)
        paths = sorted(str(p / "SKILL.md") for p in root.iterdir())
        naive_catalog(root)  # fill the OS page cache for both loaders

        naive, cold, warm, stats = [], [], [], []
        for _ in range(args.repeat):
            naive.append(timed(naive_catalog, root))
            cache = SkillCache()
            cold.append(timed(ours, root, cache))
            stats.append(timed(stat_all, paths))
            warm.append(timed(ours, root, cache))
        loaded = len(discover(None, extra_dirs=[root], user_dirs=[], builtin_dir=None).skills)

    runs = {"naive": naive, "cold": cold, "warm": warm, "stat": stats}
    print(f"python {sys.version.split()[0]}, PyYAML {yaml.__version__}, loader {Loader.__name__}, "
          f"{args.skills} skills ({loaded} loaded), {args.repeat} runs each")
    for index, clock in enumerate(("wall", "cpu")):
        best = {key: min(v[index] for v in values) for key, values in runs.items()}
        for key, values in runs.items():
            median = statistics.median(v[index] for v in values)
            print(f"  {clock:<4} {key:<6} best {best[key] * 1000:8.2f} ms   median {median * 1000:8.2f} ms")
        # The best run is the least disturbed by other processes, so the ratios use it.
        print(f"  {clock:<4} cold / naive loader: {best['cold'] / best['naive']:.2f}  (target <= 1.5)")
        print(f"  {clock:<4} warm / stat:         {best['warm'] / best['stat']:.2f}  (target <= 3.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
