"""Evaluate ``//go:build`` constraint expressions, as the go command does.

ocelot reads upstream's component files and must know which ones a tag set selects, both to
validate tags and to predict the components a build links. Grammar (go/build/constraint):
``||`` binds looser than ``&&``, ``!`` is unary, parentheses group, operands are tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TOKEN = re.compile(r"\s*(\(|\)|!|&&|\|\||[\w.]+)")
BUILD_LINE = re.compile(r"^//go:build\s+(.+)$", re.MULTILINE)
Expr = Callable[[frozenset[str]], bool]


def constraint(source: str) -> str:
    """A Go file's ``//go:build`` expression, or "" when it has none."""
    match = BUILD_LINE.search(source)
    return match.group(1).strip() if match else ""


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


Parser = Callable[[list[str], int], tuple[int, Expr]]


def _chain(tokens: list[str], pos: int, op: str, operand: Parser, any_: bool) -> tuple[int, Expr]:
    """``operand (op operand)*``: true when any (``||``) or all (``&&``) operands are."""
    pos, first = operand(tokens, pos)
    parts = [first]
    while pos < len(tokens) and tokens[pos] == op:
        pos, part = operand(tokens, pos + 1)
        parts.append(part)
    combine = any if any_ else all
    return pos, lambda t: combine(p(t) for p in parts)


def _or(tokens: list[str], pos: int) -> tuple[int, Expr]:
    return _chain(tokens, pos, "||", _and, any_=True)


def _and(tokens: list[str], pos: int) -> tuple[int, Expr]:
    return _chain(tokens, pos, "&&", _not, any_=False)


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
