"""JSON-schema tasks: fill an object that validates against a schema given in the prompt.

The difficulty is the number of fields (1, 2 or 3 drawn from a pool of typed fields); at
difficulty 3 one field may be an array of strings. The verifier parses the reply as JSON
and validates it with ``jsonschema``; it also checks the values against the stated facts.
"""

from __future__ import annotations

import json
import random
from typing import Any

from localmodel.data.synthetic.forms import Solved

CITIES = ("Paris", "Lima", "Oslo", "Cairo", "Delhi", "Quito", "Rome", "Seoul")
NAMES = ("Ann", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo")
TAGS = ("red", "blue", "fast", "new", "old", "big", "small")


def _field_value(name: str, rng: random.Random) -> tuple[dict[str, Any], Any, str]:
    """Return (schema, value, fact sentence) for the field ``name``."""
    if name == "name":
        value = rng.choice(NAMES)
        return {"type": "string"}, value, f"the name is {value}"
    if name == "age":
        value = rng.randint(1, 99)
        return {"type": "integer"}, value, f"the age is {value}"
    if name == "city":
        value = rng.choice(CITIES)
        return {"type": "string"}, value, f"the city is {value}"
    if name == "active":
        value = rng.random() < 0.5
        return {"type": "boolean"}, value, f"active is {'true' if value else 'false'}"
    if name == "count":
        value = rng.randint(0, 50)
        return {"type": "integer"}, value, f"the count is {value}"
    value = rng.sample(TAGS, 2)
    return ({"type": "array", "items": {"type": "string"}}, value,
            f"the tags are {value[0]} and {value[1]}")


def json_task(rng: random.Random, difficulty: int) -> Solved:
    pool = ["name", "age", "city", "active", "count"] + (["tags"] if difficulty >= 3 else [])
    fields = rng.sample(pool, max(1, min(difficulty, 3)))
    properties, obj, facts = {}, {}, []
    for name in fields:
        schema, value, fact = _field_value(name, rng)
        properties[name] = schema
        obj[name] = value
        facts.append(fact)
    schema = {"type": "object", "properties": properties, "required": fields,
              "additionalProperties": False}
    compact = json.dumps(schema, separators=(",", ":"))
    user = f"Reply with JSON for this schema: {compact}\nFacts: {'; '.join(facts)}."
    stated = "; ".join(facts)
    reasoning = f"The object needs {', '.join(fields)}. {stated[0].upper()}{stated[1:]}."
    return Solved("json", difficulty, user, reasoning, json.dumps(obj),
                  {"kind": "json", "schema": schema, "expected": obj},
                  instructions="Reply with JSON only.")
