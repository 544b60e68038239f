"""Parser: encodings, line endings, delimiters and YAML mistakes; no foreign exceptions."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.skills.loader import build_skill
from runtime.skills.model import SkillParseError
from runtime.skills.parser import parse_skill_bytes
from runtime.skills.rules import PROFILES, check_fields

BASIC = b"---\nname: demo\ndescription: Does a thing.\n---\n\n# Body\n"


def parse_error(data: bytes) -> SkillParseError:
    with pytest.raises(SkillParseError) as caught:
        parse_skill_bytes(data, "SKILL.md")
    return caught.value


def test_basic_file_parses():
    parsed = parse_skill_bytes(BASIC, "SKILL.md")
    assert parsed.frontmatter == {"name": "demo", "description": "Does a thing."}
    assert parsed.body == "\n# Body\n"
    assert parsed.body_line == 5
    assert parsed.key_lines == {"name": 2, "description": 3}


def test_bom_is_stripped_and_recorded():
    parsed = parse_skill_bytes(b"\xef\xbb\xbf" + BASIC, "SKILL.md")
    assert parsed.frontmatter["name"] == "demo"
    assert parsed.had_bom


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_crlf_and_lone_cr_accepted(newline):
    data = BASIC.replace(b"\n", newline).replace(b"Does a thing.", b">-\r\n  folded\r\n  text")
    data = data.replace(b"\r\n", newline)
    parsed = parse_skill_bytes(data, "SKILL.md")
    assert parsed.frontmatter["description"] == "folded text"
    assert "\r" not in parsed.body


@pytest.mark.parametrize("data", [b"\xff\xfe" + BASIC.decode().encode("utf-16-le"),
                                  BASIC.decode().encode("utf-16-be")])
def test_utf16_is_detected(data):
    error = parse_error(data)
    assert error.diagnostic.code == "encoding"
    assert "UTF-16" in error.diagnostic.message


def test_latin1_byte_reports_offset():
    data = b"---\nname: cv\ndescription: R\xe9sum\xe9 builder.\n---\n"
    error = parse_error(data)
    assert error.diagnostic.line == 3
    assert "byte offset 27" in error.diagnostic.message
    assert error.diagnostic.column == 15


def test_dashes_inside_value_are_data():
    data = b"---\nname: d\ndescription: before---after\n---\nOne\n\n---\n\nTwo\n"
    parsed = parse_skill_bytes(data, "SKILL.md")
    assert parsed.frontmatter["description"] == "before---after"
    assert parsed.body == "One\n\n---\n\nTwo\n"


def test_indented_dashes_in_block_are_data():
    data = b"---\nname: d\ndescription: |\n  ---\n  kept\n---\nbody\n"
    assert parse_skill_bytes(data, "SKILL.md").frontmatter["description"] == "---\nkept\n"


def test_unclosed_frontmatter_is_error():
    assert parse_error(b"---\nname: x\ndescription: y\n\n# Body\n").diagnostic.code == "unclosed-frontmatter"


def test_missing_frontmatter_is_error():
    assert parse_error(b"# Just a heading\n").diagnostic.code == "no-frontmatter"


def test_eof_after_closing_delimiter():
    parsed = parse_skill_bytes(b"---\nname: x\ndescription: y\n---", "SKILL.md")
    assert parsed.body == ""


def test_trailing_blanks_on_delimiters():
    parsed = parse_skill_bytes(b"--- \nname: x\ndescription: y\n---\t\nbody", "SKILL.md")
    assert parsed.body == "body"


def test_leading_blank_lines_warn():
    parsed = parse_skill_bytes(b"\n\n" + BASIC, "SKILL.md")
    assert [d.code for d in parsed.diagnostics] == ["leading-blank-lines"]
    assert parsed.key_lines["name"] == 4


def test_unquoted_colon_is_retried():
    data = b"---\nname: notes\ndescription: Formats notes. Use when: asked\n---\n"
    parsed = parse_skill_bytes(data, "SKILL.md")
    assert parsed.frontmatter["description"] == "Formats notes. Use when: asked"
    assert parsed.quoted_retry
    assert parsed.diagnostics[0].line == 3
    assert parsed.diagnostics[0].column == 37


def test_retry_happens_only_once():
    data = b"---\nname: n\ndescription: a: b\nbad: [unclosed\n---\n"
    error = parse_error(data)
    assert error.diagnostic.code == "yaml"
    assert error.diagnostic.line == 3  # the original error, before the retry


def test_invalid_yaml_names_line():
    error = parse_error(b"---\nname: x\n\tdescription: tab\n---\n")
    assert error.diagnostic.code == "yaml"
    assert error.diagnostic.line == 3


@pytest.mark.parametrize("frontmatter", [b"- a\n- b\n", b"just a string\n"])
def test_non_mapping_is_error(frontmatter):
    assert parse_error(b"---\n" + frontmatter + b"---\n").diagnostic.code == "not-mapping"


def test_empty_frontmatter_is_error():
    assert parse_error(b"---\n---\nbody\n").diagnostic.code == "empty-frontmatter"


def test_duplicate_key_warns():
    parsed = parse_skill_bytes(b"---\nname: a\nname: b\ndescription: y\n---\n", "SKILL.md")
    assert parsed.frontmatter["name"] == "b"
    assert parsed.diagnostics[0].code == "duplicate-key"
    assert parsed.diagnostics[0].line == 3


@pytest.mark.parametrize("value", [b"2024-99-99", b"!!python/object:os.system x", b"!!timestamp x", b"!!int abc"])
def test_constructor_faults_become_parse_errors(value):
    assert parse_error(b"---\nname: x\ndescription: " + value + b"\n---\n").diagnostic.code == "yaml"


def test_c_loader_is_used():
    from runtime.skills import parser

    assert parser._Loader is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_parse_errors(data):
    try:
        parse_skill_bytes(data, "SKILL.md")
    except SkillParseError as exc:
        assert exc.diagnostic.file == "SKILL.md"


_TRICKY = ["!!timestamp x", "2024-99-99", "[a", "{", "&a", "*a", "|", ">-", "'", '"', ": ", "---",
           "...", "%YAML 1.1", "!!python/name:os", "? a", "!!binary x", "\t", "#", "- -", "\x00"]
_yaml_text = st.lists(
    st.one_of(st.sampled_from(_TRICKY),
              st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)),
    max_size=5,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["name", "description", "metadata", "x", "- a", " "]),
                          _yaml_text), max_size=6), _yaml_text)
def test_random_frontmatter_raises_only_parse_errors(pairs, body):
    frontmatter = "".join(f"{key}: {value}\n" for key, value in pairs)
    data = f"---\n{frontmatter}---\n{body}".encode()
    try:
        parsed = parse_skill_bytes(data, "SKILL.md")
    except SkillParseError as exc:
        assert exc.diagnostic.line >= 1
        return
    for profile in PROFILES:
        assert all(isinstance(f.message, str) for f in check_fields(parsed.frontmatter, "x", profile))
    result = build_skill(parsed, "/skills/x/SKILL.md", "user")
    assert (result.skill is None) == any(d.severity == "error" for d in result.diagnostics)
