"""Work the board does outside the screen: watching files, the editor, implement runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import subprocess
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual.app import SuspendNotSupported
from textual.widgets import Log

from specify.board.base import BoardBase
from specify.board.external import editor_command, run_command, runner_available
from specify.board.features import FeatureState, discover_features, parse_features, read_tasks
from specify.project import specs_dir

logger = logging.getLogger(__name__)

WATCH_DEBOUNCE_MS = 150
CANCEL_GRACE_S = 5.0


def _watch_filter(_change: object, path: str) -> bool:
    # Lock files and the temporary files of atomic writes are hidden siblings.
    return not Path(path).name.startswith(".")


class BoardJobs(BoardBase):
    """File watching, ``$EDITOR`` and the implement runner."""

    _stop_watch: asyncio.Event | None = None
    _run_process: asyncio.subprocess.Process | None = None
    _run_ref: str | None = None
    watched_paths: set[Path]

    def _after_first_paint(self) -> None:
        """Parse the other features and start watching, once the first frame is out."""
        super()._after_first_paint()
        # The type ignores on run_worker: Textual 8.2.8 types an async callable's result as Never.
        if not self.all_loaded:
            self.run_worker(self.load_remaining, group="load", exit_on_error=False)  # type: ignore[arg-type]
        if self.watch_files:
            self.start_watching()

    # Watching

    def start_watching(self) -> None:
        self._stop_watch = asyncio.Event()
        self.watched_paths = set()
        self.run_worker(self._watch, group="watch", exclusive=True, exit_on_error=False)  # type: ignore[arg-type]

    async def _watch(self) -> None:
        from watchfiles import awatch  # about 30 ms; only the live board needs it

        paths = [path for path in (specs_dir(self.root), self.root / ".specify") if path.is_dir()]
        if not paths:
            return
        try:
            async for changes in awatch(
                *paths,
                watch_filter=_watch_filter,
                debounce=WATCH_DEBOUNCE_MS,
                stop_event=self._stop_watch,
                rust_timeout=1000,
            ):
                changed = [Path(path) for _, path in changes]
                self.watched_paths.update(changed)
                self.reload_paths(changed)
        except (OSError, RuntimeError) as exc:
            # inotify watch limits and unsupported file systems end up here.
            logger.error("watching %s failed: %s", ", ".join(map(str, paths)), exc)
            self.notify(
                f"Live reload is off because watching the project failed: {exc}. "
                "Restart the board to see changes made outside it.",
                severity="error",
                timeout=10,
            )

    def on_unmount(self) -> None:
        if self._stop_watch is not None:
            self._stop_watch.set()
        if self._run_process is not None and self._run_process.returncode is None:
            self._run_process.kill()

    def reload_paths(self, paths: Iterable[Path]) -> None:
        """Re-read what the changed ``paths`` touch, and redraw only when something changed."""
        specs = specs_dir(self.root).resolve()
        runs = (self.root / ".specify" / "runs").resolve()
        touched: set[str] = set()
        changed = rediscover = claims = False
        for path in paths:
            path = path.resolve()
            if path.is_relative_to(runs):
                claims = True
            elif path.is_relative_to(specs) and path != specs:
                parts = path.relative_to(specs).parts
                touched.add(parts[0])
                rediscover |= len(parts) == 1
                # spec.md or plan.md changes the stage or the detail pane, not the parse.
                changed |= len(parts) > 1 and parts[-1] != "tasks.md"
        known = {feature.name for feature in self.feature_states}
        if rediscover or not touched <= known:
            changed |= self._rediscover()
        for name in touched:
            feature = self.feature(name)
            if feature is not None:
                changed |= read_tasks(feature)
        if claims:
            fresh = self._read_claims()
            changed |= fresh.keys() != self.claims.keys()
            self.claims = fresh
        if changed:
            self.reloaded_at = self.clock()
            self.rebuild()

    def reload_all(self) -> None:
        self._rediscover()
        for feature in self.feature_states:
            read_tasks(feature)
        self.claims = self._read_claims()
        self.rebuild()

    def _rediscover(self) -> bool:
        folders = discover_features(self.root)
        if [path.name for path in folders] == [feature.name for feature in self.feature_states]:
            return False
        old = {feature.name: feature for feature in self.feature_states}
        features: list[FeatureState] = []
        for path in folders:
            feature = old.get(path.name) or FeatureState(path.name, path)
            if path.name not in old:
                read_tasks(feature)
            features.append(feature)
        self.feature_states = features
        return True

    async def load_remaining(self) -> None:
        """Parse the features not read before the first paint, in a thread."""
        pending = [feature for feature in self.feature_states if not feature.loaded]
        fresh = {feature.name: feature for feature in await asyncio.to_thread(parse_features, pending)}
        self.feature_states = [
            fresh.get(feature.name, feature) if not feature.loaded else feature for feature in self.feature_states
        ]
        self.rebuild()

    # The editor

    def action_edit(self) -> None:
        card = self.selected_card()
        if card is None:
            self.notify("No task selected.", severity="warning")
            return
        command = editor_command(card.tasks_path, card.task.line)
        try:
            try:
                with self.suspend():
                    subprocess.run(command, check=False)
            except SuspendNotSupported:
                # Headless (tests, textual-serve): no terminal to hand over.
                subprocess.run(command, check=False, stdin=subprocess.DEVNULL, capture_output=True)
        except OSError as exc:
            self.notify(
                f"Cannot start the editor {command[0]!r}: {exc.strerror}. Set $EDITOR to an editor on PATH.",
                severity="error",
            )
            return
        self.reload_all()

    # Implement runs

    def action_run_task(self) -> None:
        card = self.selected_card()
        if card is None:
            self.notify("No task selected.", severity="warning")
            return
        if self._run_process is not None:
            self.notify(
                f"A run for {self._run_ref} is still going; press c to cancel it first.",
                severity="warning",
            )
            return
        work = partial(self._run_task, card.task.ref)
        self.run_worker(work, group="run", exclusive=True, exit_on_error=False)  # type: ignore[arg-type]

    async def _run_task(self, ref: str) -> None:
        log = self.query_one("#log", Log)
        log.add_class("-visible")
        log.clear()
        available, reason = await asyncio.to_thread(runner_available, self.root)
        if not available:
            log.write_line(reason)
            self.notify(reason, severity="warning", timeout=8)
            return

        command = run_command(ref)
        log.write_line(f"$ {shlex.join(command)}")
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                cwd=self.root,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
        except OSError as exc:
            logger.error("cannot start the run for %s with %s: %s", ref, command[0], exc)
            log.write_line(f"Cannot start {command[0]}: {exc.strerror}")
            return

        self._run_process, self._run_ref = process, ref
        try:
            assert process.stdout is not None
            async for raw in process.stdout:
                log.write_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
            code = await process.wait()
        finally:
            self._run_process = self._run_ref = None

        outcome = f"cancelled (signal {-code})" if code < 0 else f"exited with status {code}"
        log.write_line(f"Run for {ref} {outcome}.")
        self.notify(f"Run for {ref} {outcome}.", severity="information" if code == 0 else "warning")
        self.reload_all()

    async def action_cancel_run(self) -> None:
        process = self._run_process
        if process is None:
            self.notify("No run to cancel.")
            return
        self.query_one("#log", Log).write_line(f"Cancelling the run for {self._run_ref}…")
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), CANCEL_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
