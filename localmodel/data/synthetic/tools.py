"""Tool-call dialogues against stub tools that run locally and return JSON.

The assistant calls one tool (difficulty 1) or two (difficulty 2) with ``<tool_call>``
blocks, each result comes back as a tool turn, and the assistant then answers from the
results. The verifier checks the first reply's calls: tool names and arguments.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from localmodel.data.synthetic.forms import Solved

CITIES = ("Paris", "Lima", "Oslo", "Cairo", "Delhi", "Quito", "Rome", "Seoul")


def _weather(city: str) -> dict[str, Any]:
    return {"city": city, "temp_c": 5 + sum(map(ord, city)) % 25}


def _add(a: int, b: int) -> dict[str, Any]:
    return {"result": a + b}


def _time(city: str) -> dict[str, Any]:
    return {"city": city, "time": f"{sum(map(ord, city)) % 24:02d}:00"}


def _schema(name: str, description: str, params: dict[str, str]) -> dict[str, Any]:
    properties = {key: {"type": kind} for key, kind in params.items()}
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": properties, "required": list(params)}}}


STUB_TOOLS: dict[str, tuple[dict[str, Any], Callable[..., dict[str, Any]]]] = {
    "get_weather": (_schema("get_weather", "Current temperature in a city.", {"city": "string"}),
                    _weather),
    "add": (_schema("add", "Add two integers.", {"a": "integer", "b": "integer"}), _add),
    "get_time": (_schema("get_time", "Local time in a city.", {"city": "string"}), _time),
}


def call_stub(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run the stub tool ``name``; raise KeyError or TypeError for an invalid call."""
    return STUB_TOOLS[name][1](**arguments)


def _request(rng: random.Random) -> tuple[str, dict[str, Any], str]:
    kind = rng.choice(sorted(STUB_TOOLS))
    if kind == "add":
        args = {"a": rng.randint(10, 999), "b": rng.randint(10, 999)}
        return kind, args, f"add {args['a']} and {args['b']}"
    city = rng.choice(CITIES)
    what = "the weather" if kind == "get_weather" else "the time"
    return kind, {"city": city}, f"{what} in {city}"


def _summary(name: str, result: dict[str, Any]) -> str:
    if name == "add":
        return f"The sum is {result['result']}."
    if name == "get_weather":
        return f"It is {result['temp_c']} C in {result['city']}."
    return f"It is {result['time']} in {result['city']}."


def tool_task(rng: random.Random, difficulty: int) -> Solved:
    requests = [_request(rng) for _ in range(1 if difficulty < 2 else 2)]
    calls = [{"name": name, "arguments": args} for name, args, _ in requests]
    results = [call_stub(name, args) for name, args, _ in requests]
    user = "Please " + " and ".join(text for _, _, text in requests) + "."
    reasoning = " ".join(f"I call {name} with {json.dumps(args)}." for name, args, _ in requests)
    tools = [STUB_TOOLS[name][0] for name in sorted({name for name, _, _ in requests} | {"add"})]
    final = " ".join(_summary(name, result) for (name, _, _), result in zip(requests, results, strict=True))
    return Solved("tool_call", difficulty, user, reasoning, "", {"kind": "tool_call", "calls": calls},
                  tools=tools, tool_calls=calls,
                  tool_results=[json.dumps(result) for result in results], final=final)
