"""API keys from the environment or the user config, registered for redaction on read."""

from __future__ import annotations

import os

from runtime.providers.errors import AuthenticationError
from runtime.redact import register_secret
from specify.settings import Settings

KEY_SOURCES = {
    "anthropic": ("ANTHROPIC_API_KEY", "anthropic_api_key"),
    "openai": ("OPENAI_API_KEY", "openai_api_key"),
}


def find_api_key(backend: str, settings: Settings | None) -> str | None:
    """Return the key for ``backend``: the environment first, then ``keys.*`` in the user config."""
    env_var, setting = KEY_SOURCES[backend]
    key = os.environ.get(env_var) or (getattr(settings.keys, setting) if settings else None)
    register_secret(key)
    return key or None


def require_api_key(backend: str, settings: Settings | None) -> str:
    key = find_api_key(backend, settings)
    if key:
        return key
    env_var, setting = KEY_SOURCES[backend]
    raise AuthenticationError(
        f"No API key for the {backend} backend.",
        f"Set {env_var}, or run `specify config set keys.{setting} KEY --user`.",
    )
