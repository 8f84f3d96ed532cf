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

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocelot_build.core.budgets import BUDGET_KEYS, Budgets
from ocelot_build.core.errors import UsageError
from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.core.localpaths import inside
from ocelot_build.core.yamlio import did_you_mean, load_yaml, raise_all
from ocelot_build.stages import startup
from ocelot_build.stages.config_rules import base_names, check_entry, check_name, cycles, top_level
from ocelot_build.stages.startup import StartOptions
from ocelot_build.verify.box import MEMORY_MB_DEFAULT

TAG_PREFIX = "lambdacomponents."
CUSTOM_TAG = TAG_PREFIX + "custom"
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
    with _gc_paused():
        return _load(source, load_yaml(source, "distributions file", memo))  # memo: yamlio


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic GC off while a file is loaded: 142,000 entries are about a million new
    containers, none in a cycle, and the GC walked them again and again as they were made
    (2 of 6.5 s on a cache hit, bench/config_load.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(source: Path, data: Any) -> DistributionsFile:
    errors: list[str] = []
    raw = top_level(data, errors)
    entries = raw.get("distributions") or {}
    named = base_names(entries)
    bases = {name: base for name, base in named.items() if base in entries}  # in this file
    shipped = _shipped_bases(source, set(named.values()) - entries.keys())
    for name, entry in entries.items():
        errors.extend(check_name(name) or check_entry(name, entry, entries, shipped, source))
    errors.extend(cycles(entries, bases))
    raise_all(errors, source)
    return DistributionsFile(
        source,
        _resolve_all(entries, named, source, shipped),
        raw.get("components") or {},
        dict(raw.get("go-replaces") or {}),
    )


def _shipped_bases(source: Path, wanted: set[str]) -> dict[str, Distribution]:
    """The shipped distributions, when this file is another one and its entries name
    ``wanted`` bases it does not define."""
    if not wanted or source == DEFAULT_CONFIG.resolve() or not DEFAULT_CONFIG.is_file():
        return {}
    return load_distributions(DEFAULT_CONFIG).distributions


def _resolve_all(
    entries: dict[str, Any], named: dict[str, str], source: Path, shipped: dict[str, Distribution]
) -> dict[str, Distribution]:
    """Every entry with its inheritance applied, each resolved once from its resolved base
    (a deep ``base`` chain must not cost its depth for every member). ``named`` holds each
    entry's ``base``, in this file or shipped."""
    resolved: dict[str, Distribution] = {}
    for name in entries:
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in resolved and current in entries:
            chain.append(current)
            current = named.get(current)
        for member in reversed(chain):  # base first, so children override
            base_name = named.get(member)
            base = (resolved.get(base_name) or shipped[base_name]) if base_name else None
            resolved[member] = _resolve_one(member, entries[member], base, source)
    return {name: resolved[name] for name in entries}


_NO_BASE = Distribution("", "", (), None, Budgets(), ())  # what an entry without a base has
_BUDGETS = frozenset(BUDGET_KEYS)
_INHERITED = _BUDGETS | frozenset(startup.KEYS)  # keys merged over the base's


def _resolve_one(
    name: str, entry: dict[str, Any], base: Distribution | None, source: Path
) -> Distribution:
    """One entry over its resolved base: a key it sets wins, a key it leaves out is the
    base's. An entry's own keys are looked at only when it has them (a large file's
    entries mostly name a base and a tag or two)."""
    base = base or _NO_BASE
    tags, budgets, start, config_file = base.tags, base.budgets, base.start, base.config_file
    own_tags = entry.get("build-tags")
    if own_tags:
        tags = tuple(sorted({*map(full_tag, map(str.strip, own_tags)), *tags}))
    if not _INHERITED.isdisjoint(entry):
        if not _BUDGETS.isdisjoint(entry):
            budgets = Budgets.from_mapping(entry, f"distributions.{name}").merged_over(budgets)
        start = startup.inherit(entry, start)
    if entry.get("config-file"):
        config_file = inside(source.parent, entry["config-file"], "config-file")
    return Distribution(
        name=name,
        description=entry["description"].strip(),
        tags=tags,
        config_file=config_file,
        budgets=budgets,
        lineage=(name, *base.lineage),
        memory_mb=entry.get("memory-mb", base.memory_mb),
        start=start,
    )
