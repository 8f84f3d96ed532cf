"""A small stand-in for the Pulumi engine's diff, over the program run under mocks.

It keeps a state (URN → type, parent, inputs fingerprint) and turns the next run into the
``ResourcePreEvent``s a real preview emits, as Automation API ``EngineEvent``s: ``create``
for a new URN, ``create-replacement`` / ``replace`` / ``discard-replaced`` (retained) or
``delete-replaced`` for changed inputs (every input of a layer version forces a new one),
``delete`` for a URN the program no longer declares, ``same`` otherwise. URNs carry the
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


@dataclass(frozen=True)
class Known:
    urn: str
    type: str
    parent: str
    fingerprint: str
    retained: bool


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
            found[urn] = Known(urn, r.typ, parent, _fingerprint(r), r.retain_on_delete)
        return found

    def diff(self, run: ProgramRun) -> list[EngineEvent]:
        new = self.resources(run)
        events = []
        for urn, known in new.items():
            old = self.state.get(urn)
            if old is None:
                ops = ["create"]
            elif old.fingerprint != known.fingerprint:
                gone = "discard-replaced" if old.retained else "delete-replaced"
                ops = ["create-replacement", "replace", gone]
            else:
                ops = ["same"]
            events += [_event(op, known, old) for op in ops]
        events += [_event("delete", old, old) for urn, old in self.state.items() if urn not in new]
        return events

    def commit(self, run: ProgramRun) -> None:
        self.state = self.resources(run)


def _engine_urn(mock_urn: str) -> str:
    """The mocks put the stack at the head of every type chain; the engine does not."""
    return mock_urn.replace(f"::{STACK}$", "::")


def _fingerprint(recorded: Any) -> str:
    inputs = {k: v for k, v in recorded.inputs.items() if k not in ("code", "source")}
    text = json.dumps(inputs, sort_keys=True, default=str) + str(recorded.archive_sha256)
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
