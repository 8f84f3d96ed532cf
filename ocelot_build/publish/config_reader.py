"""Reading one namespace of Pulumi config: JSON-decoded values, errors collected per key.

Pulumi hands structured config (YAML lists and maps) to programs as JSON text and plain values
as strings, while ``pulumi config set`` users type ``a,b``; ``Reader`` accepts all three and
records a problem instead of raising, so a stack's every mistake is reported in one go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ocelot_build.core.files import split_commas


class Reader:
    """Reads one ``ocelot:`` key at a time, decoding JSON and collecting errors."""

    def __init__(self, raw: Mapping[str, Any], namespace: str) -> None:
        self.raw = raw
        self.namespace = namespace
        self.errors: list[str] = []

    def error(self, key: str, problem: str) -> None:
        self.errors.append(f"{self.namespace}:{key}: {problem}")

    def get(self, key: str) -> Any:
        return self.raw.get(f"{self.namespace}:{key}")

    def text(self, key: str, default: str) -> str:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"must be a non-empty string, got {value!r}")
            return default
        return value.strip()

    def pattern(self, key: str, regex: re.Pattern[str], default: Any) -> Any:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not regex.fullmatch(value.strip()):
            self.error(key, f"{value!r} does not match {regex.pattern}")
            return default
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.error(key, f"must be true or false, got {value!r}")
        return default

    def strings(self, key: str) -> list[str] | None:
        """A list of strings: a YAML list (JSON on the wire), or ``a,b`` from the CLI."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = _decode(value)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.error(key, f"must be a list of non-empty strings, got {value!r}")
            return None
        seen = [v.strip() for v in value]
        for dup in sorted({v for v in seen if seen.count(v) > 1}):
            self.error(key, f"lists {dup!r} more than once")
        return seen

    def account_ids(self, key: str) -> list[str] | None:
        """A list of account ids as ``strings`` reads it, numbers included: that is what
        ``pulumi config set --path '<key>[0]' 123456789012`` stores. A number has lost an id's
        leading zeros, so it is padded back to the 12 digits every account id has."""
        value = self.get(key)
        if isinstance(value, str):
            value = _decode(value)
        if isinstance(value, list):
            value = [_account_text(v) for v in value]
        inner = Reader({f"{self.namespace}:{key}": value}, self.namespace)
        names = inner.strings(key)
        self.errors += inner.errors
        return names

    def mapping(self, key: str) -> dict[str, str] | None:
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = _decode(value)
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.error(key, f"must be a map of region to bucket name, got {value!r}")
            return None
        return value


def _account_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).zfill(12)  # too long stays too long, and the id check says so
    return value


def _decode(text: str) -> Any:
    """JSON if it is JSON (Pulumi's wire form of YAML lists), else a comma-separated list."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return text
    return split_commas(stripped)
