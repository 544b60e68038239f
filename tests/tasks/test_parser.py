"""Parsing: what counts as a task, its fields, phases, nesting and wrapped lines."""

from __future__ import annotations

import pytest

from specify.tasks import parse_tasks


def only_task(text: str):
    doc = parse_tasks(text)
    assert len(doc.tasks) == 1, [t.line for t in doc.tasks]
    return doc.tasks[0]


@pytest.mark.parametrize("bullet", ["-", "*", "+", "1.", "12)", "3."])
def test_any_list_marker_is_task(bullet: str) -> None:
    task = only_task(f"{bullet} [ ] T001 Do it\n")
    assert task.id == "T001"
    assert task.description == "Do it"


@pytest.mark.parametrize(
    ("box", "done", "unknown"),
    [
        ("[ ]", False, False),
        ("[x]", True, False),
        ("[X]", True, False),
        ("[]", False, True),
        ("[~]", False, True),
        ("[-]", False, True),
        ("[/]", False, True),
        ("[✓]", False, True),
    ],
)
def test_checkbox_markers_classified(box: str, done: bool, unknown: bool) -> None:
    task = only_task(f"- {box} T001 Do it\n")
    assert task.done is done
    assert task.unknown_marker is unknown
    assert task.marker == box[1:-1]


@pytest.mark.parametrize(
    "line",
    [
        "- [P] tasks = different files, no dependencies",
        "- [US1] story legend",
        "- [1] footnote",
        "- [text](https://example.com)",
        "- [x](https://example.com)",
        "- [ ](relative.md)",
        "-[ ] no space after the bullet",
        "[ ] no bullet",
        "> - [ ] inside a blockquote is prose here",
        "- **[P]**: Can run in parallel",
    ],
)
def test_non_tasks_ignored(line: str) -> None:
    assert parse_tasks(line + "\n").tasks == []


def test_empty_checkbox_at_line_end() -> None:
    task = only_task("- [ ]\n")
    assert task.description == ""


@pytest.mark.parametrize(
    "fenced",
    [
        "```\n- [ ] T9 hidden\n```\n",
        "~~~md\n- [ ] T9 hidden\n~~~\n",
        "````markdown\n```\n- [ ] T9 hidden\n```\n````\n",
        "  ```\n  - [ ] T9 hidden\n  ```\n",
        "```\n- [ ] T9 hidden\n`````\n",
    ],
)
def test_fenced_lines_not_tasks(fenced: str) -> None:
    doc = parse_tasks("- [ ] T001 before\n" + fenced + "- [ ] T002 after\n")
    assert [t.id for t in doc.tasks] == ["T001", "T002"]


def test_tilde_does_not_close_backticks() -> None:
    doc = parse_tasks("```\n~~~\n- [ ] T9 hidden\n```\n- [ ] T002 after\n")
    assert [t.id for t in doc.tasks] == ["T002"]


def test_inline_backticks_not_a_fence() -> None:
    doc = parse_tasks("``` not a fence ` here\n- [ ] T001 visible\n")
    assert [t.id for t in doc.tasks] == ["T001"]


def test_unclosed_fence_reported() -> None:
    doc = parse_tasks("- [ ] T001 a\n```\n- [ ] T002 hidden\n")
    assert doc.unclosed_fence_line == 2
    assert [t.id for t in doc.tasks] == ["T001"]


def test_speckit_fields_parsed() -> None:
    task = only_task("- [ ] T012 [P] [US1] Create model in src/models/user.py (depends on T003, T007)\n")
    assert task.id == "T012"
    assert task.parallel is True
    assert task.story == "US1"
    assert task.depends_on == ("T003", "T007")
    assert task.files == ("src/models/user.py",)


def test_dependency_range_expanded() -> None:
    task = only_task("- [ ] T010 Wire it up (depends on T003-T005)\n")
    assert task.depends_on == ("T003", "T004", "T005")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T001a Add x", "T001a"),
        ("T021A Add x", "T021A"),
        ("1.1 Translate README", "1.1"),
        ("2.3.1 Nested number", "2.3.1"),
        ("3. Kiro style", "3"),
        ("Add x without id", None),
        ("T1000 Four digits", "T1000"),
        ("**T004** Bold id", "T004"),
    ],
)
def test_task_ids_recognised(text: str, expected: str | None) -> None:
    assert only_task(f"- [ ] {text}\n").id == expected


@pytest.mark.parametrize(
    ("text", "files"),
    [
        ("Edit `src/app.py` and `README.md`", ("src/app.py", "README.md")),
        ("Create app/db/schema.sql now", ("app/db/schema.sql",)),
        ("Update C:\\code\\crush\\Cargo.toml", ("C:\\code\\crush\\Cargo.toml",)),
        ("Create `apps/mobile/app/(tabs)/index.tsx`", ("apps/mobile/app/(tabs)/index.tsx",)),
        ("Call `useEvents()` and read the docs, e.g. later", ()),
        ("Pin version 1.84.0 and/or see https://example.com/a.md", ()),
        ("Scaffold the src/reports/ folder", ("src/reports/",)),
    ],
)
def test_files_found_in_text(text: str, files: tuple[str, ...]) -> None:
    assert only_task(f"- [ ] T001 {text}\n").files == files


def test_wrapped_task_joined() -> None:
    text = (
        "- [x] T003 Add `src/tray.js` with the menu\n"
        "  entries from FR-024-01 using baseline copy\n"
        "  (depends on T001) in src/menu.js.\n"
        "- [ ] T004 Next\n"
    )
    doc = parse_tasks(text)
    first = doc.tasks[0]
    assert first.description.endswith("using baseline copy (depends on T001) in src/menu.js.")
    assert first.end_line == 3
    assert first.depends_on == ("T001",)
    assert first.files == ("src/tray.js", "src/menu.js")
    assert doc.tasks[1].line == 4


def test_blank_line_ends_wrapping() -> None:
    doc = parse_tasks("- [ ] T001 First\n\n  indented note\n")
    assert doc.tasks[0].description == "First"


def test_plain_sub_bullets_not_joined() -> None:
    doc = parse_tasks("- [ ] 1.1 Translate\n  - keep code unchanged\n- [ ] 1.2 Next\n")
    assert doc.tasks[0].description == "Translate"
    assert len(doc.tasks) == 2


def test_nesting_with_spaces_and_tab() -> None:
    doc = parse_tasks(
        "- [x] T001 Parent\n  - [ ] T001a Child\n    - [ ] T001b Grandchild\n"
        "- [X] T002 Other\n\t- [ ] T002a Tab child\n"
    )
    levels = {t.id: (t.level, t.parent_line) for t in doc.tasks}
    assert levels["T001"] == (0, None)
    assert levels["T001a"] == (1, 1)
    assert levels["T001b"] == (2, 2)
    assert levels["T002a"] == (1, 4)
    assert doc.tasks[-1].indent == 4


def test_paragraph_resets_nesting() -> None:
    doc = parse_tasks("- [ ] T001 a\n\nProse.\n\n  - [ ] T002 b\n")
    assert doc.tasks[1].parent_line is None


def test_phases_from_headings() -> None:
    doc = parse_tasks(
        "# Tasks\n- [ ] T000 before\n## Phase 1: Setup\n- [ ] T001 a\n"
        "### Phase 3.1 -- Legacy numbering\n- [ ] T002 b\n"
        "#### Phase 2 Deep\n- [ ] T003 c\n"
        "## Phase Dependencies\n- [ ] T004 d\n"
    )
    phases = {t.id: (t.phase, t.phase_index) for t in doc.tasks}
    assert phases["T000"] == (None, -1)
    assert phases["T001"] == ("Phase 1: Setup", 0)
    assert phases["T002"] == ("Phase 3.1 -- Legacy numbering", 1)
    assert phases["T003"] == ("Phase 2 Deep", 2)
    assert phases["T004"] == (None, -1)
    assert [p.number for p in doc.phases] == ["1", "3.1", "2"]
    assert doc.phases[1].title == "Legacy numbering"


def test_subheading_stays_in_phase() -> None:
    doc = parse_tasks("## Phase 1: Setup\n### Tests\n- [ ] T001 a\n## Notes\n- [ ] T002 b\n")
    assert doc.tasks[0].phase == "Phase 1: Setup"
    assert doc.tasks[1].phase is None


def test_h1_and_h5_phase_headings_ignored() -> None:
    doc = parse_tasks("# Phase 1: Title\n##### Phase 2: Deep\n- [ ] T001 a\n")
    assert doc.phases == []


def test_nested_subtasks_fixture(tasks_fixture) -> None:
    doc = parse_tasks(tasks_fixture("nested-subtasks.md"))
    assert [t.id for t in doc.tasks] == ["T001", "T001a", "T001b", "T002", "T002a", "T003", "T004"]
    assert [t.id for t in doc.tasks if not t.done] == ["T001a", "T001b", "T002a", "T004"]


def test_html_comment_block_hidden() -> None:
    doc = parse_tasks("<!--\n- [ ] T900 hidden\n-->\n<!-- - [ ] T901 hidden --> \n- [ ] T001 shown <!-- note -->\n")
    assert [t.id for t in doc.tasks] == ["T001"]


@pytest.mark.parametrize(
    ("heading", "is_phase"),
    [
        ("## Phase 1: Setup ##", True),
        ("## Phase 2: C#", True),
        ("##Phase 3", False),
        ("    ## Phase 4", False),
    ],
)
def test_heading_forms(heading: str, is_phase: bool) -> None:
    doc = parse_tasks(heading + "\n- [ ] T001 a\n")
    assert bool(doc.phases) is is_phase


def test_closing_hashes_need_space() -> None:
    doc = parse_tasks("## Phase 2: C#\n- [ ] T001 a\n")
    assert doc.phases[0].title == "C#"


def test_bold_phase_heading_title() -> None:
    doc = parse_tasks("## **Phase 1: Setup**\n- [ ] T001 a\n")
    assert doc.phases[0].title == "Setup"
