"""Secret redaction for logs, transcripts and error messages."""

from __future__ import annotations

import logging

import pytest

from runtime import redact as redaction
from runtime.redact import MASK, RedactingFilter, redact, redact_data, register_environment_keys, register_secret


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(redaction, "_secrets", set())


def test_registered_secret_masked():
    register_secret("plain-secret-value-42")

    assert redact("key=plain-secret-value-42;") == f"key={MASK};"


def test_short_secret_not_registered():
    register_secret("abc")

    assert redact("abcdef") == "abcdef"


@pytest.mark.parametrize(
    "text",
    [
        "sk-ant-api03-AbCdEf0123456789_-xyz",
        "sk-proj-AbCdEf0123456789AbCdEf",
        "sk-AbCdEf0123456789AbCdEf",
    ],
)
def test_key_patterns_masked(text):
    assert redact(f"using {text} now") == f"using {MASK} now"


def test_bearer_header_keeps_prefix():
    assert redact("Authorization: Bearer abcdefghijklmnop0123") == f"Authorization: Bearer {MASK}"


def test_environment_keys_registered(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "local-server-token-123")
    register_environment_keys()

    assert MASK in redact("token local-server-token-123")


def test_nested_data_redacted():
    register_secret("nested-secret-0001")
    data = {"messages": [{"content": "use nested-secret-0001"}], "count": 3}

    assert redact_data(data) == {"messages": [{"content": f"use {MASK}"}], "count": 3}


def test_log_filter_masks_arguments(caplog):
    register_secret("logged-secret-0002")
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="test.redact"):
            logger.info("calling with %s", "logged-secret-0002")
    finally:
        logger.filters.clear()

    assert "logged-secret-0002" not in caplog.text
    assert MASK in caplog.text
