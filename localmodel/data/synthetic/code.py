"""Small Python functions checked by running asserts in the sandbox.

Difficulty 1: one expression (sum, double, maximum). Difficulty 2: a loop or a condition
over a list or string. Difficulty 3: several branches (FizzBuzz, clamping, run lengths).
The reply is one fenced ``python`` block; the verifier runs it with the task's asserts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from localmodel.data.synthetic.forms import Solved


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    signature: str
    purpose: str
    body: str
    difficulty: int
    examples: Callable[[random.Random], list[tuple[str, str]]]  # (call, expected) pairs


def _ints(rng: random.Random, n: int, low: int = -20, high: int = 20) -> list[int]:
    return [rng.randint(low, high) for _ in range(n)]


def _words(rng: random.Random) -> str:
    return rng.choice(("level", "python", "banana", "sandbox", "aaab", "moon"))


def _fizz(n: int) -> str:
    return "FizzBuzz" if n % 15 == 0 else "Fizz" if n % 3 == 0 else "Buzz" if n % 5 == 0 else str(n)


SPECS = (
    FunctionSpec("add", "add(a, b)", "returns the sum of a and b", "return a + b", 1,
                 lambda r: [(f"add({a}, {b})", repr(a + b)) for a, b in zip(_ints(r, 3), _ints(r, 3), strict=True)]),
    FunctionSpec("double", "double(x)", "returns x times two", "return x * 2", 1,
                 lambda r: [(f"double({x})", repr(2 * x)) for x in _ints(r, 3)]),
    FunctionSpec("biggest", "biggest(a, b)", "returns the larger of a and b", "return max(a, b)",
                 1, lambda r: [(f"biggest({a}, {b})", repr(max(a, b)))
                               for a, b in zip(_ints(r, 3), _ints(r, 3), strict=True)]),
    FunctionSpec("count_even", "count_even(xs)", "returns how many numbers in xs are even",
                 "return sum(1 for x in xs if x % 2 == 0)", 2,
                 lambda r: [(f"count_even({xs})", repr(sum(1 for x in xs if x % 2 == 0)))
                            for xs in (_ints(r, 4), _ints(r, 5))]),
    FunctionSpec("reverse_text", "reverse_text(s)", "returns s reversed", "return s[::-1]", 2,
                 lambda r: [(f"reverse_text({w!r})", repr(w[::-1])) for w in (_words(r), _words(r))]),
    FunctionSpec("count_char", "count_char(s, c)", "returns how often the character c occurs in s",
                 "return sum(1 for ch in s if ch == c)", 2,
                 lambda r: [(f"count_char({w!r}, 'a')", repr(w.count("a"))) for w in (_words(r),)]),
    FunctionSpec("fizzbuzz", "fizzbuzz(n)",
                 "returns 'Fizz' for multiples of 3, 'Buzz' for multiples of 5, 'FizzBuzz' for "
                 "both and str(n) otherwise",
                 "if n % 15 == 0:\n        return 'FizzBuzz'\n    if n % 3 == 0:\n        return "
                 "'Fizz'\n    if n % 5 == 0:\n        return 'Buzz'\n    return str(n)", 3,
                 lambda r: [(f"fizzbuzz({n})", repr(_fizz(n))) for n in _ints(r, 4, 1, 60)]),
    FunctionSpec("clamp", "clamp(x, low, high)", "returns x limited to the range low to high",
                 "if x < low:\n        return low\n    if x > high:\n        return high\n    return x",
                 3, lambda r: [(f"clamp({x}, -5, 5)", repr(max(-5, min(5, x)))) for x in _ints(r, 4)]),
)


def code_task(rng: random.Random, difficulty: int) -> Solved:
    choices = [s for s in SPECS if s.difficulty == difficulty] or list(SPECS)
    spec = rng.choice(choices)
    examples = spec.examples(rng)
    tests = "\n".join(f"assert {call} == {expected}" for call, expected in examples)
    call, expected = examples[-1]
    user = f"Write a Python function {spec.signature} that {spec.purpose}. Example: {call} == {expected}."
    code = f"def {spec.signature}:\n    {spec.body}"
    reasoning = f"The function {spec.name} {spec.purpose}. Check: {examples[0][0]} gives {examples[0][1]}."
    return Solved("code", difficulty, user, reasoning, f"```python\n{code}\n```",
                  {"kind": "python", "entry": spec.name, "tests": tests},
                  instructions="Reply with one Python code block.")
