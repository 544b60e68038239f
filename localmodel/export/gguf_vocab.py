"""Read a Hugging Face ``tokenizer.json`` into the GGUF tokenizer keys llama.cpp expects.

llama.cpp tokenizes a ``gpt2``-model vocabulary with the pre-tokenizer named by
``tokenizer.ggml.pre``. We write ``llama-bpe``, which selects the Llama-3 split regex and
``ignore_merges``, so the Hugging Face tokenizer must be configured the same way, or the two
would produce different ids for the same text. ``read_vocab`` rejects any other setup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specify.errors import ArtifactError, ConfigError

# The split regex of the Llama-3 tokenizer, as llama.cpp implements it for ``llama-bpe``.
LLAMA3_SPLIT_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
PRE_TOKENIZER = "llama-bpe"

# gguf-py TokenType values.
TOKEN_NORMAL = 1
TOKEN_CONTROL = 3
TOKEN_USER_DEFINED = 4
TOKEN_UNUSED = 5

CHAT_END_TOKEN = "<|im_end|>"


@dataclass(frozen=True)
class GGUFVocab:
    """The tokenizer as GGUF stores it: tokens in id order, their types and the merges."""

    tokens: list[str]
    token_types: list[int]
    merges: list[str]
    bos_id: int
    eos_id: int
    pad_id: int | None
    eot_id: int | None  # ``<|im_end|>``, so chat generation stops at the end of a turn
    add_bos: bool


def read_vocab(path: Path, vocab_size: int, bos_id: int, eos_id: int,
               pad_id: int | None) -> GGUFVocab:
    """Read ``tokenizer.json`` at ``path``, padded with unused tokens to ``vocab_size``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"Cannot read tokenizer {path}: {exc}.") from exc

    _check_pipeline(data, path)
    model = data["model"]
    by_id: dict[int, str] = {int(i): tok for tok, i in model["vocab"].items()}
    types: dict[int, int] = {}
    for added in data.get("added_tokens") or []:
        by_id[int(added["id"])] = added["content"]
        control = is_control_token(added["content"], bool(added.get("special")))
        types[int(added["id"])] = TOKEN_CONTROL if control else TOKEN_USER_DEFINED

    size = max(by_id) + 1
    if size > vocab_size:
        raise ConfigError(
            f"Tokenizer {path} has {size} tokens but the model's vocab_size is {vocab_size}.",
            "Export the tokenizer the model was trained with.",
        )
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(vocab_size)]
    token_types = [
        types.get(i, TOKEN_NORMAL) if i in by_id else TOKEN_UNUSED for i in range(vocab_size)
    ]
    for role, token_id in (("bos", bos_id), ("eos", eos_id), ("pad", pad_id)):
        if token_id is not None and token_id not in by_id:
            raise ConfigError(
                f"The model's {role}_token_id {token_id} is not a token of {path}.",
                "Set the special token ids to ids of the tokenizer's special tokens.",
            )

    eot = by_id_lookup(by_id, CHAT_END_TOKEN)
    return GGUFVocab(
        tokens=tokens,
        token_types=token_types,
        merges=[_merge_text(m) for m in model.get("merges") or []],
        bos_id=bos_id,
        eos_id=eos_id,
        pad_id=pad_id,
        eot_id=eot,
        add_bos=_adds_bos(data, by_id.get(bos_id)),
    )


def is_control_token(content: str, special: bool) -> bool:
    """Return whether an added token frames text (``<|...|>``) rather than being written in it.

    llama.cpp and llama-cpp-python drop control tokens from generated text, so markup the
    model writes as content (``<think>``, ``<tool_call>``) must be a user-defined token, or
    callers could not see reasoning blocks or parse tool calls. Qwen3 and SmolLM3 tokenizers
    mark those tokens non-special for the same reason.
    """
    return special and content.startswith("<|") and content.endswith("|>")


def by_id_lookup(by_id: dict[int, str], content: str) -> int | None:
    return next((i for i, tok in by_id.items() if tok == content), None)


def _merge_text(merge: Any) -> str:
    # tokenizers writes merges as "a b" strings (before 0.20) or as [a, b] pairs.
    return merge if isinstance(merge, str) else f"{merge[0]} {merge[1]}"


def _check_pipeline(data: dict[str, Any], path: Path) -> None:
    """Raise unless the tokenizer is byte-level BPE with the Llama-3 split and no normalizer."""
    hint = (
        "Train the tokenizer as byte-level BPE with the Llama-3 split regex, "
        "ByteLevel(use_regex=False) and ignore_merges=True (localmodel.tokenizer does)."
    )
    model = data.get("model") or {}
    if model.get("type") != "BPE":
        raise ConfigError(f"Tokenizer {path} is {model.get('type')!r}, not BPE.", hint)
    if data.get("normalizer") is not None:
        raise ConfigError(f"Tokenizer {path} has a normalizer, which llama.cpp's "
                          f"{PRE_TOKENIZER} pre-tokenizer does not apply.", hint)
    if not model.get("ignore_merges"):
        raise ConfigError(f"Tokenizer {path} has ignore_merges off, but llama.cpp's "
                          f"{PRE_TOKENIZER} pre-tokenizer turns it on.", hint)

    pre = data.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers") if pre.get("type") == "Sequence" else [pre]
    kinds = [step.get("type") for step in steps or []]
    if kinds != ["Split", "ByteLevel"]:
        raise ConfigError(f"Tokenizer {path} pre-tokenizes with {kinds}, "
                          "not a Split followed by ByteLevel.", hint)
    split, byte_level = steps
    pattern = (split.get("pattern") or {}).get("Regex")
    if pattern != LLAMA3_SPLIT_REGEX or split.get("behavior") != "Isolated" or split.get("invert"):
        raise ConfigError(f"Tokenizer {path} splits with {pattern!r}, "
                          "not the Llama-3 regex in Isolated mode.", hint)
    if byte_level.get("use_regex"):
        raise ConfigError(f"Tokenizer {path} applies ByteLevel's own regex after the split.",
                          hint)


def _adds_bos(data: dict[str, Any], bos_text: str | None) -> bool:
    """Return whether the tokenizer's post-processor puts the BOS token before the text."""
    post = data.get("post_processor") or {}
    processors = post.get("processors") if post.get("type") == "Sequence" else [post]
    for proc in processors or []:
        if proc.get("type") != "TemplateProcessing":
            continue
        first = (proc.get("single") or [{}])[0]
        special = first.get("SpecialToken") or {}
        return bos_text is not None and special.get("id") == bos_text
    return False
