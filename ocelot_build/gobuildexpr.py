"""Evaluate ``//go:build`` constraint expressions, as the go command does.

ocelot reads upstream's component files and must know which ones a tag set selects, both to
validate tags and to predict the components a build links. Grammar (go/build/constraint):
``||`` binds looser than ``&&``, ``!`` is unary, parentheses group, operands are tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TOKEN = re.compile(r"\s*(\(|\)|!|&&|\|\||[\w.]+)")
Expr = Callable[[frozenset[str]], bool]


def parse(expression: str) -> Expr:
    tokens = _tokenize(expression)
    pos, expr = _or(tokens, 0)
    if pos != len(tokens):
        raise ValueError(f"unexpected {tokens[pos]!r} in //go:build {expression!r}")
    return expr


def identifiers(expression: str) -> set[str]:
    return {t for t in _tokenize(expression) if t not in ("(", ")", "!", "&&", "||")}


def satisfied(expression: str, tags: frozenset[str]) -> bool:
    return parse(expression)(tags) if expression.strip() else True


def _tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"cannot parse //go:build {text!r} at {text[pos:]!r}")
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def _or(tokens: list[str], pos: int) -> tuple[int, Expr]:
    pos, left = _and(tokens, pos)
    while pos < len(tokens) and tokens[pos] == "||":
        pos, right = _and(tokens, pos + 1)
        left = (lambda a, b: lambda t: a(t) or b(t))(left, right)
    return pos, left


def _and(tokens: list[str], pos: int) -> tuple[int, Expr]:
    pos, left = _not(tokens, pos)
    while pos < len(tokens) and tokens[pos] == "&&":
        pos, right = _not(tokens, pos + 1)
        left = (lambda a, b: lambda t: a(t) and b(t))(left, right)
    return pos, left


def _not(tokens: list[str], pos: int) -> tuple[int, Expr]:
    if pos >= len(tokens):
        raise ValueError("//go:build expression ends early")
    if tokens[pos] == "!":
        pos, inner = _not(tokens, pos + 1)
        return pos, lambda t: not inner(t)
    if tokens[pos] == "(":
        pos, inner = _or(tokens, pos + 1)
        if pos >= len(tokens) or tokens[pos] != ")":
            raise ValueError("unbalanced parentheses in //go:build")
        return pos + 1, inner
    name = tokens[pos]
    if name in (")", "&&", "||"):
        raise ValueError(f"unexpected {name!r} in //go:build")
    return pos + 1, lambda t: name in t
