"""Start-up and `init` speed of the `specify` CLI, as ratios against baselines run alongside.

1. `specify --help` CPU time (user + system of the child process) against a bare Typer app
   with two commands, written by this script. Target: at most 1.3x.
2. `specify init DIR --agent claude` against spec-kit's `specify init DIR --integration
   claude` (distribution `specify-cli` 1.2.3, installed into this benchmark's own virtual
   environment on first use). Target: at most 0.5x wall time. spec-kit makes no git commit
   by default, so the ratio uses our `--no-git`; the run with git is printed too.

Run: python benchmarks/bench_cli.py [--runs N]. Each figure is the median of N runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPECKIT_VENV = HERE / ".venv-speckit"
SPECKIT_VERSION = "1.2.3"

BARE_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    print(name)


@app.command()
def bye(name: str) -> None:
    """Say goodbye."""
    print(name)


app()
'''


def child_cpu_seconds(command: list[str], env: dict[str, str] | None = None) -> float:
    """Run ``command`` once and return the CPU time (user + system) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall_seconds(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def median_of(runs: int, measure) -> float:  # type: ignore[no-untyped-def]
    measure()  # warm the page cache and bytecode
    return statistics.median(measure() for _ in range(runs))


def specify_binary() -> str:
    found = shutil.which("specify")
    if not found:
        sys.exit("The `specify` command is not on PATH; activate the project's virtual environment.")
    return found


def bench_help(runs: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP)
        baseline = median_of(runs, lambda: child_cpu_seconds([sys.executable, str(bare), "--help"]))
        ours = median_of(runs, lambda: child_cpu_seconds([specify_binary(), "--help"]))
    return ours, baseline


def ensure_speckit() -> Path:
    binary = SPECKIT_VENV / "bin" / "specify"
    if binary.exists():
        return binary
    subprocess.run([sys.executable, "-m", "venv", str(SPECKIT_VENV)], check=True)
    subprocess.run(
        [str(SPECKIT_VENV / "bin" / "pip"), "install", "-q", f"specify-cli=={SPECKIT_VERSION}"], check=True
    )
    return binary


def init_once(command_for: "callable[[str], list[str]]", env: dict[str, str]) -> float:  # type: ignore[valid-type]
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "project")
        return wall_seconds(command_for(target), env=env)


def bench_init(runs: int) -> dict[str, float]:
    speckit = str(ensure_speckit())
    ours = specify_binary()
    env = {**os.environ, "CI": "1"}
    home = tempfile.mkdtemp()
    env["SPECIFY_HOME"] = home
    results = {
        "spec-kit": median_of(runs, lambda: init_once(
            lambda d: [speckit, "init", d, "--integration", "claude", "--non-interactive",
                       "--ignore-agent-tools"], env)),
        "ours --no-git": median_of(runs, lambda: init_once(
            lambda d: [ours, "init", d, "--agent", "claude", "--non-interactive", "--no-git"], env)),
        "ours with git": median_of(runs, lambda: init_once(
            lambda d: [ours, "init", d, "--agent", "claude", "--non-interactive"], env)),
    }
    shutil.rmtree(home, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Runs per measurement (median reported).")
    parser.add_argument("--skip-speckit", action="store_true", help="Skip the spec-kit comparison.")
    args = parser.parse_args()

    ours, baseline = bench_help(args.runs)
    print(f"specify --help CPU      {ours * 1000:7.1f} ms")
    print(f"bare Typer app --help   {baseline * 1000:7.1f} ms")
    print(f"ratio                   {ours / baseline:7.2f}x   (target <= 1.30x)")

    if args.skip_speckit:
        return
    init = bench_init(args.runs)
    for name, seconds in init.items():
        print(f"init {name:<18} {seconds * 1000:7.1f} ms wall")
    print(f"ratio (ours --no-git / spec-kit)  {init['ours --no-git'] / init['spec-kit']:5.2f}x   (target <= 0.50x)")
    print(f"ratio (ours with git / spec-kit)  {init['ours with git'] / init['spec-kit']:5.2f}x")


if __name__ == "__main__":
    main()
