"""Writing: only checkbox characters change, conflicts and unknown ids leave the file alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from specify.errors import ArtifactError, ConflictError
from specify.tasks import load_tasks, set_done
from specify.tasks.writer import mark_tasks

TASKS_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tasks"


@pytest.fixture
def crlf_file(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.md"
    shutil.copyfile(TASKS_FIXTURES / "crlf-bom-phases.md", path)
    return path


def test_tick_changes_one_byte(crlf_file: Path) -> None:
    before = crlf_file.read_bytes()
    set_done(crlf_file, ["T004"])
    after = crlf_file.read_bytes()
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    assert after[changed[0] : changed[0] + 1] == b"x"


def test_tick_keeps_bom_and_crlf(crlf_file: Path) -> None:
    line_count = crlf_file.read_bytes().count(b"\n")
    set_done(crlf_file, ["T004"])
    after = crlf_file.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf")
    assert after.count(b"\r\n") == line_count
    assert after.replace(b"\r\n", b"").count(b"\n") == 0


def test_untick_restores_bytes(crlf_file: Path) -> None:
    before = crlf_file.read_bytes()
    set_done(crlf_file, ["T001", "t004", "T006"])
    set_done(crlf_file, ["T001", "T004", "T006"], done=False)
    assert crlf_file.read_bytes() == before


def test_ids_case_insensitive(crlf_file: Path) -> None:
    doc = set_done(crlf_file, ["t001"])
    assert doc.find("T001").done is True


def test_unknown_id_lists_near_matches(crlf_file: Path) -> None:
    before = crlf_file.read_bytes()
    with pytest.raises(ArtifactError) as caught:
        set_done(crlf_file, ["T001", "T04"])
    message = str(caught.value)
    assert "T04" in message
    assert "T004" in message
    assert crlf_file.read_bytes() == before


def test_conflict_when_file_changed(crlf_file: Path) -> None:
    stale = load_tasks(crlf_file).sha256
    set_done(crlf_file, ["T001"])
    before = crlf_file.read_bytes()
    with pytest.raises(ConflictError):
        set_done(crlf_file, ["T002"], expected_sha256=stale)
    assert crlf_file.read_bytes() == before


def test_matching_hash_allows_write(crlf_file: Path) -> None:
    current = load_tasks(crlf_file).sha256
    doc = set_done(crlf_file, ["T002"], expected_sha256=current)
    assert doc.find("T002").done is True


def test_already_done_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(b"- [X] T001 a\n- [ ] T002 b\n")
    result = mark_tasks(path, ["T001", "T002"])
    assert result.changed == ("T002",)
    assert result.unchanged == ("T001",)
    assert path.read_bytes() == b"- [X] T001 a\n- [x] T002 b\n"


def test_empty_box_gains_x(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(b"- [] T001 a\n- [] T002 b\n")
    set_done(path, ["T001", "T002"])
    assert path.read_bytes() == b"- [x] T001 a\n- [x] T002 b\n"


def test_untick_keeps_odd_markers(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(b"- [~] T001 a\n- [X] T002 b\n")
    set_done(path, ["T001", "T002"], done=False)
    assert path.read_bytes() == b"- [~] T001 a\n- [ ] T002 b\n"


def test_line_refs_for_idless_tasks(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(b"## Checklist\n- [ ] All tests pass\n")
    set_done(path, ["L2"])
    assert path.read_bytes() == b"## Checklist\n- [x] All tests pass\n"


def test_no_write_when_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(b"- [x] T001 a\n")
    mtime = path.stat().st_mtime_ns
    set_done(path, ["T001"])
    assert path.stat().st_mtime_ns == mtime


def test_no_final_newline_kept(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(b"- [ ] 1.1 a\n- [ ] 1.2 b")
    set_done(path, ["1.2"])
    assert path.read_bytes() == b"- [ ] 1.1 a\n- [x] 1.2 b"


def test_permissions_kept(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(b"- [ ] T001 a\n")
    path.chmod(0o640)
    set_done(path, ["T001"])
    assert path.stat().st_mode & 0o777 == 0o640


DUPLICATES = b"## Phase 1: Setup\n- [x] T001 first\n- [ ] T001 second\n- [ ] T002 third\n"


def test_duplicate_ids_get_line_refs(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(DUPLICATES)
    doc = load_tasks(path)
    assert [task.ref for task in doc.tasks] == ["L2", "L3", "T002"]


def test_duplicate_id_tick_rejected(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(DUPLICATES)
    with pytest.raises(ArtifactError) as caught:
        set_done(path, ["T001"])
    assert "lines 2, 3" in str(caught.value)
    assert "L2, L3" in str(caught.value)
    assert path.read_bytes() == DUPLICATES


def test_duplicate_id_ticked_by_line(tmp_path: Path) -> None:
    path = tmp_path / "tasks.md"
    path.write_bytes(DUPLICATES)
    set_done(path, ["L3"])
    assert path.read_bytes() == DUPLICATES.replace(b"- [ ] T001 second", b"- [x] T001 second")


def test_symlinked_file_written_through(tmp_path: Path) -> None:
    target = tmp_path / "shared" / "tasks.md"
    target.parent.mkdir()
    target.write_bytes(b"- [ ] T001 a\n")
    link = tmp_path / "tasks.md"
    link.symlink_to(target)
    set_done(link, ["T001"])
    assert link.is_symlink()
    assert target.read_bytes() == b"- [x] T001 a\n"


@pytest.mark.parametrize("refs", [["T001,T006"], ["T001, T006"], ["T001", "T006,"], ["T001 T006"]])
def test_comma_separated_ids_accepted(crlf_file: Path, refs: list[str]) -> None:
    doc = set_done(crlf_file, refs)
    assert doc.find("T001").done is True
    assert doc.find("T006").done is True
