"""Choose the model backend for a run.

Order: ``--backend`` flag > ``SPECIFY_BACKEND`` > ``model.backend`` in the project or user
config > the embedded local model shipped in the package. An API key in the environment never
switches backends by itself. The choice and the rule that made it are printed on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from specify.errors import SpecifyError
from specify.settings import LoadedSettings

EMBEDDED_MODEL = Path(__file__).resolve().parent.parent / "models" / "embedded.gguf"
EMBEDDED_CONTEXT = 4096


@dataclass(frozen=True)
class BackendChoice:
    backend: str
    model: str
    base_url: str | None
    rule: str
    embedded: bool = False

    def describe(self) -> str:
        where = f" at {self.base_url}" if self.base_url else ""
        return f"backend {self.backend}, model {self.model}{where} (chosen by {self.rule})"


DEFAULT_MODELS = {"anthropic": "claude-sonnet-4-5", "openai": "gpt-4.1-mini"}


def choose_backend(loaded: LoadedSettings) -> BackendChoice:
    settings = loaded.settings.model
    backend = settings.backend
    if backend is None:
        if not EMBEDDED_MODEL.is_file():
            raise SpecifyError(
                f"No backend is configured and the embedded model is missing ({EMBEDDED_MODEL}).",
                "Pass --backend anthropic|openai|llamacpp, or reinstall specify-agent.",
            )
        return BackendChoice("llamacpp", settings.name or str(EMBEDDED_MODEL), None,
                             "default: the embedded local model", embedded=settings.name is None)
    rule = loaded.source_of("model.backend")
    model = settings.name
    if model is None:
        if backend == "llamacpp":
            model = str(EMBEDDED_MODEL)
        elif backend == "openai" and settings.base_url:
            model = "local-model"
        else:
            model = DEFAULT_MODELS[backend]
    return BackendChoice(backend, model, settings.base_url, rule, embedded=model == str(EMBEDDED_MODEL))
