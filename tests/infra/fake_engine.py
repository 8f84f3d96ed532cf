"""A small stand-in for the Pulumi engine's diff, over the program run under mocks.

It keeps a state (URN → type, parent, inputs) and turns the next run into the
``ResourcePreEvent``s a real preview emits, as Automation API ``EngineEvent``s: ``create``
for a new URN; for changed inputs ``update`` where the provider updates in place (a
command's environment, a parameter's value) and otherwise ``create-replacement`` /
``replace`` / ``delete-replaced`` (every input of a layer version or a permission forces a
new one; a real engine says ``delete-replaced`` for a retained resource too, and only skips
the call); ``delete`` for a URN the program no longer declares, ``same`` otherwise. URNs carry the
parent's type chain, as the engine writes them (the mocks leave it out).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pulumi.automation.events import EngineEvent
from pulumi_harness import ProgramRun

STACK = "pulumi:pulumi:Stack"
PROVIDER = "urn:pulumi:dev::ocelot::pulumi:providers:aws::default_7_51_1"


# properties the provider changes in place; any other changed property forces a new resource
IN_PLACE = {
    "command:local:Command": {"environment", "create", "update", "delete", "logging"},
    "aws:ssm/parameter:Parameter": {"insecureValue", "description"},
}


@dataclass(frozen=True)
class Known:
    urn: str
    type: str
    parent: str
    fingerprint: str
    retained: bool
    inputs: str = "{}"  # JSON of the inputs, for what changed
    needs: tuple[str, ...] = ()  # names of the resources whose outputs it takes


@dataclass
class FakeEngine:
    state: dict[str, Known] = field(default_factory=dict)

    def resources(self, run: ProgramRun) -> dict[str, Known]:
        found: dict[str, Known] = {}
        for r in run.mocks.resources:
            parent = _engine_urn(r.parent)
            top = not parent or parent.split("::")[2] == STACK
            chain = r.typ if top else f"{parent.split('::')[2]}${r.typ}"
            urn = f"urn:pulumi:dev::ocelot::{chain}::{r.name}"
            inputs = json.dumps(_inputs(r), sort_keys=True, default=str)
            needs = tuple(d.rsplit("::", 1)[-1] for d in r.dependencies)
            found[urn] = Known(
                urn, r.typ, parent, _fingerprint(r), r.retain_on_delete, inputs, needs
            )
        return found

    def diff(self, run: ProgramRun) -> list[EngineEvent]:
        new = self.resources(run)
        events = []
        replaced: set[str] = set()  # names whose outputs are unknown until up
        for urn, known in new.items():
            old = self.state.get(urn)
            if old is not None and set(known.needs) & replaced:  # an unknown input
                in_place = known.type in IN_PLACE
                ops = (
                    ["update"] if in_place else ["create-replacement", "replace", "delete-replaced"]
                )
            elif old is None:
                ops = ["create"]
            elif old.fingerprint != known.fingerprint and _in_place(old, known):
                ops = ["update"]
            elif old.fingerprint != known.fingerprint:
                ops = ["create-replacement", "replace", "delete-replaced"]
            else:
                ops = ["same"]
            if "replace" in ops and known.type != STACK:
                replaced.add(urn.rsplit("::", 1)[-1])
            events += [_event(op, known, old) for op in ops]
        events += [_event("delete", old, old) for urn, old in self.state.items() if urn not in new]
        return events

    def commit(self, run: ProgramRun) -> None:
        self.state = self.resources(run)


def _engine_urn(mock_urn: str) -> str:
    """The mocks put the stack at the head of every type chain; the engine does not."""
    return mock_urn.replace(f"::{STACK}$", "::")


def _inputs(recorded: Any) -> dict[str, Any]:
    return {k: v for k, v in recorded.inputs.items() if k not in ("code", "source")}


def _in_place(old: Known, new: Known) -> bool:
    before, after = json.loads(old.inputs), json.loads(new.inputs)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return bool(changed) and changed <= IN_PLACE.get(new.type, set())


def _fingerprint(recorded: Any) -> str:
    text = json.dumps(_inputs(recorded), sort_keys=True, default=str) + str(recorded.archive_sha256)
    return hashlib.sha256(text.encode()).hexdigest()


def _state(known: Known) -> dict[str, Any]:
    return {"type": known.type, "urn": known.urn, "parent": known.parent,
            "provider": PROVIDER, "custom": True, "retainOnDelete": known.retained}  # fmt: skip


def _event(op: str, new: Known, old: Known | None) -> EngineEvent:
    metadata = {"op": op, "urn": new.urn, "type": new.type, "provider": PROVIDER,
                "old": _state(old) if old else None,
                "new": None if op == "delete" else _state(new)}  # fmt: skip
    return EngineEvent.from_json(
        {"sequence": 0, "timestamp": 0, "resourcePreEvent": {"metadata": metadata,
                                                              "planning": True}}
    )  # fmt: skip
