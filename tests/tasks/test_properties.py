"""Properties over random task files: ticks are reversible and parsing fails only cleanly."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specify.errors import SpecifyError
from specify.tasks import load_tasks, parse_tasks, set_done

markers = st.sampled_from([" ", " ", " ", "x", "X", "", "~", "-", "/"])
bullets = st.sampled_from(["-", "*", "+", "1.", "2)"])
indents = st.sampled_from(["", "  ", "    ", "\t"])
words = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=30)


@st.composite
def task_lines(draw: st.DrawFn) -> str:
    ident = draw(st.sampled_from(["", "T001 ", "T002 [P] ", "T003 [US1] ", "1.1 "]))
    return f"{draw(indents)}{draw(bullets)} [{draw(markers)}] {ident}{draw(words)}"


other_lines = st.one_of(
    st.just(""),
    st.just("```"),
    st.just("~~~~"),
    st.sampled_from(["## Phase 1: Setup", "### Phase 2.1 -- Core", "## Notes", "# Tasks"]),
    st.sampled_from(["- [P] legend", "- [link](x.md)", "  continued text", "<!-- - [ ] hidden -->"]),
    words,
)
line_breaks = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def task_files(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.one_of(task_lines(), other_lines), min_size=1, max_size=25))
    text = "".join(line + draw(line_breaks) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return bom + text.encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=task_files(), choices=st.data())
def test_untick_restores_original_bytes(data: bytes, choices: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tasks.md"
        path.write_bytes(data)
        open_refs = [f"L{task.line}" for task in load_tasks(path).tasks if task.marker == " "]
        ticked: list[str] = []
        if open_refs:
            ticked = choices.draw(st.lists(st.sampled_from(open_refs), max_size=8))
        for ref in ticked:
            assert set_done(path, [ref]).find(ref).done
        if ticked:
            set_done(path, ticked, done=False)
        assert path.read_bytes() == data


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(st.binary(max_size=300), task_files()))
def test_parse_raises_only_project_errors(data: bytes) -> None:
    try:
        doc = parse_tasks(data)
    except SpecifyError:
        return
    assert all(task.line >= 1 for task in doc.tasks)
