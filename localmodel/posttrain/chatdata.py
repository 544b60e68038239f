"""Tokenise chat records with the chat template, mask non-assistant tokens, and pack rows.

A record is rendered with the chat template. An assistant turn's span runs from the end of
the generation prompt before it to the end of its ``<|im_end|>``. Tokens whose text
starts inside a span are trained on, so the prefilled empty think block of no-think
turns, the system block, user turns and tool results are not. Rows are packed best-fit
decreasing: each sequence goes into the fullest row it still fits, so little padding is
left and no sequence is split across rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from localmodel.data.loader import IGNORE_INDEX
from localmodel.data.synthetic.records import ChatRecord


@lru_cache(maxsize=1)
def _compiled_template():  # noqa: ANN202 - jinja2.Template
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from localmodel import chat_template

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = chat_template._tojson
    env.globals["raise_exception"] = chat_template._raise
    return env.from_string(chat_template.CHAT_TEMPLATE)


def render_chat(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None,
                add_generation_prompt: bool = False) -> str:
    """Render like ``localmodel.chat_template.render_chat``, compiling the template once.

    The shared function builds a new Jinja environment per call, about 50 ms on a shared
    2-core machine. Data preparation renders every record several times, so it reuses one
    compiled template with the same settings (a test compares both renderings).
    """
    return _compiled_template().render(messages=messages, tools=tools,
                                       add_generation_prompt=add_generation_prompt)


@dataclass(frozen=True)
class Encoded:
    ids: list[int]
    loss_mask: list[bool]  # True where the token is trained on

    def shifted(self) -> tuple[list[int], list[int]]:
        """Return (inputs, labels) for next-token prediction, labels masked with IGNORE_INDEX."""
        labels = [t if keep else IGNORE_INDEX for t, keep in zip(self.ids[1:], self.loss_mask[1:], strict=True)]
        return self.ids[:-1], labels


def assistant_spans(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> list[tuple[int, int]]:
    """Return character spans of every assistant turn's generated text in the rendered chat."""
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = len(render_chat(messages[:index], tools, add_generation_prompt=True))
        end = len(render_chat(messages[: index + 1], tools).rstrip("\n"))
        spans.append((start, end))
    return spans


def encode_record(record: ChatRecord, tokenizer) -> Encoded:  # noqa: ANN001 - tokenizers.Tokenizer
    """Render and tokenise ``record`` (BOS first, as the tokenizer's post-processor adds it)."""
    text = render_chat(record.messages, record.tools)
    spans = assistant_spans(record.messages, record.tools)
    encoding = tokenizer.encode(text)
    mask = []
    for _token_id, (start, end) in zip(encoding.ids, encoding.offsets, strict=True):
        inside = end > start and any(a <= start < b for a, b in spans)
        mask.append(inside)
    return Encoded(list(encoding.ids), mask)


def encode_prompt(record: ChatRecord, tokenizer) -> list[int]:  # noqa: ANN001
    """Return the ids of the record's prompt with the generation prompt appended."""
    return list(tokenizer.encode(render_chat(record.prompt_messages(), record.tools,
                                             add_generation_prompt=True)).ids)


@dataclass
class PackedRow:
    inputs: list[int]
    labels: list[int]
    doc_ids: list[int]


def pack_best_fit(sequences: list[tuple[list[int], list[int]]], max_len: int) -> tuple[list[PackedRow], int]:
    """Pack (inputs, labels) pairs into rows of at most ``max_len`` tokens.

    Returns the rows and the number of sequences dropped for being longer than ``max_len``.
    """
    order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i][0]))
    rows: list[PackedRow] = []
    dropped = 0
    for i in order:
        inputs, labels = sequences[i]
        if len(inputs) > max_len:
            dropped += 1
            continue
        best, room = None, max_len + 1
        for row in rows:
            left = max_len - len(row.inputs)
            if len(inputs) <= left < room:
                best, room = row, left
        if best is None:
            best = PackedRow([], [], [])
            rows.append(best)
        doc = (best.doc_ids[-1] + 1) if best.doc_ids else 0
        best.inputs.extend(inputs)
        best.labels.extend(labels)
        best.doc_ids.extend([doc] * len(inputs))
    return rows, dropped


def collate(rows: list[PackedRow], pad_id: int):  # noqa: ANN201 - (inputs, labels, doc_ids)
    """Pad rows to the longest one; padding gets its own document id and no loss."""
    import torch

    width = max(len(r.inputs) for r in rows)
    inputs = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    doc_ids = torch.full((len(rows), width), -1, dtype=torch.long)
    for i, row in enumerate(rows):
        n = len(row.inputs)
        inputs[i, :n] = torch.tensor(row.inputs)
        labels[i, :n] = torch.tensor(row.labels)
        doc_ids[i, :n] = torch.tensor(row.doc_ids)
    return inputs, labels, doc_ids
