"""A logits processor that keeps llama.cpp output valid UTF-8.

Byte-level vocabularies hold tokens that are single bytes or fragments of a multi-byte
character. llama.cpp's grammar sampler lets such fragments through in any order, so a model
can emit a continuation byte with no lead byte or break off a character halfway. Decoded, each
bad byte becomes U+FFFD, which lengthens strings past a schema's ``maxLength`` and corrupts
text. This processor allows, at each step, only tokens whose bytes continue the output as
valid UTF-8: while a character is incomplete, only tokens that supply its continuation bytes.
"""

from __future__ import annotations

from typing import Any

# A character needs at most three continuation bytes after its lead byte.
MAX_PENDING = 3


def _lead_length(byte: int) -> int:
    """Return the sequence length a lead byte starts, 0 for a continuation byte, -1 if invalid."""
    if byte < 0x80:
        return 1
    if byte < 0xC0:
        return 0
    if 0xC2 <= byte < 0xE0:
        return 2
    if 0xE0 <= byte < 0xF0:
        return 3
    if 0xF0 <= byte < 0xF5:
        return 4
    return -1


def token_shape(data: bytes) -> tuple[int, int] | None:
    """Return (continuation bytes needed before the token, bytes still needed after it).

    None means the bytes can never be part of valid UTF-8 (an invalid lead byte, or a lead
    byte where a continuation is required inside the token).
    """
    index = 0
    leading = 0
    while index < len(data) and _lead_length(data[index]) == 0:
        leading += 1
        index += 1
    if leading > MAX_PENDING:
        return None
    pending = 0
    for byte in data[index:]:
        kind = _lead_length(byte)
        if pending:
            if kind != 0:
                return None
            pending -= 1
        elif kind <= 0:
            return None
        else:
            pending = kind - 1
    return leading, pending


class Utf8Guard:
    """Mask tokens that would break UTF-8, given what the output still needs."""

    def __init__(self, token_bytes: list[bytes]) -> None:
        import numpy as np

        count = len(token_bytes)
        self._shapes = [token_shape(data) for data in token_bytes]
        # allowed[need] masks the tokens that may follow output that needs `need` more bytes.
        self._allowed = np.zeros((MAX_PENDING + 1, count), dtype=bool)
        for token, shape in enumerate(self._shapes):
            if shape is None:
                continue
            leading, _ = shape
            only_continuation = leading == len(token_bytes[token]) and leading > 0
            for need in range(MAX_PENDING + 1):
                if leading == need or (only_continuation and leading < need):
                    self._allowed[need, token] = True
        self.need = 0

    def reset(self) -> None:
        self.need = 0

    def advance(self, token: int) -> None:
        """Update the pending-byte count after ``token`` was emitted."""
        shape = self._shapes[token] if token < len(self._shapes) else (0, 0)
        if shape is None:
            self.need = 0
            return
        leading, pending = shape
        self.need = pending if leading >= self.need else self.need - leading

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        mask = self._allowed[self.need]
        if len(scores) != len(mask):
            return scores
        return np.where(mask, scores, -np.inf).astype(scores.dtype, copy=False)
