"""The chat template written into exports: reasoning flags, tools, tool calls, and reply parsing."""

from __future__ import annotations

import pytest

from localmodel.chat_template import (
    EMPTY_THINK,
    ChatTemplateError,
    ToolCall,
    parse_reply,
    render_chat,
)

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}}]


def test_default_mode_is_think() -> None:
    text = render_chat([{"role": "user", "content": "hi"}], add_generation_prompt=True)
    assert "Reasoning Mode: /think\n" in text
    assert text.endswith("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")


def test_no_think_flag_prefills_empty_block() -> None:
    messages = [{"role": "system", "content": "Be brief. /no_think"},
                {"role": "user", "content": "hi"}]
    text = render_chat(messages, add_generation_prompt=True)
    assert "Reasoning Mode: /no_think\n" in text
    assert "## Custom Instructions\n\nBe brief.\n" in text
    assert text.count("/no_think") == 1  # the flag left the system text
    assert text.endswith("<|im_start|>assistant\n" + EMPTY_THINK)


def test_enable_thinking_false_variable() -> None:
    text = render_chat([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                       enable_thinking=False)
    assert text.endswith(EMPTY_THINK)


def test_system_flag_beats_variable() -> None:
    messages = [{"role": "system", "content": "/think"}, {"role": "user", "content": "hi"}]
    text = render_chat(messages, add_generation_prompt=True, enable_thinking=False)
    assert "Reasoning Mode: /think\n" in text
    assert "## Custom Instructions" not in text


def test_history_matches_generation_prompt() -> None:
    # A no-think assistant turn in the history starts exactly as the generation prompt does,
    # so fine-tuning on rendered history trains on the text that inference prefills.
    messages = [{"role": "system", "content": "/no_think"}, {"role": "user", "content": "hi"}]
    prompt = render_chat(messages, add_generation_prompt=True)
    full = render_chat([*messages, {"role": "assistant", "content": "Hello."}])
    assert full == prompt + "Hello.<|im_end|>\n"


def test_think_content_kept_verbatim() -> None:
    messages = [{"role": "user", "content": "2+2?"},
                {"role": "assistant", "content": "<think>\nadd\n</think>\n4"}]
    text = render_chat(messages)
    assert text.endswith("<|im_start|>assistant\n<think>\nadd\n</think>\n4<|im_end|>\n")


def test_tools_listed_as_json() -> None:
    text = render_chat([{"role": "user", "content": "Weather in Oslo?"}], tools=TOOLS)
    assert "<tools>\n" in text
    assert ('{"type": "function", "function": {"name": "get_weather", "description": '
            '"Weather for a city."') in text
    assert "<tool_call>\n{\"name\": <function-name>" in text


def test_tool_calls_and_responses_rendered() -> None:
    messages = [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "get_weather",
                                              "arguments": {"city": "Oslo"}}},
            {"type": "function", "function": {"name": "get_weather",
                                              "arguments": '{"city": "Bergen"}'}},
        ]},
        {"role": "tool", "content": "{\"c\": 4}"},
    ]
    text = render_chat(messages, tools=TOOLS)
    assert ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>\n'
            '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Bergen"}}\n'
            '</tool_call><|im_end|>\n') in text
    assert text.endswith('<|im_start|>user\n<tool_response>\n{"c": 4}\n'
                         '</tool_response><|im_end|>\n')


def test_unknown_role_raises() -> None:
    with pytest.raises(ChatTemplateError, match="narrator"):
        render_chat([{"role": "narrator", "content": "x"}])


def test_parse_reply_splits_parts() -> None:
    reply = parse_reply('<think>\nlook it up\n</think>\nChecking.\n<tool_call>\n'
                        '{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>')
    assert reply.reasoning == "look it up"
    assert reply.content == "Checking."
    assert reply.tool_calls == [ToolCall("get_weather", {"city": "Oslo"})]


def test_parse_reply_string_arguments() -> None:
    reply = parse_reply('<tool_call>{"name": "f", "arguments": "{\\"x\\": 1}"}</tool_call>')
    assert reply.tool_calls == [ToolCall("f", {"x": 1})]


@pytest.mark.parametrize("body", ["not json", '["f"]', '{"arguments": {}}',
                                  '{"name": "f", "arguments": [1]}'])
def test_malformed_call_stays_content(body: str) -> None:
    reply = parse_reply(f"<tool_call>{body}</tool_call>")
    assert reply.tool_calls == []
    assert reply.content == f"<tool_call>{body}</tool_call>"
