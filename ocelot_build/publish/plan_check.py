"""Which planned steps a ``--stack`` publish may apply: the check between preview and up.

``python -m ocelot_build … --stack S`` promises to touch only the layers it built. The
program declares the whole stack, so anything else pending in it (an edited distributions
file, a moved branch, a layer that was never built here, a change of sharing) would go out
with the same ``pulumi up``. The CLI therefore previews first and hands the engine's
``ResourcePreEvent``s to ``unexpected_steps``: a pure function of the steps and the
requested slots, so it is tested on engine-event data without an engine.

A step belongs to a slot (``<distribution>-<arch>-<region>``, ``ocelot_build.publish.naming``)
when it is that slot's ``CollectorLayer`` component or one of its children (the LayerVersion, its
sharing, its SSM parameter, its S3 object). Allowed:

* for a requested slot: creates, replaces (with their create-replacement and the
  delete-replaced / discard-replaced of the old version) and updates of its own resources;
* a new ``ocelot-layers-<region>`` bucket and its children in a requested region (a big zip
  there needs it);
* the stack itself and default providers being created (a fresh stack), and any ``same``,
  ``read`` or ``refresh`` step.

Everything else is refused, one line per step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ocelot_build.core.model import Architecture
from ocelot_build.publish import naming

COMPONENT = "ocelot:index:CollectorLayer"
STACK = "pulumi:pulumi:Stack"
BUCKET_PREFIX = "ocelot-layers-"
HARMLESS = frozenset({"same", "read", "refresh"})
SLOT_OPS = frozenset(
    {"create", "create-replacement", "replace", "delete-replaced", "discard-replaced", "update"}
)


@dataclass(frozen=True)
class Step:
    """One planned step, as a ``ResourcePreEvent`` reports it."""

    op: str
    urn: str
    type: str
    parent: str = ""  # the parent's URN, "" for a top-level resource

    @property
    def name(self) -> str:
        return urn_name(self.urn)


def urn_name(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::<type chain>::<name>`` → name."""
    return urn.split("::", 3)[-1] if urn.count("::") >= 3 else urn


def urn_type(urn: str) -> str:
    """The resource's own type: the last ``$``-separated part of the URN's type chain."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def steps_from_events(events: Iterable[Any]) -> list[Step]:
    """The steps of a preview, from Automation API ``EngineEvent``s (other events ignored)."""
    steps = []
    for event in events:
        pre = getattr(event, "resource_pre_event", None)
        if pre is None:
            continue
        meta = pre.metadata
        state = meta.new or meta.old
        op = getattr(meta.op, "value", meta.op)
        steps.append(Step(str(op), meta.urn, meta.type, getattr(state, "parent", "") or ""))
    return steps


def requested_slots(
    layers: Iterable[tuple[str, Architecture]], regions: Iterable[str]
) -> frozenset[str]:
    """The resource names of the requested (distribution, architecture) in every region."""
    return frozenset(naming.resource_name(d, a, r) for d, a in layers for r in regions)


def unexpected_steps(steps: Sequence[Step], slots: frozenset[str]) -> list[str]:
    """One line per step outside the requested slots (empty: the plan may be applied)."""
    regions = {slot_region(s) for s in slots}
    lines = []
    for step in sorted(steps, key=lambda s: s.name):  # stable: each resource's ops in order
        if step.op in HARMLESS or _allowed(step, slots, regions):
            continue
        lines.append(f"{step.op} {step.type} {step.name}{_why(step, slots)}")
    return lines


def slot_region(slot: str) -> str:
    """``minimal-amd64-eu-west-1`` → ``eu-west-1`` (the region is the last three parts)."""
    return "-".join(slot.split("-")[-3:])


def _owner(step: Step) -> str | None:
    """The slot or bucket a step belongs to, if any."""
    if step.type == COMPONENT:
        return step.name
    if step.parent and urn_type(step.parent) == COMPONENT:
        return urn_name(step.parent)
    if step.parent and urn_name(step.parent).startswith(BUCKET_PREFIX):
        return urn_name(step.parent)
    if step.name.startswith(BUCKET_PREFIX) and step.type.startswith("aws:s3/"):
        return step.name
    return None


def _allowed(step: Step, slots: frozenset[str], regions: set[str]) -> bool:
    if step.type == STACK or step.type.startswith("pulumi:providers:"):
        return step.op == "create"
    owner = _owner(step)
    if owner in slots:
        return step.op in SLOT_OPS
    if owner and owner.startswith(BUCKET_PREFIX):
        return step.op == "create" and owner.removeprefix(BUCKET_PREFIX) in regions
    return False


def _why(step: Step, slots: frozenset[str]) -> str:
    owner = _owner(step)
    if owner in slots:
        return f" ({step.op} is not a create or replace of a layer built here)"
    if owner:
        return f" ({owner} was not built here)"
    return " (not part of a layer built here)"
