"""The anthropic provider through the real Anthropic SDK against canned replies on 127.0.0.1."""

from __future__ import annotations

import json
import socket

import pytest

from runtime.providers import (
    AuthenticationError,
    ContextOverflowError,
    Message,
    ModelRequest,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    SystemBlock,
    ToolCall,
    ToolSpec,
    TruncatedOutputError,
)
from runtime.providers.anthropic import AnthropicProvider
from tests.providers.canned_server import CannedServer, Reply, canned

pytest.importorskip("anthropic")

# A hung server or generation fails its test instead of stalling the run.
pytestmark = pytest.mark.timeout(60)

API_KEY = "sk-ant-api03-canned-test-key-0123456789abcdef"
TASKS_SCHEMA = {
    "type": "object",
    "properties": {"tasks": {"type": "array", "items": {"type": "object"}}},
    "required": ["tasks"],
}
READ_FILE = ToolSpec(
    "read_file",
    "Read a file in the repository.",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)
FAST_RETRY = {"retry-after-ms": "5"}


@pytest.fixture
def server():
    running = CannedServer().start()
    yield running
    running.stop()


def provider_for(server: CannedServer, **options) -> AnthropicProvider:
    options.setdefault("max_retries", 2)
    return AnthropicProvider("claude-sonnet-4-5", api_key=API_KEY, base_url=server.url, **options)


def ask(text: str = "Summarise the plan.", **fields) -> ModelRequest:
    return ModelRequest(messages=[Message.user(text)], max_tokens=1024, **fields)


def test_text_reply_streams_fragments(server):
    server.queue(Reply(sse=canned("anthropic/text-reply.sse")))
    fragments: list[str] = []

    response = provider_for(server).complete(ask(), stream_to=fragments.append)

    assert fragments == ["The plan has", " three phases."]
    assert response.text == "The plan has three phases."
    assert response.stop_reason == "end"


def test_usage_counts_cached_tokens(server):
    server.queue(Reply(sse=canned("anthropic/text-reply.sse")))

    usage = provider_for(server).complete(ask()).usage

    assert usage.input_tokens == 31 + 1200
    assert usage.cached_tokens == 1200
    assert usage.output_tokens == 7


def test_api_key_sent_in_header(server):
    server.queue(Reply(sse=canned("anthropic/text-reply.sse")))

    provider_for(server).complete(ask())

    headers = server.received[0].headers
    # SDK 0.x sends x-api-key; SDK 2.x sends the same key as a bearer token.
    assert API_KEY in (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer "))


def test_cacheable_system_blocks_marked(server):
    server.queue(Reply(sse=canned("anthropic/text-reply.sse")))
    system = [
        SystemBlock("Constitution: tests first.", cacheable=True),
        SystemBlock("Spec: a demo app.", cacheable=True),
        SystemBlock("Today's task: plan."),
    ]

    provider_for(server).complete(ask(system=system))

    sent = server.received[0].body["system"]
    assert [block.get("cache_control") for block in sent] == [
        {"type": "ephemeral"},
        {"type": "ephemeral"},
        None,
    ]


def test_structured_output_uses_forced_tool(server):
    server.queue(Reply(sse=canned("anthropic/structured-output.sse")))

    response = provider_for(server).complete(ask(output_schema=TASKS_SCHEMA))

    body = server.received[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "write_output"}
    assert body["tools"][0]["input_schema"] == TASKS_SCHEMA
    assert response.parsed["tasks"][0]["id"] == "T001"
    assert response.stop_reason == "end"


def test_structured_output_streams_json(server):
    server.queue(Reply(sse=canned("anthropic/structured-output.sse")))
    fragments: list[str] = []

    provider_for(server).complete(ask(output_schema=TASKS_SCHEMA), stream_to=fragments.append)

    assert json.loads("".join(fragments))["tasks"][0]["id"] == "T001"


def test_tool_use_returns_calls(server):
    server.queue(Reply(sse=canned("anthropic/tool-use.sse")))

    response = provider_for(server).complete(ask(tools=[READ_FILE]))

    assert response.stop_reason == "tool_use"
    assert response.tool_calls == [ToolCall("toolu_01ReadSpec", "read_file", {"path": "specs/001-demo/spec.md"})]
    assert response.text == "I will read the spec first."


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("any", {"type": "any"}),
        ("read_file", {"type": "tool", "name": "read_file"}),
    ],
)
def test_tool_choice_translated(server, choice, expected):
    server.queue(Reply(sse=canned("anthropic/tool-use.sse")))

    provider_for(server).complete(ask(tools=[READ_FILE], tool_choice=choice))

    assert server.received[0].body["tool_choice"] == expected


def test_tools_with_output_schema(server):
    server.queue(Reply(sse=canned("anthropic/structured-output.sse")))

    response = provider_for(server).complete(ask(tools=[READ_FILE], output_schema=TASKS_SCHEMA))

    body = server.received[0].body
    assert [tool["name"] for tool in body["tools"]] == ["read_file", "write_output"]
    assert body["tool_choice"] == {"type": "any"}
    assert response.parsed["tasks"][0]["id"] == "T001"


def test_tool_call_during_structured_request(server):
    server.queue(Reply(sse=canned("anthropic/tool-use.sse")))

    response = provider_for(server).complete(ask(tools=[READ_FILE], output_schema=TASKS_SCHEMA))

    assert response.parsed is None
    assert response.tool_calls[0].name == "read_file"


def test_tool_results_sent_back(server):
    server.queue(Reply(sse=canned("anthropic/text-reply.sse")))
    call = ToolCall("toolu_01ReadSpec", "read_file", {"path": "spec.md"})
    messages = [
        Message.user("Plan it."),
        Message.assistant("", [call]),
        Message.tool_result(call.id, "# Spec", is_error=False),
    ]

    provider_for(server).complete(ModelRequest(messages=messages, tools=[READ_FILE]))

    sent = server.received[0].body["messages"]
    assert sent[1]["content"][0]["type"] == "tool_use"
    assert sent[2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_01ReadSpec",
        "content": "# Spec",
        "is_error": False,
    }


def test_stop_sequence_reported(server):
    server.queue(Reply(sse=canned("anthropic/stop-sequence.sse")))

    response = provider_for(server).complete(ask(stop=["three"]))

    assert server.received[0].body["stop_sequences"] == ["three"]
    assert response.stop_reason == "stop_sequence"


def test_truncated_output_raises(server):
    server.queue(Reply(sse=canned("anthropic/max-tokens-output.sse")))

    with pytest.raises(TruncatedOutputError, match="--max-tokens"):
        provider_for(server).complete(ask(output_schema=TASKS_SCHEMA))


def test_rate_limit_recovered_by_retry(server):
    server.queue(
        Reply.error(429, "anthropic/error-rate-limit.json", **FAST_RETRY),
        Reply(sse=canned("anthropic/text-reply.sse")),
    )

    response = provider_for(server).complete(ask())

    assert response.text == "The plan has three phases."
    assert len(server.received) == 2


def test_rate_limit_exhausted_raises(server):
    server.queue(*[Reply.error(429, "anthropic/error-rate-limit.json", **FAST_RETRY) for _ in range(3)])

    with pytest.raises(RateLimitError, match="Wait a minute"):
        provider_for(server, max_retries=2).complete(ask())
    assert len(server.received) == 3


def test_server_error_recovered_by_retry(server):
    server.queue(
        Reply.error(500, "anthropic/error-api.json", **FAST_RETRY),
        Reply(sse=canned("anthropic/text-reply.sse")),
    )

    assert provider_for(server).complete(ask()).stop_reason == "end"


def test_server_error_exhausted_raises(server):
    server.queue(Reply.error(500, "anthropic/error-api.json"))

    with pytest.raises(ProviderUnavailableError, match="500"):
        provider_for(server, max_retries=0).complete(ask())


def test_dropped_stream_raises_unavailable(server):
    server.queue(Reply(sse=canned("anthropic/text-reply.sse"), drop_after_events=4))
    fragments: list[str] = []

    with pytest.raises(ProviderUnavailableError, match="dropped the connection"):
        provider_for(server).complete(ask(), stream_to=fragments.append)
    assert fragments == ["The plan has"]


def test_error_event_mid_stream_raises(server):
    server.queue(Reply(sse=canned("anthropic/overloaded-mid-stream.sse")))

    with pytest.raises(ProviderUnavailableError, match="Overloaded"):
        provider_for(server).complete(ask())


def test_slow_server_times_out(server):
    server.queue(Reply(sse=canned("anthropic/text-reply.sse"), delay_seconds=5))

    with pytest.raises(ProviderTimeoutError, match="timed out"):
        provider_for(server, timeout=0.3, max_retries=0).complete(ask())


def test_closed_port_raises_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port was free a moment ago and nothing listens on it now, so connecting is refused.
    url = f"http://127.0.0.1:{port}"
    provider = AnthropicProvider("claude-sonnet-4-5", api_key=API_KEY, base_url=url, max_retries=0)

    with pytest.raises(ProviderUnavailableError, match="Could not connect"):
        provider.complete(ask())


def test_rejected_key_raises_without_key(server):
    server.queue(Reply.error(401, "anthropic/error-authentication.json"))

    with pytest.raises(AuthenticationError) as caught:
        provider_for(server).complete(ask())
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert API_KEY not in str(caught.value)


def test_server_overflow_maps_to_context_error(server):
    server.queue(Reply.error(400, "anthropic/error-prompt-too-long.json"))

    with pytest.raises(ContextOverflowError, match="prompt is too long"):
        provider_for(server).complete(ask())


def test_oversized_prompt_rejected_before_sending(server):
    server.queue(Reply(json_body=canned("anthropic/count-tokens.json")))
    request = ask("word " * 200_000)  # about 1 MB, so the estimate exceeds the window

    with pytest.raises(ContextOverflowError) as caught:
        provider_for(server, context_window=100_000).complete(request)
    assert [received.path for received in server.received] == ["/v1/messages/count_tokens"]
    assert caught.value.prompt_tokens == 150_000
    assert "150000 tokens (counted exactly)" in str(caught.value)
