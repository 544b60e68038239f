"""Run one stage headless: choose the backend, build the prompt, call the model, write files.

Deterministic work (feature numbering, ids, rendering, ticking tasks) happens in code; the
model only writes content, validated against the stage's output model before any file is
touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specify.errors import SpecifyError, UsageError
from specify.project import find_root, resolve_feature
from specify.settings import LoadedSettings, load_settings
from specify.stages.backend import EMBEDDED_CONTEXT, BackendChoice, choose_backend
from specify.stages.registry import STAGES

logger = logging.getLogger(__name__)
Notify = Callable[[str], None]


@dataclass
class RunOptions:
    stage: str
    text: str = ""
    backend: str | None = None
    model: str | None = None
    base_url: str | None = None
    feature: str | None = None
    task: str | None = None
    max_turns: int | None = None
    max_tokens: int | None = None
    yes: bool = False
    resume: str | None = None
    answers: Path | None = None
    interactive: bool = False
    stream: Callable[[str], None] | None = None
    notify: Notify = field(default=lambda message: None)
    ask: Callable[[str, list[str], str], str] | None = None


@dataclass
class RunResult:
    run_id: str | None
    stage: str
    status: str
    message: str
    files: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    backend: str = ""
    feature_dir: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "stage": self.stage, "status": self.status, "message": self.message,
            "files": self.files, "usage": self.usage, "backend": self.backend,
            "feature_dir": self.feature_dir, **self.details,
        }


class ClarifyPendingError(SpecifyError):
    """Questions were written for a non-interactive session; exit status 3."""

    exit_code = 3


def _flags(options: RunOptions) -> dict[str, Any]:
    return {
        "model.backend": options.backend,
        "model.name": options.model,
        "model.base_url": options.base_url,
        "budget.max_tokens": options.max_tokens,
        "budget.max_turns": options.max_turns,
    }


def build_provider(choice: BackendChoice, loaded: LoadedSettings) -> Any:
    """Create the provider for ``choice``; the SDKs are imported by the providers lazily."""
    from runtime.providers.registry import get_provider

    if choice.backend == "llamacpp":
        model_path = Path(choice.model).expanduser()
        if not model_path.is_file():
            raise SpecifyError(f"GGUF model file not found: {model_path}.",
                               "Pass --model PATH.gguf, or build one with `specify model export`.")
        options: dict[str, Any] = {}
        if choice.embedded:
            options["n_ctx"] = EMBEDDED_CONTEXT
        return get_provider("llamacpp", str(model_path), settings=loaded.settings, **options)
    return get_provider(choice.backend, choice.model, choice.base_url, loaded.settings)


def run_stage(options: RunOptions) -> RunResult:
    """Run ``options.stage`` and return what it did; raises project errors on failure."""
    stage = STAGES.get(options.stage)
    if stage is None:
        raise UsageError(f"Unknown stage '{options.stage}'.", f"Stages: {', '.join(STAGES)}.")
    if stage.name == "specify" and not options.text.strip():
        raise UsageError("The specify stage needs a feature description.", 'Run: specify run specify "DESCRIPTION"')

    root = find_root().path
    loaded = load_settings(root, _flags(options))
    feature = resolve_feature(root, options.feature) if stage.needs_feature else None
    if stage.name == "clarify" and options.answers is not None:
        from specify.stages.clarify import apply_answers_file

        return apply_answers_file(root, feature, options.answers)

    choice = choose_backend(loaded)
    options.notify(f"specify run {stage.name}: {choice.describe()}")
    provider = build_provider(choice, loaded)
    from specify.stages.execute import execute_stage

    return execute_stage(stage, options, root, loaded, choice, provider, feature)

