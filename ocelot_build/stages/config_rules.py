"""The rules of a distributions file: every problem found at once, each naming its field.

Kept apart from ``stages.config`` (load and resolve) so each stays small. The checks run once
per entry of files with a hundred thousand entries, so an entry costs one Python call plus
the checks for the optional keys it has (one set operation finds them): a 15 MB file is
checked in about a second (``bench/config_load.py``; ``tests/unit/test_config_scale.py``
bounds the work by counting calls).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ocelot_build.core.budgets import BUDGET_KEYS, budget_errors
from ocelot_build.core.errors import ConfigError
from ocelot_build.core.localpaths import inside
from ocelot_build.core.yamlio import did_you_mean
from ocelot_build.stages import startup
from ocelot_build.verify.box import memory_errors

ENTRY_KEYS = (
    "description",
    "base",
    "build-tags",
    "config-file",
    *BUDGET_KEYS,
    "memory-mb",
    *startup.KEYS,
)
TOP_KEYS = ("distributions", "components", "go-replaces")
# Distribution names become file names (<layer>-<name>-<arch>.zip) and AWS layer names, so
# they use the characters of AWS's layer-name pattern; "all" selects every distribution.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
NAME_RULE = "letters, digits, '-' and '_', starting with a letter or digit, at most 64"
RESERVED_NAMES = ("all",)

_KNOWN = frozenset(ENTRY_KEYS)
_OPTIONAL = frozenset(("config-file", *BUDGET_KEYS, "memory-mb", *startup.KEYS))
_STR = {str}


def check_name(name: object) -> list[str]:
    """The one rule for distribution names (see NAME_PATTERN); an empty list when it holds."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        return [f"distribution name {name!r} must be {NAME_RULE} characters"]
    if name in RESERVED_NAMES:
        return [f"distribution name {name!r} is reserved (it selects every distribution)"]
    return []


def top_level(data: Any, errors: list[str]) -> dict[str, Any]:
    """The file's top-level mapping (``distributions`` made a mapping), problems appended."""
    if not isinstance(data, dict):
        raise ConfigError("distributions file must be a mapping with a 'distributions:' key")
    for key in data:
        if key not in TOP_KEYS:
            errors.append(f"unknown top-level key {key!r}{did_you_mean(str(key), TOP_KEYS)}")
    entries = data.get("distributions")
    if not isinstance(entries, dict) or not entries:
        errors.append("'distributions' must be a non-empty mapping of name → entry")
        data = {**data, "distributions": {}}
    for key in ("components", "go-replaces"):
        if key in data and not isinstance(data[key], dict | None):
            errors.append(f"'{key}' must be a mapping")
    replaces = data.get("go-replaces")
    if isinstance(replaces, dict):
        errors.extend(
            f"go-replaces: {k!r}: {v!r} must map a module path to a module@version or a path"
            for k, v in replaces.items()
            if not (isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip())
        )
    components = data.get("components")
    if isinstance(components, dict):
        errors.extend(
            f"components: key {k!r} must be a tag string"
            for k in components
            if not isinstance(k, str)
        )
    return data


def check_entry(
    name: str, entry: Any, entries: dict[str, Any], shipped: dict[str, Any], source: Path
) -> list[str]:
    """Every problem of one entry; ``shipped`` holds the shipped distributions a ``base``
    may name, ``source`` the file (``config-file`` must stay in its folder)."""
    where = f"distributions.{name}"
    if not isinstance(entry, dict):
        return [f"{where} must be a mapping"]
    errors = []
    if not _KNOWN.issuperset(entry):
        errors += [
            f"{where}: unknown key {key!r}{did_you_mean(str(key), ENTRY_KEYS)}; "
            f"allowed: {', '.join(ENTRY_KEYS)}"
            for key in entry
            if key not in _KNOWN
        ]
    description = entry.get("description")
    if not isinstance(description, str) or not description.strip():
        errors.append(f"{where}.description is required (a non-empty string)")
    tags = entry.get("build-tags", [])
    if (
        not isinstance(tags, list)
        or not set(map(type, tags)) <= _STR
        or not all(map(str.strip, tags))
    ):
        errors.append(f"{where}.build-tags must be a list of tag strings")
    base = entry.get("base")
    if base is not None and not isinstance(base, str):
        errors.append(f"{where}.base must be a distribution name, got {base!r}")
    elif base is not None and base not in entries and base not in shipped:
        errors.append(
            f"{where}.base: unknown distribution {base!r}"
            f"{did_you_mean(str(base), [*map(str, entries), *shipped])}"
        )
    if _OPTIONAL.isdisjoint(entry):
        return errors
    return errors + _optional_errors(where, entry, source)


def _optional_errors(where: str, entry: dict[str, Any], source: Path) -> list[str]:
    """The problems of the optional keys an entry has."""
    errors = []
    config_file = entry.get("config-file")
    if config_file is not None and not isinstance(config_file, str):
        errors.append(f"{where}.config-file must be a path string")
    elif config_file:
        try:
            inside(source.parent, config_file, f"{where}.config-file")
        except ConfigError as exc:
            errors.append(str(exc))
    errors += budget_errors(entry, where)
    errors += memory_errors(entry, where)
    errors += startup.parse(entry, where)[1]
    return errors


def base_names(entries: dict[str, Any]) -> dict[str, str]:
    """Each entry's ``base`` when it is a name (in this file, shipped, or unknown)."""
    return {
        name: base
        for name, entry in entries.items()
        if isinstance(entry, dict) and isinstance(base := entry.get("base"), str)
    }


def cycles(entries: dict[str, Any], bases: dict[str, str]) -> list[str]:
    """One error per distribution on an inheritance cycle, naming the cycle from it.

    Each chain is walked once (a name's state is remembered), so a file of N entries costs
    O(N) however deep its ``base`` chains are.
    """
    done: set[str] = set()
    errors: list[str] = []
    for start in entries:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current: str | None = start
        while current is not None and current not in done and current not in on_path:
            on_path[current] = len(path)
            path.append(current)
            current = bases.get(current)
        if current is not None and current in on_path:
            cycle = path[on_path[current] :]
            errors.extend(
                f"distributions.{n}.base: inheritance cycle "
                + " → ".join([*cycle[i:], *cycle[:i], n])
                for i, n in enumerate(cycle)
            )
        done.update(path)
    return errors
