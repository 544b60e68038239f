"""Spec-driven tasks: turn a short feature description into one stage output of ``specify run``.

The stage outputs are the JSON Schema files that ``specify`` ships under
``templates/schemas/<stage>.schema.json``. They are read as files, found beside this
package in a source checkout or under ``specify/_bundled`` in a wheel, so generating data
never imports ``specify``. An instance is built from the schema itself (required fields,
half the optional ones, ``minItems`` to ``minItems + 1`` items, strings made of words of
the description) and kept only if ``jsonschema`` accepts it. Difficulty is 1 for the
small schemas, 2 for the middle ones and 3 for ``plan`` and ``specify``.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

from localmodel.data.synthetic.forms import Solved
from specify.errors import ConfigError

STAGE_DIFFICULTY = {"checklist": 1, "converge": 1, "analyze": 2, "clarify": 2,
                    "constitution": 2, "tasks": 2, "plan": 3, "specify": 3}
FEATURES = (
    ("export reports as CSV", "analysts", "open them in a spreadsheet"),
    ("sign in with a one-time code", "users", "log in without a password"),
    ("archive old projects", "admins", "keep the project list short"),
    ("tag notes by topic", "writers", "find related notes quickly"),
    ("retry failed uploads", "photographers", "finish uploads on a weak network"),
    ("schedule email digests", "team leads", "get one summary per week"),
)
PRODUCTS = ("notes app", "photo library", "issue tracker", "billing portal", "chat service")


def schemas_dir() -> Path:
    """Return the folder of stage schemas without importing ``specify``."""
    candidates = [Path(__file__).resolve().parents[3] / "templates" / "schemas"]
    spec = importlib.util.find_spec("specify")
    if spec and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates.append(Path(location) / "_bundled" / "templates" / "schemas")
    for folder in candidates:
        if folder.is_dir() and any(folder.glob("*.schema.json")):
            return folder
    raise ConfigError("No stage schemas (templates/schemas/*.schema.json) were found.",
                      "Install specify-agent or run from a source checkout.")


@cache
def load_stage_schema(stage: str) -> dict[str, Any]:
    path = schemas_dir() / f"{stage}.schema.json"
    if not path.is_file():
        raise ConfigError(f"Stage schema {path} does not exist.",
                          f"Known stages: {', '.join(sorted(STAGE_DIFFICULTY))}.")
    return json.loads(path.read_text(encoding="utf-8"))


class _Filler:
    """Build one instance of a schema from a pool of words."""

    def __init__(self, root: dict[str, Any], words: list[str], rng: random.Random) -> None:
        self.root, self.words, self.rng = root, words, rng

    def value(self, schema: dict[str, Any]) -> Any:
        if "$ref" in schema:
            return self.value(self._resolve(schema["$ref"]))
        if "anyOf" in schema:
            options = [s for s in schema["anyOf"] if s.get("type") != "null"] or schema["anyOf"]
            return self.value(self.rng.choice(options))
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        kind = schema.get("type", "string")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            low = max(1, schema.get("minItems", 0))
            count = min(schema.get("maxItems", low + 1), low + self.rng.randint(0, 1))
            return [self.value(schema.get("items", {})) for _ in range(count)]
        if kind == "integer":
            low, high = schema.get("minimum", 1), schema.get("maximum", 5)
            return self.rng.randint(low, max(low, min(high, low + 4)))
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(schema)

    def _object(self, schema: dict[str, Any]) -> dict[str, Any]:
        required = set(schema.get("required", []))
        out = {}
        for name, sub in schema.get("properties", {}).items():
            if name in required or self.rng.random() < 0.5:
                out[name] = self.value(sub)
        return out

    def _string(self, schema: dict[str, Any]) -> str:
        pattern = schema.get("pattern", "")
        if "[A-E]" in pattern:
            return self.rng.choice("ABCDE")
        count = self.rng.randint(2, 3) if pattern else self.rng.randint(3, 7)
        words = [self.rng.choice(self.words) for _ in range(count)]
        if pattern:
            return "-".join(re.sub(r"[^a-z0-9]", "", w.lower()) or "item" for w in words)
        text = " ".join(words).capitalize()
        return text[: schema.get("maxLength", 400)]

    def _resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node


def spec_task(rng: random.Random, difficulty: int) -> Solved | None:
    """Return a stage-output task, or None if the drawn instance did not validate."""
    import jsonschema

    stages = [s for s, d in STAGE_DIFFICULTY.items() if d == difficulty] or list(STAGE_DIFFICULTY)
    stage = rng.choice(stages)
    schema = load_stage_schema(stage)
    feature, users, goal = rng.choice(FEATURES)
    product = rng.choice(PRODUCTS)
    description = f"Add a way to {feature} in the {product} so that {users} can {goal}."
    words = [w for w in re.findall(r"[a-z]+", description.lower()) if len(w) > 2]
    instance = _Filler(schema, words, rng).value(schema)
    if not jsonschema.Draft202012Validator(schema).is_valid(instance):
        return None
    user = f"Stage: {stage}\nFeature: {description}"
    fields = ", ".join(schema.get("required", [])) or "the fields of the schema"
    reasoning = f"The {stage} stage needs {fields}. The feature is about {feature}."
    return Solved("spec", difficulty, user, reasoning, json.dumps(instance),
                  {"kind": "json", "stage": stage, "schema": schema},
                  instructions=f"Reply with the JSON output of the {stage} stage of specify.")
