"""Secret redaction for logs, transcripts and error messages.

Two kinds of secret are masked: values registered at run time (the API keys a provider
uses, read from the environment or the user config) and anything shaped like an Anthropic or
OpenAI key (``sk-ant-...``, ``sk-...``), so a key pasted into a prompt or echoed by a server
is caught too.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any

MASK = "[REDACTED]"
KEY_ENV_VARS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")
# A registered secret shorter than this is not masked: masking "abc" would mangle ordinary text.
MIN_SECRET_LENGTH = 8

# Anthropic keys start with sk-ant-, OpenAI keys with sk- or sk-proj-; both are long runs of
# URL-safe base64. Bearer tokens in echoed headers are masked as well.
_KEY_PATTERNS = (
    re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9_\-.=]{16,}"),
    re.compile(r"(?i)(\bx-api-key[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9_\-.=]{8,}"),
)

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Add ``value`` to the secrets masked from now on in this process."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def register_environment_keys() -> None:
    """Register the API keys found in the environment."""
    for var in KEY_ENV_VARS:
        register_secret(os.environ.get(var))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and key-shaped string masked."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(_mask_match, text)
    return text


def _mask_match(match: re.Match[str]) -> str:
    # Keep a captured prefix such as "Bearer " so the masked text still reads naturally.
    prefix = match.group(1) if match.re.groups else ""
    return f"{prefix}{MASK}"


def redact_data(value: Any) -> Any:
    """Return a copy of a JSON-like value with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in each record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
