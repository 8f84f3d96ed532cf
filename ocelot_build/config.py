"""Distributions: load the YAML, validate every entry, resolve ``base`` inheritance.

Format (``config/distributions.yaml``)::

    distributions:
      minimal:
        description: OTLP in, OTLP/HTTP out
        base: <another distribution>        # optional, inherits tags, config and budgets
        build-tags: [custom, receiver.otlp] # with or without the lambdacomponents. prefix
        config-file: examples/minimal.yaml  # optional, relative to this file
        max-zip-mb: 30                      # optional budgets (see ocelot_build.budgets)
    components: {...}                       # optional: your own overlay components
    go-replaces: {module: module@version}   # optional: go mod edit -replace for every build
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocelot_build.budgets import Budgets
from ocelot_build.errors import ConfigError, UsageError
from ocelot_build.yamlio import did_you_mean, load_yaml, raise_all

TAG_PREFIX = "lambdacomponents."
CUSTOM_TAG = TAG_PREFIX + "custom"
ENTRY_KEYS = (
    "description",
    "base",
    "build-tags",
    "config-file",
    "max-zip-mb",
    "max-unzipped-mb",
    "max-init-ms",
)
TOP_KEYS = ("distributions", "components", "go-replaces")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "distributions.yaml"


@dataclass(frozen=True)
class Distribution:
    """A distribution with its inheritance already applied."""

    name: str
    description: str
    tags: tuple[str, ...]  # full tag names, sorted, deduplicated
    config_file: Path | None
    budgets: Budgets
    lineage: tuple[str, ...]  # itself, then its bases

    @property
    def is_custom(self) -> bool:
        return CUSTOM_TAG in self.tags


@dataclass(frozen=True)
class DistributionsFile:
    path: Path
    distributions: dict[str, Distribution]
    components: dict[str, Any] = field(default_factory=dict)  # raw; see registry
    go_replaces: dict[str, str] = field(default_factory=dict)

    def select(self, names: list[str]) -> list[Distribution]:
        """Look up requested names; ``all`` means every distribution, in file order."""
        if names == ["all"]:
            return list(self.distributions.values())
        chosen = []
        for name in names:
            if name not in self.distributions:
                raise UsageError(
                    f"unknown distribution {name!r}{did_you_mean(name, self.distributions)}; "
                    f"allowed: {', '.join(self.distributions)}, all"
                )
            chosen.append(self.distributions[name])
        return chosen


def full_tag(tag: str) -> str:
    return tag if tag.startswith(TAG_PREFIX) else TAG_PREFIX + tag


def short_tag(tag: str) -> str:
    return tag.removeprefix(TAG_PREFIX)


def load_distributions(path: Path | None = None) -> DistributionsFile:
    """Load, validate and resolve a distributions file; every error names its field."""
    source = (path or DEFAULT_CONFIG).resolve()
    data = load_yaml(source, "distributions file")
    errors: list[str] = []
    raw = _top_level(data, errors)
    entries = raw.get("distributions") or {}
    for name, entry in entries.items():
        errors.extend(_check_entry(str(name), entry, entries))
    raise_all(errors, source)
    resolved = {str(n): _resolve(str(n), entries, source) for n in entries}
    replaces = raw.get("go-replaces") or {}
    return DistributionsFile(
        source, resolved, raw.get("components") or {}, {str(k): str(v) for k, v in replaces.items()}
    )


def _top_level(data: Any, errors: list[str]) -> dict[str, Any]:
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
    return data


def _check_entry(name: str, entry: Any, entries: dict[str, Any]) -> list[str]:
    where = f"distributions.{name}"
    if not isinstance(entry, dict):
        return [f"{where} must be a mapping"]
    errors = [
        f"{where}: unknown key {key!r}{did_you_mean(str(key), ENTRY_KEYS)}; "
        f"allowed: {', '.join(ENTRY_KEYS)}"
        for key in entry
        if key not in ENTRY_KEYS
    ]
    if not isinstance(entry.get("description"), str) or not entry["description"].strip():
        errors.append(f"{where}.description is required (a non-empty string)")
    tags = entry.get("build-tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        errors.append(f"{where}.build-tags must be a list of tag strings")
    base = entry.get("base")
    if base is not None and base not in entries:
        errors.append(
            f"{where}.base: unknown distribution {base!r}"
            f"{did_you_mean(str(base), map(str, entries))}"
        )
    config_file = entry.get("config-file")
    if config_file is not None and not isinstance(config_file, str):
        errors.append(f"{where}.config-file must be a path string")
    try:
        Budgets.from_mapping(entry, where)
    except ConfigError as exc:
        errors.append(str(exc))
    cycle = _find_cycle(name, entries)
    if cycle:
        errors.append(f"{where}.base: inheritance cycle {' → '.join(cycle)}")
    return errors


def _find_cycle(name: str, entries: dict[str, Any]) -> list[str] | None:
    seen = [name]
    current = entries.get(name)
    while isinstance(current, dict) and current.get("base") in entries:
        base = current["base"]
        if base in seen:
            return [*seen, base] if base == name else None
        seen.append(base)
        current = entries[base]
    return None


def _resolve(name: str, entries: dict[str, Any], source: Path) -> Distribution:
    lineage: list[str] = []
    current: str | None = name
    while current is not None:
        lineage.append(current)
        current = entries[current].get("base")
    tags: set[str] = set()
    budgets = Budgets.from_mapping({}, "")
    config_file: Path | None = None
    for ancestor in reversed(lineage):  # base first, so children override
        entry = entries[ancestor]
        tags.update(full_tag(t.strip()) for t in entry.get("build-tags") or [])
        budgets = Budgets.from_mapping(entry, f"distributions.{ancestor}").merged_over(budgets)
        if entry.get("config-file"):
            config_file = (source.parent / entry["config-file"]).resolve()
    return Distribution(
        name=name,
        description=str(entries[name]["description"]).strip(),
        tags=tuple(sorted(tags)),
        config_file=config_file,
        budgets=budgets,
        lineage=tuple(lineage),
    )
