"""Provider selection, API keys and lazy SDK imports."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from runtime.providers import AuthenticationError, ContextOverflowError, Message, ModelRequest, get_provider
from runtime.providers.anthropic import AnthropicProvider
from runtime.providers.base import Provider, TokenCount
from runtime.providers.context import ensure_fits, estimate_tokens
from runtime.providers.llamacpp import LlamaCppProvider
from runtime.providers.openai import OpenAIProvider
from runtime.redact import MASK, redact
from specify.errors import UsageError
from specify.settings import Settings, load_settings, set_setting


def test_unknown_backend_rejected():
    with pytest.raises(UsageError, match="anthropic, openai, llamacpp"):
        get_provider("bard", "x")


def test_missing_model_rejected():
    with pytest.raises(UsageError, match="--model"):
        get_provider("anthropic", None)


def test_missing_key_names_both_sources():
    with pytest.raises(AuthenticationError) as caught:
        get_provider("anthropic", "claude-sonnet-4-5")
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert "keys.anthropic_api_key" in str(caught.value)


def test_environment_key_used_and_redacted(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-anthropic-key-value")

    provider = get_provider("anthropic", "claude-sonnet-4-5")

    assert isinstance(provider, AnthropicProvider)
    assert redact("env-anthropic-key-value") == MASK


def test_user_config_key_used():
    set_setting("keys.openai_api_key", "config-openai-key-value", root=None, user=True)
    settings = load_settings(None).settings

    provider = get_provider("openai", "gpt-4o-mini", settings=settings)

    assert isinstance(provider, OpenAIProvider)
    assert redact("config-openai-key-value") == MASK


def test_local_server_needs_no_key():
    provider = get_provider("openai", "tiny", base_url="http://127.0.0.1:9/v1", settings=Settings())

    assert provider.context_window() == Settings().model.n_ctx


def test_llamacpp_takes_model_settings():
    settings = Settings()
    settings.model.n_gpu_layers = 7
    settings.model.n_ctx = 1024

    provider = get_provider("llamacpp", "model.gguf", settings=settings)

    assert isinstance(provider, LlamaCppProvider)
    assert (provider.n_gpu_layers, provider.n_ctx) == (7, 1024)


def test_providers_match_protocol():
    provider = get_provider("openai", "tiny", base_url="http://127.0.0.1:9/v1")

    assert isinstance(provider, Provider)


def test_request_rejects_unknown_tool_choice():
    with pytest.raises(ValueError, match="not 'auto', 'any' or one of the tools"):
        ModelRequest(messages=[Message.user("x")], tool_choice="write_file")


def test_request_rejects_zero_max_tokens():
    with pytest.raises(ValueError, match="at least 1"):
        ModelRequest(messages=[Message.user("x")], max_tokens=0)


def test_estimate_counts_high():
    text = "The constitution says tests come first. " * 100
    request = ModelRequest(messages=[Message.user(text)])

    # English prose averages about 4.5 bytes per token in hosted tokenizers.
    assert estimate_tokens(request).tokens >= len(text) / 4.5


def test_overflow_message_has_numbers():
    with pytest.raises(ContextOverflowError, match="900 tokens .* needs 1100, over the context window of 1000"):
        ensure_fits(TokenCount(900, exact=True, method="tokenizer"), 200, 1000, "m")


def test_importing_providers_loads_no_sdk():
    code = (
        "import sys, runtime.providers, runtime.providers.anthropic, runtime.providers.openai, "
        "runtime.providers.llamacpp; "
        "print(sorted(m for m in ('anthropic', 'openai', 'llama_cpp') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ)
    )

    assert result.stdout.strip() == "[]"
