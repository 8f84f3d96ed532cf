"""The one rule for adding built layers to a stack's config: exactly those layers.

The CLI's ``--stack`` publish and its tests add ``name/arch`` entries to ``ocelot:distributions``
(and the settings a fresh stack adopts) here, so the program's parser
(``ocelot_build.publish.stack_config``) and the writer agree on one spelling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.publish.config_reader import Reader
from ocelot_build.publish.stack_config import (
    NAMESPACE,
    StackConfigError,
    layer_set,
    split_entry,
)


def add_layers(
    raw: Mapping[str, Any], built: Sequence[tuple[str, Architecture]], *, stack: str
) -> tuple[dict[str, list[str]], list[str]]:
    """The one rule for adding built layers to a stack: exactly those layers, no siblings.

    Returns the ``ocelot:`` list keys to write and one line per change. A layer the stack
    already declares changes nothing. A new distribution built in every architecture of the
    stack is added by name; any other new layer as ``name/arch``, so building ``tracing``
    for arm64 never declares (and publishes) ``tracing`` for amd64 too, and an architecture
    is never added for the stack's other distributions. ``ocelot:architectures`` changes
    only on a stack with no distributions yet, which takes exactly the built ones.
    """
    reader = Reader(raw, NAMESPACE)
    entries = reader.strings("distributions") or []
    arch_names = reader.strings("architectures")
    if reader.errors:
        raise StackConfigError(reader.errors)
    updates: dict[str, list[str]] = {}
    if not entries and arch_names is None:
        arch_names = [a.value for a in Architecture if any(a == b for _, b in built)]
        updates[f"{NAMESPACE}:architectures"] = arch_names
    stack_arches = _parsed(arch_names)
    covered = set(layer_set(Reader({}, NAMESPACE), tuple(entries), stack_arches))
    if entries == ["all"]:
        covered = {(d, a) for d, _ in built for a in stack_arches}
    added = _new_entries(built, covered, stack_arches, set(map(_entry_name, entries)))
    if added and entries == ["all"]:
        raise UsageError(
            f"stack {stack!r} declares ocelot:distributions [all] in "
            f"{', '.join(a.value for a in stack_arches)}; {', '.join(added)} cannot be added "
            "beside 'all': add the architecture to ocelot:architectures on the stack"
        )
    changes = [f"{key} = {', '.join(value)}" for key, value in updates.items()]
    if added:
        updates[f"{NAMESPACE}:distributions"] = [*entries, *added]
        changes.append(f"{NAMESPACE}:distributions += {', '.join(added)}")
    return updates, changes


def _new_entries(
    built: Sequence[tuple[str, Architecture]],
    covered: set[tuple[str, Architecture]],
    stack_arches: tuple[Architecture, ...],
    listed: set[str],
) -> list[str]:
    added: list[str] = []
    for dist in dict.fromkeys(d for d, _ in built):
        missing = [a for a in Architecture if (dist, a) in built and (dist, a) not in covered]
        if dist not in listed and stack_arches and set(stack_arches) <= set(missing):
            added.append(dist)
            missing = [a for a in missing if a not in stack_arches]
        added += [f"{dist}/{a.value}" for a in missing]
    return added


def _entry_name(entry: str) -> str:
    return split_entry(entry)[0]


def _parsed(names: list[str] | None) -> tuple[Architecture, ...]:
    if names is None:
        return (Architecture.AMD64, Architecture.ARM64)
    return tuple(Architecture.parse(n) for n in names)
