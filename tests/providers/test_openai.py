"""The openai provider through the real OpenAI SDK.

The first half runs against llama-cpp-python's OpenAI-compatible server with the tiny test
model. The second half uses canned replies on 127.0.0.1 for what a local server cannot be
made to do on demand: 429, 500, a dropped stream, ``json_schema`` support, text tool calls.
"""

from __future__ import annotations

import json

import pytest

from runtime.providers import (
    ContextOverflowError,
    Message,
    ModelRequest,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    ToolCall,
    ToolSpec,
    TruncatedOutputError,
)
from runtime.providers.openai import OpenAIProvider
from tests.providers.canned_server import CannedServer, Reply, canned

pytest.importorskip("openai")

# A hung server or generation fails its test instead of stalling the run.
pytestmark = pytest.mark.timeout(60)

OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 16},
        "done": {"type": "boolean"},
        "kind": {"enum": ["feature", "bugfix"]},
    },
    "required": ["title", "done", "kind"],
}
READ_FILE = ToolSpec(
    "read_file",
    "Read a file in the repository.",
    {"type": "object", "properties": {"path": {"type": "string", "maxLength": 24}}, "required": ["path"]},
)
FAST_RETRY = {"retry-after-ms": "5"}


def ask(text: str = "Name the feature.", **fields) -> ModelRequest:
    fields.setdefault("max_tokens", 200)
    return ModelRequest(messages=[Message.user(text)], system="You are terse.", **fields)


# --- llama-cpp-python's server -------------------------------------------------------------


def validate(instance, schema) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(instance, schema)


@pytest.fixture
def local(llama_server) -> OpenAIProvider:
    return OpenAIProvider("tiny", api_key="no-key-required", base_url=llama_server, context_window=2048)


def test_local_text_reply_counts_tokens(local):
    # Greedy decoding makes the reply, and whether it ends before the limit, deterministic.
    response = local.complete(ask(max_tokens=8, temperature=0.0))

    assert response.stop_reason == "max_tokens"
    assert response.usage.output_tokens == 8
    assert response.usage.exact


def test_local_stream_matches_text(local):
    fragments: list[str] = []

    response = local.complete(ask(max_tokens=8, temperature=0.0), stream_to=fragments.append)

    assert "".join(fragments) == response.text
    assert response.stop_reason == "max_tokens"


def test_local_structured_falls_back(local):
    response = local.complete(ask(output_schema=OUTPUT_SCHEMA))

    assert local.structured_mode == "json_object"
    validate(response.parsed, OUTPUT_SCHEMA)


def test_local_streamed_structured_output(local):
    fragments: list[str] = []

    response = local.complete(ask(output_schema=OUTPUT_SCHEMA), stream_to=fragments.append)

    validate(response.parsed, OUTPUT_SCHEMA)
    assert "".join(fragments) == response.text


def test_local_streamed_truncation_raises(local):
    with pytest.raises(TruncatedOutputError):
        local.complete(ask(output_schema=OUTPUT_SCHEMA, max_tokens=3), stream_to=lambda _: None)


def test_local_forced_tool_output(llama_server):
    provider = OpenAIProvider("tiny", api_key="x", base_url=llama_server, structured_mode="tool")

    response = provider.complete(ask(output_schema=OUTPUT_SCHEMA))

    validate(response.parsed, OUTPUT_SCHEMA)
    assert response.tool_calls == []


def test_local_named_tool_call(local):
    response = local.complete(ask(tools=[READ_FILE], tool_choice="read_file"))

    assert response.stop_reason == "tool_use"
    assert [call.name for call in response.tool_calls] == ["read_file"]
    validate(response.tool_calls[0].arguments, READ_FILE.input_schema)


def test_local_streamed_tool_call(local):
    response = local.complete(ask(tools=[READ_FILE], tool_choice="read_file"), stream_to=lambda _: None)

    assert [call.name for call in response.tool_calls] == ["read_file"]


def test_local_truncated_output_raises(local):
    with pytest.raises(TruncatedOutputError):
        local.complete(ask(output_schema=OUTPUT_SCHEMA, max_tokens=3))


def test_local_oversized_prompt_rejected(local):
    with pytest.raises(ContextOverflowError) as caught:
        local.complete(ask("word " * 3000))
    assert caught.value.context_window == 2048


# --- canned replies --------------------------------------------------------------------------


@pytest.fixture
def server():
    running = CannedServer().start()
    yield running
    running.stop()


def hosted(server: CannedServer, **options) -> OpenAIProvider:
    options.setdefault("max_retries", 2)
    key = "sk-canned-test-key-0123456789"
    return OpenAIProvider("gpt-4o-mini", api_key=key, base_url=server.url + "/v1", **options)


def test_json_schema_mode_kept(server):
    server.queue(Reply(json_body=canned("openai/structured-reply.json")))
    provider = hosted(server)

    response = provider.complete(ask(output_schema={"type": "object"}))

    assert server.received[0].body["response_format"]["type"] == "json_schema"
    assert provider.structured_mode == "json_schema"
    assert response.parsed["tasks"][0]["id"] == "T001"


def test_compatible_server_gets_max_tokens(server):
    server.queue(Reply(json_body=canned("openai/structured-reply.json")))

    hosted(server).complete(ask(max_tokens=321))

    assert server.received[0].body["max_tokens"] == 321


def test_official_api_gets_completion_limit(server):
    server.queue(Reply(json_body=canned("openai/structured-reply.json")))

    hosted(server, token_limit_param="max_completion_tokens").complete(ask(max_tokens=321))

    assert server.received[0].body["max_completion_tokens"] == 321
    assert "max_tokens" not in server.received[0].body


def test_official_api_default_limit_param(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    provider = OpenAIProvider("gpt-4o-mini", api_key="sk-canned-test-key-0123456789")

    assert provider.token_limit_param == "max_completion_tokens"


def test_text_tool_call_parsed(server):
    server.queue(Reply(json_body=canned("openai/text-tool-call.json")))

    response = hosted(server).complete(ask(tools=[READ_FILE]))

    assert response.stop_reason == "tool_use"
    assert response.tool_calls[0].name == "read_file"
    assert response.tool_calls[0].arguments == {"path": "specs/001-demo/spec.md"}
    assert response.text == "Reading the spec first."


def test_tool_history_sent_as_messages(server):
    server.queue(Reply(json_body=canned("openai/structured-reply.json")))
    call = ToolCall("call_1", "read_file", {"path": "spec.md"})
    messages = [Message.user("Plan."), Message.assistant("", [call]), Message.tool_result("call_1", "# Spec")]

    hosted(server).complete(ModelRequest(messages=messages, tools=[READ_FILE]))

    sent = server.received[0].body["messages"]
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == {"path": "spec.md"}
    assert sent[2] == {"role": "tool", "tool_call_id": "call_1", "content": "# Spec"}


def test_truncated_reply_raises(server):
    server.queue(Reply(json_body=canned("openai/truncated-reply.json")))

    with pytest.raises(TruncatedOutputError, match="--max-tokens"):
        hosted(server, structured_mode="json_schema").complete(ask(output_schema={"type": "object"}))


def test_stream_usage_counts_cache(server):
    server.queue(Reply(sse=canned("openai/text-reply.sse")))

    response = hosted(server).complete(ask(), stream_to=lambda _: None)

    assert response.text == "The plan has three phases."
    assert response.usage.cached_tokens == 1024
    assert response.usage.exact


def test_rate_limit_recovered_by_retry(server):
    server.queue(
        Reply.error(429, "openai/error-rate-limit.json", **FAST_RETRY),
        Reply(sse=canned("openai/text-reply.sse")),
    )

    assert hosted(server).complete(ask(), stream_to=lambda _: None).stop_reason == "end"


def test_rate_limit_exhausted_raises(server):
    server.queue(*[Reply.error(429, "openai/error-rate-limit.json", **FAST_RETRY) for _ in range(2)])

    with pytest.raises(RateLimitError):
        hosted(server, max_retries=1).complete(ask())


def test_server_error_exhausted_raises(server):
    server.queue(Reply.error(500, "openai/error-server.json"))

    with pytest.raises(ProviderUnavailableError, match="500"):
        hosted(server, max_retries=0).complete(ask())


def test_dropped_stream_raises_unavailable(server):
    server.queue(Reply(sse=canned("openai/text-reply.sse"), drop_after_events=2))
    fragments: list[str] = []

    with pytest.raises(ProviderUnavailableError, match="dropped the connection"):
        hosted(server).complete(ask(), stream_to=fragments.append)
    assert fragments == ["The plan has"]


def test_slow_server_times_out(server):
    server.queue(Reply(json_body=canned("openai/structured-reply.json"), delay_seconds=5))

    with pytest.raises(ProviderTimeoutError, match="timed out"):
        hosted(server, timeout=0.3, max_retries=0).complete(ask())


def test_server_overflow_maps_to_context_error(server):
    server.queue(Reply.error(400, "openai/error-context-length.json"))

    with pytest.raises(ContextOverflowError, match="maximum context length"):
        hosted(server).complete(ask())
