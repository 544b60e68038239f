"""Show a streamed reply on a terminal as it arrives, with secrets masked."""

from __future__ import annotations

import sys
from typing import TextIO

from runtime.redact import redact


class TerminalStream:
    """A ``stream_to`` callback that writes fragments to a text stream (stderr by default).

    Output is written word by word: the text after the last whitespace is held until the word
    is complete, so a key split across two fragments is still masked by :func:`redact`.
    Call :meth:`close` after the call to write the held text and end the line.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._held = ""
        self._last = "\n"
        self.characters = 0

    def __call__(self, fragment: str) -> None:
        self.characters += len(fragment)
        text = self._held + fragment
        cut = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t")) + 1
        self._held = text[cut:]
        self._write(text[:cut])

    def close(self) -> None:
        self._write(self._held)
        self._held = ""
        if self._last != "\n":
            self._write("\n")

    def _write(self, text: str) -> None:
        if not text:
            return
        self._stream.write(redact(text))
        self._stream.flush()
        self._last = text[-1]
