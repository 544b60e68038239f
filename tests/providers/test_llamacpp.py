"""The llamacpp provider in process, on a tiny random-weight GGUF built by the tests."""

from __future__ import annotations

import pytest

from runtime.providers import (
    ContextOverflowError,
    Message,
    ModelRequest,
    ToolCall,
    ToolSpec,
    TruncatedOutputError,
)
from runtime.providers.llamacpp import LlamaCppProvider, _StopScanner
from runtime.providers.llamacpp_prompt import partial_reply
from runtime.providers.llamacpp_utf8 import Utf8Guard
from specify.errors import ConfigError

jsonschema = pytest.importorskip("jsonschema")

# A hung server or generation fails its test instead of stalling the run.
pytestmark = pytest.mark.timeout(60)

TASKS_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "maxLength": 24},
        "tasks": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string", "maxLength": 20},
                    "parallel": {"type": "boolean"},
                    "story": {"anyOf": [{"type": "string", "maxLength": 6}, {"type": "null"}]},
                    "priority": {"enum": ["P1", "P2", "P3"]},
                    "estimate": {"type": "integer", "minimum": 0, "maximum": 99},
                },
                "required": ["description", "parallel", "story", "priority", "estimate"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["summary", "tasks"],
    "additionalProperties": False,
}
READ_FILE = ToolSpec(
    "read_file",
    "Read a file in the repository.",
    {"type": "object", "properties": {"path": {"type": "string", "maxLength": 24}}, "required": ["path"]},
)
LIST_FILES = ToolSpec(
    "list_files",
    "List a folder.",
    {"type": "object", "properties": {"folder": {"type": "string", "maxLength": 24}}, "required": ["folder"]},
)


@pytest.fixture(scope="module")
def provider(tiny_gguf) -> LlamaCppProvider:
    return LlamaCppProvider(tiny_gguf, n_ctx=2048, n_gpu_layers=-1)


def ask(text: str = "Plan the work.", **fields) -> ModelRequest:
    fields.setdefault("max_tokens", 400)
    return ModelRequest(messages=[Message.user(text)], system="You write plans.", **fields)


def test_text_reply_counts_exactly(provider):
    response = provider.complete(ask(max_tokens=12, temperature=0.0))

    assert response.usage.input_tokens == provider.count_tokens(ask()).tokens
    assert response.usage.output_tokens == 12
    assert response.stop_reason == "max_tokens"


def test_repeated_prompt_reuses_cache(provider):
    request = ask("The same prompt twice.", max_tokens=4, temperature=0.0)
    provider.complete(request)

    second = provider.complete(request)

    assert second.usage.cached_tokens == second.usage.input_tokens - 1


def test_stream_matches_text(provider):
    fragments: list[str] = []

    response = provider.complete(ask(max_tokens=16, temperature=0.0), stream_to=fragments.append)

    assert "".join(fragments) == response.text


@pytest.mark.parametrize("seed_text", ["Plan the work.", "List tasks.", "Anything at all"])
def test_grammar_output_valid_at_high_temperature(provider, seed_text):
    response = provider.complete(ask(seed_text, output_schema=TASKS_SCHEMA, temperature=1.5))

    jsonschema.validate(response.parsed, TASKS_SCHEMA)
    assert response.stop_reason == "end"


def test_structured_output_streams_json(provider):
    fragments: list[str] = []

    response = provider.complete(ask(output_schema=TASKS_SCHEMA), stream_to=fragments.append)

    assert "".join(fragments) == response.raw["text"]
    jsonschema.validate(response.parsed, TASKS_SCHEMA)


def test_truncated_structured_output_raises(provider):
    with pytest.raises(TruncatedOutputError, match="output limit of 5 tokens"):
        provider.complete(ask(output_schema=TASKS_SCHEMA, max_tokens=5))


def test_forced_tool_call_valid(provider):
    response = provider.complete(ask(tools=[READ_FILE, LIST_FILES], tool_choice="read_file", temperature=1.5))

    assert response.stop_reason == "tool_use"
    assert [call.name for call in response.tool_calls] == ["read_file"]
    jsonschema.validate(response.tool_calls[0].arguments, READ_FILE.input_schema)


def test_any_tool_call_names_known_tool(provider):
    response = provider.complete(ask(tools=[READ_FILE, LIST_FILES], tool_choice="any", temperature=1.5))

    assert response.tool_calls[0].name in {"read_file", "list_files"}


def test_auto_choice_gives_call_or_reply(provider):
    for temperature in (0.0, 1.0, 1.5):
        response = provider.complete(ask(tools=[READ_FILE], temperature=temperature))
        if response.tool_calls:
            assert response.stop_reason == "tool_use"
        else:
            # A random model may write a plain reply up to the limit, which is not an error.
            assert response.stop_reason in ("end", "max_tokens")


def test_cut_reply_envelope_returns_text():
    assert partial_reply('{"reply": "Half a sent') == "Half a sent"
    assert partial_reply('{ "reply" :"line\\nnext \\u00') == "line\nnext "
    assert partial_reply('{"name": "read_file", "arguments": {"pa') is None


def test_tools_with_output_schema(provider):
    response = provider.complete(ask(tools=[READ_FILE], output_schema=TASKS_SCHEMA, temperature=1.5))

    if response.tool_calls:
        jsonschema.validate(response.tool_calls[0].arguments, READ_FILE.input_schema)
    else:
        jsonschema.validate(response.parsed, TASKS_SCHEMA)


def test_tool_history_renders(provider):
    call = ToolCall("call_1", "read_file", {"path": "spec.md"})
    messages = [Message.user("Plan."), Message.assistant("", [call]), Message.tool_result("call_1", "# Spec")]
    request = ModelRequest(messages=messages, tools=[READ_FILE], tool_choice="read_file", max_tokens=200)

    response = provider.complete(request)

    assert response.tool_calls[0].name == "read_file"


def test_stop_sequence_cuts_text(provider):
    plain = provider.complete(ask(max_tokens=24, temperature=0.0))
    assert plain.text.startswith("\n")  # greedy decoding of this model writes newlines

    response = provider.complete(ask(max_tokens=24, temperature=0.0, stop=["\n"]))

    assert response.stop_reason == "stop_sequence"
    assert response.text == ""


def test_stop_scanner_holds_partial_match():
    fragments: list[str] = []
    scanner = _StopScanner(["END"], [], fragments.append)

    assert scanner.feed("abcE") is None
    assert scanner.feed("N") is None
    assert scanner.feed("Dxyz") == "stop_sequence"
    assert scanner.finish("") == "abc"
    assert "".join(fragments) == "abc"


def test_utf8_guard_completes_characters():
    euro = "€".encode()  # three bytes: one lead byte, two continuation bytes
    vocabulary = [b"a", euro[:1], euro[1:2], euro[2:], euro[1:], b"\x80a"]
    guard = Utf8Guard(vocabulary)

    assert list(guard._allowed[0]) == [True, True, False, False, False, False]
    guard.advance(1)
    # Any lone continuation byte or the two-byte tail may follow; "\x80a" needs one, not two.
    assert list(guard._allowed[guard.need]) == [False, False, True, True, True, False]
    guard.advance(2)
    assert guard.need == 1
    guard.advance(3)
    assert guard.need == 0


def test_oversized_prompt_rejected_exactly(provider):
    request = ask("word " * 3000)

    with pytest.raises(ContextOverflowError) as caught:
        provider.complete(request)
    assert caught.value.prompt_tokens == provider.count_tokens(request).tokens
    assert "counted exactly" in str(caught.value)


def test_describe_reports_offload(provider):
    import llama_cpp

    facts = provider.describe()

    assert facts["layers_total"] == 3  # two blocks plus the output layer
    assert facts["supports_gpu_offload"] == bool(llama_cpp.llama_supports_gpu_offload())
    assert facts["layers_offloaded"] == (3 if facts["supports_gpu_offload"] else 0)
    assert facts["chat_template"] == "gguf"


def test_missing_template_uses_chatml(tiny_gguf_no_template):
    provider = LlamaCppProvider(tiny_gguf_no_template, n_ctx=1024)

    response = provider.complete(ask(output_schema=TASKS_SCHEMA))

    assert provider.describe()["chat_template"] == "chatml (fallback)"
    jsonschema.validate(response.parsed, TASKS_SCHEMA)


def test_missing_file_names_path(tmp_path):
    missing = tmp_path / "absent.gguf"

    with pytest.raises(ConfigError, match="absent.gguf"):
        LlamaCppProvider(missing).complete(ask())


def test_corrupt_file_names_path(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)

    with pytest.raises(ConfigError, match="broken.gguf"):
        LlamaCppProvider(broken).complete(ask())


def test_oversized_grammar_raises_not_crashes(provider):
    from runtime.providers.errors import ProviderError

    long_text = {"type": "string", "maxLength": 2000}
    item = {"type": "object", "properties": {f"f{i}": long_text for i in range(6)},
            "required": [f"f{i}" for i in range(6)]}
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": item, "maxItems": 6}},
              "required": ["items"]}
    with pytest.raises(ProviderError, match="rejected the grammar"):
        provider.complete(ask(output_schema=schema))
