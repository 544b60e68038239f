"""Streaming a reply to the terminal."""

from __future__ import annotations

import io

from runtime.providers.streaming import TerminalStream
from runtime.redact import MASK


def test_fragments_written_by_word():
    out = io.StringIO()
    stream = TerminalStream(out)

    stream("The pl")
    assert out.getvalue() == "The "
    stream("an is ready")
    assert out.getvalue() == "The plan is "

    stream.close()
    assert out.getvalue() == "The plan is ready\n"


def test_split_key_still_masked():
    out = io.StringIO()
    stream = TerminalStream(out)

    stream("key: sk-ant-api03-Abc")
    stream("def0123456789 end")
    stream.close()

    assert out.getvalue() == f"key: {MASK} end\n"


def test_close_after_newline_adds_nothing():
    out = io.StringIO()
    stream = TerminalStream(out)

    stream("done\n")
    stream.close()

    assert out.getvalue() == "done\n"
    assert stream.characters == 5
