"""Arithmetic and word problems whose answer is one integer.

Difficulty 1: one addition or subtraction of single digits. Difficulty 2: one operation on
two-digit numbers, or multiplication of single digits. Difficulty 3: three operands and two
operations, evaluated with the usual precedence. Word problems wrap a difficulty 1 or 2
operation in a short story. The verifier compares the last integer of the reply.
"""

from __future__ import annotations

import random

from localmodel.data.synthetic.forms import Solved

NAMES = ("Ann", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Ida", "Jon")
ITEMS = ("apples", "books", "coins", "pens", "stamps", "shells", "cards", "marbles")


def _operation(rng: random.Random, difficulty: int) -> tuple[int, str, int]:
    if difficulty == 1:
        a, b = rng.randint(0, 9), rng.randint(0, 9)
        op = rng.choice("+-")
    elif rng.random() < 0.3:
        a, b, op = rng.randint(2, 9), rng.randint(2, 9), "*"
    else:
        a, b = rng.randint(10, 99), rng.randint(10, 99)
        op = rng.choice("+-")
    if op == "-" and b > a:
        a, b = b, a
    return a, op, b


def _apply(a: int, op: str, b: int) -> int:
    return a + b if op == "+" else a - b if op == "-" else a * b


def expression(rng: random.Random, difficulty: int) -> Solved:
    """Return a bare expression such as ``What is 7 + 5?`` with its step-by-step solution."""
    if difficulty < 3:
        a, op, b = _operation(rng, difficulty)
        value = _apply(a, op, b)
        user, reasoning = f"What is {a} {op} {b}?", f"{a} {op} {b} = {value}"
    else:
        a, b, c = rng.randint(2, 20), rng.randint(2, 9), rng.randint(2, 20)
        op1, _op2 = rng.choice("+-"), "*"
        if rng.random() < 0.5:  # a op1 b * c: the product first
            product = b * c
            value = _apply(a, op1, product)
            user = f"What is {a} {op1} {b} * {c}?"
            reasoning = f"Multiply first: {b} * {c} = {product}. Then {a} {op1} {product} = {value}."
        else:  # (a op1 b) * c
            inner = _apply(a, op1, b)
            value = inner * c
            user = f"What is ({a} {op1} {b}) * {c}?"
            reasoning = f"Brackets first: {a} {op1} {b} = {inner}. Then {inner} * {c} = {value}."
    return Solved("arithmetic", difficulty, user, reasoning, str(value),
                  {"kind": "number", "value": value})


def word_problem(rng: random.Random, difficulty: int) -> Solved:
    """Return a one-step story problem; difficulty 3 is treated as 2."""
    a, op, b = _operation(rng, min(difficulty, 2))
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    value = _apply(a, op, b)
    if op == "+":
        user = f"{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?"
        reasoning = f"{name} starts with {a} and gains {b}: {a} + {b} = {value}."
    elif op == "-":
        user = f"{name} has {a} {item} and gives away {b}. How many {item} are left?"
        reasoning = f"{name} starts with {a} and loses {b}: {a} - {b} = {value}."
    else:
        user = f"{name} has {a} boxes with {b} {item} in each. How many {item} is that?"
        reasoning = f"{a} boxes of {b}: {a} * {b} = {value}."
    return Solved("word_problem", difficulty, user, reasoning, str(value),
                  {"kind": "number", "value": value})
