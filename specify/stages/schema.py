"""JSON Schemas of the stage outputs, inlined (no ``$ref``) for every provider.

Providers differ in what schema features they accept: llama.cpp's grammar converter and
OpenAI's strict mode both work best with a self-contained schema, so references are
expanded here once. ``templates/schemas/<stage>.schema.json`` contains the exported copies,
and a test fails when they drift from the models.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Return ``schema`` with every local ``#/$defs/...`` reference replaced by its target."""
    definitions = schema.get("$defs", {})

    def expand(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:
                    raise ValueError(f"Recursive schema reference {ref} cannot be inlined")
                target = copy.deepcopy(definitions[name])
                extra = {k: v for k, v in node.items() if k != "$ref"}
                return expand({**target, **extra}, (*seen, name))
            return {k: expand(v, seen) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [expand(item, seen) for item in node]
        return node

    return expand(schema, ())


def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return the self-contained JSON Schema of a stage output model."""
    return inline_refs(model.model_json_schema())


def compact_schema(schema: dict[str, Any], max_length: int = 160, max_items: int = 3) -> dict[str, Any]:
    """Return ``schema`` with tighter string and list bounds, for small local models.

    Grammar-constrained decoding always yields JSON that parses, but a small model tends to fill
    every string and list up to its bound. Tighter bounds keep the reply inside a small context
    window. Every tightened schema still validates against the stage's output model, because
    only maxima shrink and never below a minimum.
    """

    def tighten(node: Any) -> Any:
        if isinstance(node, dict):
            out = {key: tighten(value) for key, value in node.items()}
            if out.get("type") == "string" and "enum" not in out and "pattern" not in out:
                out["maxLength"] = max(out.get("minLength", 1), min(out.get("maxLength", max_length), max_length))
            if out.get("type") == "array":
                out["maxItems"] = max(out.get("minItems", 0), min(out.get("maxItems", max_items), max_items))
            return out
        if isinstance(node, list):
            return [tighten(item) for item in node]
        return node

    return tighten(schema)


def worst_case_chars(schema: dict[str, Any]) -> int:
    """Return an upper bound on the characters of a JSON value matching ``schema``.

    Counts string bounds, list bounds and a fixed overhead for keys and punctuation. A node
    without bounds counts as 200 characters, which only matters for hand-written schemas.
    """
    if "anyOf" in schema:
        return max(worst_case_chars(option) for option in schema["anyOf"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return 2 + sum(len(name) + 6 + worst_case_chars(sub) for name, sub in props.items())
    if kind == "array":
        return 2 + schema.get("maxItems", 10) * (2 + worst_case_chars(schema.get("items", {})))
    if kind == "string":
        if "enum" in schema:
            return 2 + max(len(str(v)) for v in schema["enum"])
        return 2 + schema.get("maxLength", 200) * 2  # escapes can double a character
    if "enum" in schema:
        return max(len(json.dumps(v)) for v in schema["enum"])
    return 24 if kind in ("integer", "number", "boolean", "null") else 200


# Tightening steps tried in order for small context windows: (max string length, max list items).
COMPACT_STEPS = ((160, 3), (120, 2), (80, 2), (60, 1), (40, 1))


def fit_schema(schema: dict[str, Any], room_tokens: int, chars_per_token: float = 1.5) -> dict[str, Any]:
    """Return the loosest compact form of ``schema`` whose worst case fits ``room_tokens``.

    ``chars_per_token`` is a pessimistic ratio: real text averages about 4 characters per token,
    but a small model's noise tokenises worse. The tightest step is returned when none fits.
    """
    compact = schema
    for max_length, max_items in COMPACT_STEPS:
        compact = compact_schema(schema, max_length, max_items)
        if worst_case_chars(compact) <= room_tokens * chars_per_token:
            break
    return compact


def schema_files(folder: Path) -> dict[Path, str]:
    """Return the exported schema text of every stage, keyed by its file path in ``folder``."""
    from specify.stages.models import STAGE_OUTPUTS

    return {
        folder / f"{stage}.schema.json": json.dumps(output_schema(model), indent=2, sort_keys=True) + "\n"
        for stage, model in STAGE_OUTPUTS.items()
    }


def export_schemas(folder: Path) -> list[Path]:
    """Write every stage's schema file into ``folder`` and return the paths."""
    from specify.fsutil import atomic_write_text

    written = []
    for path, text in schema_files(folder).items():
        atomic_write_text(path, text)
        written.append(path)
    return written


if __name__ == "__main__":
    from specify.resources import templates_dir

    for written_path in export_schemas(templates_dir() / "schemas"):
        print(written_path)
