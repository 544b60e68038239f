"""Extraction of JSON from model replies that broke similar tools, one class per case file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from runtime.providers.errors import InvalidOutputError, TruncatedOutputError
from runtime.providers.jsonout import extract_json, parse_reply

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "providers" / "llm-output"
FIRST_TASK = {"id": "T001", "description": "Create project structure in app/", "parallel": False, "story": None}


def case(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8")


def test_fenced_case_parsed():
    found = parse_reply(case("fenced.txt"))

    assert found.value == {"tasks": [FIRST_TASK]}
    assert found.source == "fence"


def test_preface_case_parsed():
    found = parse_reply(case("preface.txt"))

    assert found.value == {"tasks": [FIRST_TASK]}
    assert found.source == "embedded"


def test_two_objects_case_takes_first(caplog):
    with caplog.at_level(logging.WARNING, logger="runtime.providers.jsonout"):
        found = parse_reply(case("two-objects.txt"))

    assert found.value == {"tasks": [FIRST_TASK]}
    assert found.extra_values == 1
    assert "1 more JSON value" in caplog.text


def test_trailing_comma_case_rejected():
    with pytest.raises(InvalidOutputError, match="trailing comma") as caught:
        parse_reply(case("trailing-comma.txt"))
    assert caught.value.raw == case("trailing-comma.txt")


def test_truncated_case_with_stop_reason():
    with pytest.raises(TruncatedOutputError, match="--max-tokens"):
        parse_reply(case("truncated.txt"), stop_reason="max_tokens")


def test_truncated_case_without_stop_reason():
    # Without the stop reason the cut is not guessed: the value is reported as incomplete.
    with pytest.raises(InvalidOutputError, match="ends inside its JSON value"):
        parse_reply(case("truncated.txt"))


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("```\n{\"a\": 1}\n```", {"a": 1}),
        ("~~~json\n{\"a\": 1}\n~~~\nDone.", {"a": 1}),
        ("Result:\n\n```JSON\n  {\"a\": [1, 2]}\n```\n", {"a": [1, 2]}),
        ("Sure.\n{\"a\": \"} not the end {\"}\nHope that helps!", {"a": "} not the end {"}),
        ("<think>maybe {\"draft\": true}</think>{\"a\": 1}", {"a": 1}),
        ("\ufeff{\"a\": 1}", {"a": 1}),
        ("{\"text\": \"line one\nline two\"}", {"text": "line one\nline two"}),
        ("See [1] below. {\"a\": 1}", {"a": 1}),
    ],
)
def test_reply_variants_parsed(reply, expected):
    assert parse_reply(reply, openers="{").value == expected


def test_nested_object_not_taken_from_broken_outer():
    # The inner object is valid, but taking it would hide the broken outer value.
    with pytest.raises(InvalidOutputError, match="trailing comma"):
        extract_json('{"outer": {"inner": 1}, }')


def test_single_quotes_rejected_with_position():
    with pytest.raises(InvalidOutputError, match="line 1 column 2"):
        extract_json("{'a': 1}")


def test_prose_only_rejected():
    with pytest.raises(InvalidOutputError, match="no JSON object"):
        extract_json("I could not produce the tasks.")


def test_array_accepted_by_default():
    assert extract_json("Tasks: [1, 2]").value == [1, 2]
