"""Preference pairs: the record's correct first reply against a corrupted copy of it.

The corruption depends on the verifier, so the rejected reply fails the check that the
chosen one passes. It is a wrong final number, JSON that does not parse or has a wrong value, a
function body that returns the wrong thing, a tool call with a wrong name or argument.
Records without a verifier get a truncated reply. Both replies end with ``<|im_end|>``,
so the pair also teaches where an answer stops.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

from localmodel.chat_template import IM_END
from localmodel.data.synthetic.records import ChatRecord
from localmodel.posttrain.chatdata import render_chat


@dataclass(frozen=True)
class Pair:
    record_id: str
    prompt: str
    chosen: str
    rejected: str


def _corrupt_number(reply: str, value: int, rng: random.Random) -> str:
    wrong = value + rng.choice([-1, 1]) * rng.randint(1, 9)
    head, sep, tail = reply.rpartition(str(value))
    return head + str(wrong) + tail if sep else reply + f" {wrong}"


def _corrupt_json(reply: str, rng: random.Random) -> str:
    head, sep, body = reply.rpartition("</think>\n")
    choice = rng.randrange(3)
    if choice == 0:
        body = body.rstrip().removesuffix("}")  # unclosed object
    elif choice == 1:
        body = "Here is the JSON: " + body.replace('"', "'")  # prose and Python quotes
    else:
        value = json.loads(body)
        key = rng.choice(sorted(value)) if isinstance(value, dict) and value else None
        body = json.dumps({**value, key: [value[key], "?"]}) if key else body + ","
    return head + sep + body


def _corrupt_code(reply: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return re.sub(r"return [^\n]*", "return None", reply)
    return reply.replace("def ", "def def ", 1)  # a syntax error


def _corrupt_tool(reply: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return re.sub(r'"name": "(\w+)"', r'"name": "\1_tool"', reply, count=1)
    return re.sub(r'"arguments": \{[^}]*\}', '"arguments": {}', reply, count=1)


def corrupt(record: ChatRecord, reply: str, rng: random.Random) -> str:
    kind = (record.verifier or {}).get("kind")
    if kind == "number":
        return _corrupt_number(reply, int(record.verifier["value"]), rng)
    if kind == "json":
        return _corrupt_json(reply, rng)
    if kind == "python":
        return _corrupt_code(reply, rng)
    if kind == "tool_call":
        return _corrupt_tool(reply, rng)
    return reply[: max(1, len(reply) // 2)]


def build_pairs(records: list[ChatRecord], seed: int, per_record: int = 1) -> list[Pair]:
    """Return ``per_record`` pairs per record whose corruption differs from the reply."""
    pairs = []
    for record in records:
        rng = random.Random(f"{seed}:{record.id}")
        prompt = render_chat(record.prompt_messages(), record.tools, add_generation_prompt=True)
        reply = record.first_reply()
        for _ in range(per_record):
            rejected = corrupt(record, reply, rng)
            if rejected != reply:
                pairs.append(Pair(record.id, prompt, reply + IM_END, rejected + IM_END))
    return pairs


def tokenize_pair(pair: Pair, tokenizer) -> tuple[int, list[int], list[int]]:  # noqa: ANN001
    """Return (prompt length, chosen ids, rejected ids); both id lists include the prompt."""
    prompt = tokenizer.encode(pair.prompt).ids
    chosen = tokenizer.encode(pair.prompt + pair.chosen).ids
    rejected = tokenizer.encode(pair.prompt + pair.rejected).ids
    return len(prompt), list(chosen), list(rejected)
