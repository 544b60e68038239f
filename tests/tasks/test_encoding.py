"""Encodings and line endings: detected on read, reported, and preserved on write."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from specify.errors import ArtifactError
from specify.tasks import load_tasks, parse_tasks, set_done

TEXT = "# Tasks\n## Phase 1: Setup\n- [ ] T001 Create app/main.py\n- [ ] T002 Add tests/test_main.py\n"


@pytest.mark.parametrize(
    ("encoding", "bom", "data"),
    [
        ("utf-8", False, TEXT.encode("utf-8")),
        ("utf-8", True, codecs.BOM_UTF8 + TEXT.encode("utf-8")),
        ("utf-16-le", True, codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")),
        ("utf-16-be", True, codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")),
        ("utf-16-le", False, TEXT.encode("utf-16-le")),
        ("utf-16-be", False, TEXT.encode("utf-16-be")),
    ],
)
def test_encodings_detected(encoding: str, bom: bool, data: bytes) -> None:
    doc = parse_tasks(data)
    assert doc.encoding == encoding
    assert doc.bom is bom
    assert [t.id for t in doc.tasks] == ["T001", "T002"]


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8])
def test_tick_keeps_encoding_bytes(tmp_path: Path, bom: bytes) -> None:
    codec = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}.get(bom, "utf-8")
    path = tmp_path / "tasks.md"
    original = bom + TEXT.encode(codec)
    path.write_bytes(original)
    set_done(path, ["T002"])
    expected = bom + TEXT.replace("- [ ] T002", "- [x] T002").encode(codec)
    assert path.read_bytes() == expected


def test_invalid_utf8_names_offset() -> None:
    data = "- [ ] T001 café\n".encode() + b"- [ ] T002 \xff bad\n"
    with pytest.raises(ArtifactError) as caught:
        parse_tasks(data)
    assert "byte offset 28" in str(caught.value)
    assert "0xff" in str(caught.value)


def test_invalid_bytes_after_bom_offset() -> None:
    with pytest.raises(ArtifactError) as caught:
        parse_tasks(codecs.BOM_UTF8 + b"ab\xc3(")
    assert "byte offset 5" in str(caught.value)


def test_latin1_file_names_path(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes("- [ ] T001 Résumé\n".encode("latin-1"))
    with pytest.raises(ArtifactError) as caught:
        load_tasks(path)
    assert str(path) in str(caught.value)


def test_missing_file_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        load_tasks(tmp_path / "tasks.md")


@pytest.mark.parametrize(("newline", "style"), [("\n", "\n"), ("\r\n", "\r\n"), ("\r", "\r")])
def test_line_endings_parsed(newline: str, style: str) -> None:
    doc = parse_tasks(TEXT.replace("\n", newline))
    assert doc.newline == style
    assert [t.line for t in doc.tasks] == [3, 4]


def test_mixed_line_endings(tmp_path: Path) -> None:
    data = b"# Tasks\r\n- [ ] T001 a\r- [ ] T002 b\n- [ ] T003 c"
    path = tmp_path / "tasks.md"
    path.write_bytes(data)
    doc = load_tasks(path)
    assert doc.newline == "mixed"
    assert [t.line for t in doc.tasks] == [2, 3, 4]
    set_done(path, ["T002", "T003"])
    assert path.read_bytes() == b"# Tasks\r\n- [ ] T001 a\r- [x] T002 b\n- [x] T003 c"


def test_form_feed_is_not_a_line_break() -> None:
    doc = parse_tasks("- [ ] T001 a\x0cstill a\n- [ ] T002 b\n")
    assert [t.line for t in doc.tasks] == [1, 2]
