"""Distributions: load the YAML, validate every entry, resolve ``base`` inheritance.

Format (``config/distributions.yaml``)::

    distributions:
      minimal:
        description: OTLP in, OTLP/HTTP out
        base: <another distribution>        # optional, inherits tags, config and budgets
        build-tags: [custom, receiver.otlp] # with or without the lambdacomponents. prefix
        config-file: examples/minimal.yaml  # optional, relative to this file
        max-zip-mb: 30                      # optional budgets (see ocelot_build.core.budgets)
        memory-mb: 512                      # optional: Lambda memory size to check at (128)
    components: {...}                       # optional: your own overlay components
    go-replaces: {module: module@version}   # optional: go mod edit -replace for every build
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocelot_build.core.budgets import Budgets
from ocelot_build.core.errors import ConfigError, UsageError
from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.core.localpaths import inside
from ocelot_build.core.yamlio import did_you_mean, load_yaml, raise_all
from ocelot_build.stages import startup
from ocelot_build.stages.startup import StartOptions
from ocelot_build.verify.box import MEMORY_MB_DEFAULT, memory_errors

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
    "memory-mb",
    "config-providers",
    "cold-start",
)
TOP_KEYS = ("distributions", "components", "go-replaces")
# Distribution names become file names (<layer>-<name>-<arch>.zip) and AWS layer names, so
# they use the characters of AWS's layer-name pattern; "all" selects every distribution.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
NAME_RULE = "letters, digits, '-' and '_', starting with a letter or digit, at most 64"
RESERVED_NAMES = ("all",)
ALL_ALONE = "'all' already means every distribution; give it alone or name distributions"
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
    memory_mb: int = MEMORY_MB_DEFAULT  # the boot check's memory size; max-init-ms holds there
    start: StartOptions = field(default_factory=StartOptions)  # upstream's by default

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
        if "all" in names:
            raise UsageError(ALL_ALONE)
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


def load_distributions(path: Path | None = None, memo: Path | None = None) -> DistributionsFile:
    """Load, validate and resolve a distributions file; every error names its field.

    A ``base`` this file does not define may name a shipped distribution
    (``config/distributions.yaml``): a user's file builds on the shipped one without
    copying it, and the shipped entry keeps its own ``config-file``, resolved in its tree.
    """
    source = (path or DEFAULT_CONFIG).resolve()
    data = load_yaml(source, "distributions file", memo)  # memo: see yamlio
    errors: list[str] = []
    raw = _top_level(data, errors)
    entries = raw.get("distributions") or {}
    shipped = _shipped_bases(source, entries)
    for name, entry in entries.items():
        errors.extend(check_name(name) or _check_entry(name, entry, entries, shipped, source))
    errors.extend(_cycles(entries))
    raise_all(errors, source)
    return DistributionsFile(
        source,
        _resolve_all(entries, source, shipped),
        raw.get("components") or {},
        dict(raw.get("go-replaces") or {}),
    )


def _shipped_bases(source: Path, entries: dict[str, Any]) -> dict[str, Distribution]:
    """The shipped distributions, when this file is another one and a ``base`` needs them."""
    wanted = {
        e.get("base")
        for e in entries.values()
        if isinstance(e, dict) and isinstance(e.get("base"), str)
    } - set(entries)
    if not wanted or source == DEFAULT_CONFIG.resolve() or not DEFAULT_CONFIG.is_file():
        return {}
    return load_distributions(DEFAULT_CONFIG).distributions


def check_name(name: object) -> list[str]:
    """The one rule for distribution names (see NAME_PATTERN); an empty list when it holds."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        return [f"distribution name {name!r} must be {NAME_RULE} characters"]
    if name in RESERVED_NAMES:
        return [f"distribution name {name!r} is reserved (it selects every distribution)"]
    return []


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


def _check_entry(
    name: str,
    entry: Any,
    entries: dict[str, Any],
    shipped: dict[str, Distribution],
    source: Path,
) -> list[str]:
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
    if base is not None and not isinstance(base, str):
        errors.append(f"{where}.base must be a distribution name, got {base!r}")
    elif base is not None and base not in entries and base not in shipped:
        errors.append(
            f"{where}.base: unknown distribution {base!r}"
            f"{did_you_mean(str(base), [*map(str, entries), *shipped])}"
        )
    config_file = entry.get("config-file")
    if config_file is not None and not isinstance(config_file, str):
        errors.append(f"{where}.config-file must be a path string")
    elif config_file:
        try:
            inside(source.parent, config_file, f"{where}.config-file")
        except ConfigError as exc:
            errors.append(str(exc))
    try:
        Budgets.from_mapping(entry, where)
    except ConfigError as exc:
        errors.append(str(exc))
    errors += memory_errors(entry, where)
    errors += startup.parse(entry, where)[1]
    return errors


def _cycles(entries: dict[str, Any]) -> list[str]:
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
            current = _base_of(entries, current)
        if current is not None and current in on_path:
            cycle = path[on_path[current] :]
            errors.extend(
                f"distributions.{n}.base: inheritance cycle "
                + " → ".join([*cycle[i:], *cycle[:i], n])
                for i, n in enumerate(cycle)
            )
        done.update(path)
    return errors


def _base_of(entries: dict[str, Any], name: str) -> str | None:
    """The base ``name`` names in this file, or None (none, a shipped one, or malformed)."""
    entry = entries.get(name)
    base = entry.get("base") if isinstance(entry, dict) else None
    return base if isinstance(base, str) and base in entries else None


def _resolve_all(
    entries: dict[str, Any], source: Path, shipped: dict[str, Distribution]
) -> dict[str, Distribution]:
    """Every entry with its inheritance applied, each resolved once from its resolved base
    (a deep ``base`` chain must not cost its depth for every member)."""
    resolved: dict[str, Distribution] = {}
    for name in entries:
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in resolved:
            chain.append(current)
            current = _base_of(entries, current)
        for member in reversed(chain):  # base first, so children override
            entry = entries[member]
            base_name = entry.get("base")
            base = resolved.get(base_name) or shipped.get(base_name) if base_name else None
            resolved[member] = _resolve_one(member, entry, base, source)
    return {name: resolved[name] for name in entries}


def _resolve_one(
    name: str, entry: dict[str, Any], base: Distribution | None, source: Path
) -> Distribution:
    tags = {full_tag(t.strip()) for t in entry.get("build-tags") or []}
    budgets = Budgets.from_mapping(entry, f"distributions.{name}")
    config_file = base.config_file if base else None
    if entry.get("config-file"):
        config_file = inside(source.parent, entry["config-file"], "config-file")
    return Distribution(
        name=name,
        description=str(entry["description"]).strip(),
        tags=tuple(sorted(tags.union(base.tags if base else ()))),
        config_file=config_file,
        budgets=budgets.merged_over(base.budgets) if base else budgets,
        lineage=(name, *(base.lineage if base else ())),
        memory_mb=entry.get("memory-mb", base.memory_mb if base else MEMORY_MB_DEFAULT),
        start=startup.inherit(entry, base.start if base else StartOptions()),
    )
