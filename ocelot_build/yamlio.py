"""Loading YAML files with errors that name the file, and "did you mean" suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ocelot_build.errors import ConfigError


def load_yaml(path: Path, what: str) -> Any:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{where}: {problem}") from None


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """`` (did you mean: a, b)`` or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    return f" (did you mean: {', '.join(close)})" if close else ""


def raise_all(errors: list[str], source: Path) -> None:
    """Report every problem at once, on one line, naming the file."""
    if errors:
        raise ConfigError(f"{source}: " + "; ".join(errors))
