"""Import optional dependencies with an error that names the install command."""

from __future__ import annotations

import importlib
from types import ModuleType

from specify.errors import MissingExtraError

EXTRAS = {
    "tui": ("textual", "watchfiles"),
    "local": ("llama_cpp",),
    "train": ("torch", "tokenizers", "safetensors", "gguf"),
    "dev": ("pytest",),
}


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise an error naming ``pip install 'specify-agent[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"This command needs the Python package '{module}', which is not installed ({exc}).",
            f"Install it with: pip install 'specify-agent[{extra}]'",
        ) from exc
