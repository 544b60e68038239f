"""Checks that a prompt fits the model's context window before it is sent.

llama.cpp counts exactly with the model's tokenizer. Hosted models are measured with
:func:`estimate_tokens`, a conservative estimate: one token per 3 bytes of UTF-8, plus a fixed
overhead per message and per tool. Tokenizers of current hosted models average about 3.5 to
4.5 bytes per token on English prose and code, so the estimate counts high and a prompt it
accepts fits; near the limit it may reject a prompt that would just have fitted.
"""

from __future__ import annotations

import json
import math

from runtime.providers.base import ModelRequest, TokenCount
from runtime.providers.errors import ContextOverflowError

BYTES_PER_TOKEN = 3
MESSAGE_OVERHEAD_TOKENS = 8
TOOL_OVERHEAD_TOKENS = 16
# Used when a hosted model's window is not in the table and the user set none.
DEFAULT_HOSTED_WINDOW = 128_000


def estimate_tokens(request: ModelRequest) -> TokenCount:
    """Return the conservative estimate of the prompt size described in the module docstring."""
    size = len(request.system_text().encode("utf-8"))
    overhead = MESSAGE_OVERHEAD_TOKENS
    for message in request.messages:
        size += len(message.content.encode("utf-8"))
        for call in message.tool_calls:
            size += len(json.dumps(call.arguments).encode("utf-8")) + len(call.name)
        overhead += MESSAGE_OVERHEAD_TOKENS
    for tool in request.tools:
        size += len(tool.name) + len(tool.description.encode("utf-8"))
        size += len(json.dumps(tool.input_schema).encode("utf-8"))
        overhead += TOOL_OVERHEAD_TOKENS
    if request.output_schema is not None:
        size += len(json.dumps(request.output_schema).encode("utf-8"))
        overhead += TOOL_OVERHEAD_TOKENS
    tokens = math.ceil(size / BYTES_PER_TOKEN) + overhead
    return TokenCount(tokens, exact=False, method=f"estimate: UTF-8 bytes / {BYTES_PER_TOKEN} + overhead")


def ensure_fits(count: TokenCount, max_tokens: int, window: int, model: str) -> None:
    """Raise :class:`ContextOverflowError` with the numbers if prompt plus output exceeds ``window``."""
    needed = count.tokens + max_tokens
    if needed <= window:
        return
    how = "exactly" if count.exact else f"by a conservative {count.method}"
    raise ContextOverflowError(
        f"The prompt for {model} is {count.tokens} tokens (counted {how}); with {max_tokens} "
        f"output tokens it needs {needed}, over the context window of {window}.",
        "Shorten the input, lower --max-tokens, or use a model with a larger window "
        "(for llama.cpp raise model.n_ctx).",
        prompt_tokens=count.tokens,
        max_tokens=max_tokens,
        context_window=window,
    )
