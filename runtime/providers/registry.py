"""Choose and build a provider from a backend name, a model and the settings."""

from __future__ import annotations

from typing import Any

from runtime.providers.base import Provider
from runtime.providers.keys import find_api_key, require_api_key
from specify.errors import UsageError
from specify.settings import Settings

BACKENDS = ("anthropic", "openai", "llamacpp")
# OpenAI-compatible local servers ignore the key, but the SDK refuses an empty one.
LOCAL_SERVER_KEY = "no-key-required"


def get_provider(
    backend: str,
    model: str | None,
    base_url: str | None = None,
    settings: Settings | None = None,
    **options: Any,
) -> Provider:
    """Build the provider for ``backend``; ``options`` go to its constructor (timeout, ...).

    ``model`` is a model name for hosted backends and a GGUF path for ``llamacpp``. Keys come
    from the environment or ``settings.keys``; for ``llamacpp``, ``n_gpu_layers`` and
    ``n_ctx`` come from ``settings.model`` unless given in ``options``.
    """
    settings = settings or Settings()
    if backend not in BACKENDS:
        raise UsageError(f"Unknown backend '{backend}'.", f"Choose one of: {', '.join(BACKENDS)}.")
    if not model:
        what = "the path to a .gguf file" if backend == "llamacpp" else "a model name"
        raise UsageError(f"The {backend} backend needs {what}.", "Pass --model or set model.name.")

    if backend == "anthropic":
        from runtime.providers.anthropic import AnthropicProvider

        return AnthropicProvider(model, api_key=require_api_key("anthropic", settings), base_url=base_url, **options)
    if backend == "openai":
        from runtime.providers.openai import OpenAIProvider

        key: str | None = find_api_key("openai", settings) if base_url else require_api_key("openai", settings)
        if base_url:
            # A local server's window is set when it starts; model.n_ctx states it.
            options.setdefault("context_window", settings.model.n_ctx)
        return OpenAIProvider(model, api_key=key or LOCAL_SERVER_KEY, base_url=base_url, **options)

    from runtime.providers.llamacpp import LlamaCppProvider

    options.setdefault("n_gpu_layers", settings.model.n_gpu_layers)
    options.setdefault("n_ctx", settings.model.n_ctx)
    options.setdefault("default_temperature", settings.model.temperature)
    return LlamaCppProvider(model, **options)
