"""Which planned steps a ``--stack`` publish may apply: the check between preview and up.

``python -m ocelot_build … --stack S`` promises to touch only the layers it built. The
program declares the whole stack, so anything else pending in it (an edited distributions
file, a moved branch, a layer that was never built here, a change of sharing) would go out
with the same ``pulumi up``. The CLI therefore previews first and hands the engine's
``ResourcePreEvent``s to ``unexpected_steps``: a pure function of the steps and the
requested slots, so it is tested on engine-event data without an engine.

A step belongs to a slot (``<distribution>-<arch>-<region>``, ``ocelot_build.publish.naming``)
when it is that slot's ``CollectorLayer`` component or one of its children (the LayerVersion,
its permissions, sharing step, SSM parameters and S3 object). Allowed, and nothing more
(docs/publishing.md says the same):

* for a requested slot new to the stack: the creates of its resources;
* for a requested slot whose zip changed (its LayerVersion is replaced): the replacement
  (create-replacement, replace, delete-replaced) of the LayerVersion, of its permissions
  (they name the version) and of its S3 object, and the updates this forces of its sharing
  step and its ``-latest`` pointer (the new ARN). A permission created or deleted, or an
  update of anything else, is a pending change of the slot (a new sharing mode, say) and
  is refused like any other;
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
REPLACE = frozenset({"create-replacement", "replace", "delete-replaced", "discard-replaced"})
LAYER = "aws:lambda/layerVersion:LayerVersion"
# updated in place when the slot's version changes: the ARN is in their inputs
FOLLOW_VERSION = {"command:local:Command": "-sharing", "aws:ssm/parameter:Parameter": "-latest"}


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
    states = slot_states(steps, slots)
    lines = []
    for step in sorted(steps, key=lambda s: s.name):  # stable: each resource's ops in order
        if step.op in HARMLESS or _allowed(step, states, regions):
            continue
        lines.append(f"{step.op} {step.type} {step.name}{_why(step, slots)}")
    return lines


def slot_states(steps: Sequence[Step], slots: frozenset[str]) -> dict[str, str]:
    """Each requested slot: ``new`` (its component is created), ``rebuilt`` (its layer
    version is replaced) or ``unchanged``."""
    states = dict.fromkeys(slots, "unchanged")
    for step in steps:
        owner = _owner(step)
        if owner not in slots:
            continue
        if step.type == COMPONENT and step.op == "create":
            states[step.name] = "new"
        elif step.type == LAYER and step.op in REPLACE and states[owner] == "unchanged":
            states[owner] = "rebuilt"
    return states


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


def _allowed(step: Step, states: dict[str, str], regions: set[str]) -> bool:
    if step.type == STACK or step.type.startswith("pulumi:providers:"):
        return step.op == "create"
    owner = _owner(step)
    if owner in states:
        return _slot_step_allowed(step, states[owner])
    if owner and owner.startswith(BUCKET_PREFIX):
        return step.op == "create" and owner.removeprefix(BUCKET_PREFIX) in regions
    return False


def _slot_step_allowed(step: Step, state: str) -> bool:
    """A requested slot's step: the creates of a new slot, or what a new version brings."""
    if state == "new":
        return step.op == "create"
    if state != "rebuilt" or step.type == COMPONENT:
        return False
    if step.type in FOLLOW_VERSION:
        return step.op == "update" and step.name.endswith(FOLLOW_VERSION[step.type])
    return step.op in REPLACE


def _why(step: Step, slots: frozenset[str]) -> str:
    owner = _owner(step)
    if owner in slots:
        return f" ({step.op} is a change pending in the stack, not part of this publish)"
    if owner:
        return f" ({owner} was not built here)"
    return " (not part of a layer built here)"
