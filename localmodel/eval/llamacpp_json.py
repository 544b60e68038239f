"""JSON validity through llama.cpp, with and without grammar-constrained decoding.

The GGUF's own chat template renders the prompt (llama-cpp-python's Jinja formatter), so
this also checks the exported template. With a grammar, ``LlamaGrammar.from_json_schema``
turns each record's schema into a GBNF grammar that only admits matching JSON; a reply
that still fails is cut off by ``max_tokens`` before the object closed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localmodel.data.synthetic.records import ChatRecord
from localmodel.data.synthetic.verify import verify_json


def llamacpp_json_validity(gguf: Path, records: list[ChatRecord], max_tokens: int = 128,
                           n_ctx: int = 2048) -> dict[str, Any]:
    """Return schema-valid shares of greedy llama.cpp replies to JSON records, free and constrained."""
    from specify.extras import require

    llama_cpp = require("llama_cpp", "local")
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=n_ctx, verbose=False, seed=0)
    items = [r for r in records if (r.verifier or {}).get("kind") == "json"]
    free, constrained = [], []
    for record in items:
        schema = record.verifier["schema"]
        grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        for target, extra in ((free, {}), (constrained, {"grammar": grammar})):
            reply = llm.create_chat_completion(
                messages=record.prompt_messages(), max_tokens=max_tokens, temperature=0.0,
                **extra)["choices"][0]["message"]["content"] or ""
            target.append(verify_json(reply, schema).checks.get("schema_valid", False))
    count = max(1, len(items))
    return {"llamacpp_json_items": len(items),
            "llamacpp_json_valid_free": sum(free) / count,
            "llamacpp_json_valid_grammar": sum(constrained) / count}
