"""Key-by-key merging into JSON with comments keeps every byte the user wrote."""

from __future__ import annotations

import json
import re

import pytest

from specify.errors import ArtifactError
from specify.integrations.jsonc import merge_text

OURS = {"chat.promptFilesRecommendations": {"speckit.plan": True}, "tools": {"specify check": True}}

USER_FILES = {
    "comments and trailing commas": """{
  // editor
  "editor.fontSize": 13,
  /* block */
  "tools": {
    "npm test": true, // safe
  },
}
""",
    "crlf four spaces": '{\r\n    "a": [1, 2,],\r\n    "b": {} /* note */\r\n}\r\n',
    "one line": '{"a": 1}',
    "empty object": "{}\n",
    "only a comment": "{\n  // nothing yet\n}\n",
    "string with braces": '{\n  "a": "x\\"}{ // not a comment"\n}\n',
    "bom": '\ufeff{\n  "a": 1\n}\n',
}


def strip_jsonc(text: str) -> object:
    """Parse JSONC for checking only: drop comments outside strings and trailing commas."""
    pattern = r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/'
    text = re.sub(pattern, lambda m: m.group(1) or "", text, flags=re.DOTALL)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.loads(text.lstrip("\ufeff"))


@pytest.mark.parametrize("name", sorted(USER_FILES))
def test_merge_adds_missing_keys(name: str) -> None:
    merged, _ = merge_text(USER_FILES[name], OURS)
    data = strip_jsonc(merged)
    assert data["chat.promptFilesRecommendations"] == {"speckit.plan": True}  # type: ignore[index]
    assert data["tools"]["specify check"] is True  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(USER_FILES))
def test_merge_keeps_user_text(name: str) -> None:
    original = USER_FILES[name]
    merged, _ = merge_text(original, OURS)
    before, after = strip_jsonc(original), strip_jsonc(merged)
    for key, value in before.items():  # type: ignore[attr-defined]
        if isinstance(value, dict):
            assert after[key].items() >= value.items(), key  # type: ignore[index]
        else:
            assert after[key] == value, key  # type: ignore[index]
    for piece in re.findall(r"//[^\n]*|/\*.*?\*/|\"[^\"]*\": [^,\n}]+", original):
        assert piece in merged, piece


@pytest.mark.parametrize("name", sorted(USER_FILES))
def test_merge_is_idempotent(name: str) -> None:
    once, _ = merge_text(USER_FILES[name], OURS)
    twice, added = merge_text(once, OURS)
    assert twice == once
    assert added == []


def test_user_value_wins() -> None:
    merged, added = merge_text('{"tools": {"specify check": false}, "x": 1}', OURS)
    assert strip_jsonc(merged)["tools"] == {"specify check": False}  # type: ignore[index]
    assert added == ["chat.promptFilesRecommendations"]


def test_non_object_value_not_replaced() -> None:
    merged, added = merge_text('{"tools": "off"}', OURS)
    assert strip_jsonc(merged)["tools"] == "off"  # type: ignore[index]
    assert "tools" not in added


def test_crlf_stays_crlf() -> None:
    merged, _ = merge_text(USER_FILES["crlf four spaces"], OURS)
    assert "\n" not in merged.replace("\r\n", "")
    assert '\r\n    "chat.promptFilesRecommendations": {\r\n        "speckit.plan": true' in merged


def test_empty_text_gets_object() -> None:
    merged, added = merge_text("", OURS)
    assert json.loads(merged) == OURS
    assert added == sorted(OURS)


@pytest.mark.parametrize("text", ["[1]", '{"a": }', '{"a": 1} extra', '{"a" 1}', '{"a": 1', "{/* open"])
def test_invalid_text_rejected(text: str) -> None:
    with pytest.raises(ArtifactError):
        merge_text(text, OURS)
