"""The step check between preview and up, on engine-event data (``ResourcePreEvent`` JSON as
the engine streams it to the Automation API, parsed by the SDK's own ``EngineEvent``)."""

from __future__ import annotations

from pulumi.automation.events import EngineEvent

from ocelot_build.core.model import Architecture
from ocelot_build.publish.plan_check import requested_slots, steps_from_events, unexpected_steps

STACK_URN = "urn:pulumi:prod::ocelot::pulumi:pulumi:Stack::ocelot-prod"
PROVIDER = "urn:pulumi:prod::ocelot::pulumi:providers:aws::default_7_51_1"
COMPONENT = "ocelot:index:CollectorLayer"
LAYER = "aws:lambda/layerVersion:LayerVersion"
COMMAND = "command:local:Command"
SSM = "aws:ssm/parameter:Parameter"
PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
REPLACED = ("create-replacement", "replace", "delete-replaced")  # a real engine's three
SLOTS = requested_slots([("tracing", Architecture.ARM64)], ["eu-west-1", "us-east-1"])


def _urn(typ: str, name: str, parent_slot: str | None = None) -> str:
    chain = f"{COMPONENT}${typ}" if parent_slot else typ
    return f"urn:pulumi:prod::ocelot::{chain}::{name}"


def _event(op: str, typ: str, name: str, slot: str | None = None, **extra) -> EngineEvent:
    """One ResourcePreEvent as the engine writes it (camelCase, old/new state)."""
    urn = _urn(typ, name, slot)
    parent = _urn(COMPONENT, slot) if slot else STACK_URN
    state = {"type": typ, "urn": urn, "parent": parent, "provider": PROVIDER,
             "custom": typ != COMPONENT, "retainOnDelete": typ == LAYER, **extra}  # fmt: skip
    metadata = {
        "op": op, "urn": urn, "type": typ, "provider": PROVIDER if typ != COMPONENT else "",
        "old": None if op == "create" else state, "new": None if op == "delete" else state,
        "keys": ["code"] if "replace" in op else None, "diffs": ["code", "description"],
    }  # fmt: skip
    data = {"sequence": 7, "timestamp": 1764662400,
            "resourcePreEvent": {"metadata": metadata, "planning": True}}  # fmt: skip
    return EngineEvent.from_json(data)


def _slot(how: str, slot: str) -> list[EngineEvent]:
    """A public slot's component and children, ``create``d or ``rebuilt`` (a new zip)."""
    if how == "create":
        return [_event("create", t, n, None if t == COMPONENT else slot)
                for t, n in [(COMPONENT, slot), (SSM, f"{slot}-owner"), (LAYER, slot),
                             (PERMISSION, f"{slot}-share-public"), (COMMAND, f"{slot}-sharing"),
                             (SSM, f"{slot}-latest")]]  # fmt: skip
    return [
        _event("same", COMPONENT, slot),
        _event("same", SSM, f"{slot}-owner", slot),
        *[_event(op, LAYER, slot, slot) for op in REPLACED],
        *[_event(op, PERMISSION, f"{slot}-share-public", slot) for op in REPLACED],
        _event("update", COMMAND, f"{slot}-sharing", slot),
        _event("update", SSM, f"{slot}-latest", slot),
    ]


def _check(events: list[EngineEvent]) -> list[str]:
    return unexpected_steps(steps_from_events(events), SLOTS)


def test_creating_the_requested_layers_everywhere_is_allowed():
    events = [_event("create", "pulumi:pulumi:Stack", "ocelot-prod"),
              _event("create", "pulumi:providers:aws", "default_7_51_1"),
              *_slot("create", "tracing-arm64-eu-west-1"),
              *_slot("create", "tracing-arm64-us-east-1")]  # fmt: skip
    assert _check(events) == []


def test_a_new_version_of_a_requested_layer_brings_its_permissions_pointer_and_step():
    events = [
        *_slot("rebuilt", "tracing-arm64-eu-west-1"),
        *_slot("rebuilt", "tracing-arm64-us-east-1")[:2],
    ]  # rebuilt to the same bytes
    assert _check(events) == []


def test_a_pending_sharing_change_of_a_built_slot_is_refused():
    """Why: a publish of arm64 carried a pending sharing change of the arm64 slot. With the
    same zip nothing of the slot may change; with a new zip only what the version brings."""
    slot = "tracing-arm64-eu-west-1"
    same = _slot("rebuilt", slot)[:2]
    events = [*same, _event("update", COMMAND, f"{slot}-sharing", slot),
              _event("create", PERMISSION, f"{slot}-share-org-o-abcdef1234", slot),
              _event("delete", PERMISSION, f"{slot}-share-public", slot)]  # fmt: skip
    why = "is a change pending in the stack, not part of this publish"
    expected = [
        f"create {PERMISSION} {slot}-share-org-o-abcdef1234 (create {why})",
        f"delete {PERMISSION} {slot}-share-public (delete {why})",
        f"update {COMMAND} {slot}-sharing (update {why})",
    ]
    assert _check(events) == expected
    rebuilt = [
        e for e in _slot("rebuilt", slot) if "share-public" not in e.resource_pre_event.metadata.urn
    ]
    assert _check([*rebuilt, *events[2:]]) == expected[:2]  # the step's update is the version's
    owner = _event("update", SSM, f"{slot}-owner", slot)
    assert _check([*_slot("rebuilt", slot), owner]) == [f"update {SSM} {slot}-owner (update {why})"]


def test_every_step_outside_the_request_is_one_line():
    drift = "minimal-amd64-eu-west-1"
    events = [
        *_slot("create", "tracing-arm64-eu-west-1"),
        _event("create-replacement", LAYER, drift, drift),  # an edited distributions file
        _event("replace", LAYER, drift, drift),
        _event("create", COMPONENT, "tracing-amd64-eu-west-1"),  # a sibling never built here
        _event("delete", LAYER, "full-arm64-eu-west-1", "full-arm64-eu-west-1"),
        _event("delete", LAYER, "tracing-arm64-us-east-1", "tracing-arm64-us-east-1"),
        _event("update", "pulumi:providers:aws", "default_7_51_1"),
        _event("update", "aws:s3/bucket:Bucket", "ocelot-layers-eu-west-1"),
    ]
    assert _check(events) == [  # sorted by resource name
        "update pulumi:providers:aws default_7_51_1 (not part of a layer built here)",
        f"delete {LAYER} full-arm64-eu-west-1 (full-arm64-eu-west-1 was not built here)",
        f"create-replacement {LAYER} {drift} ({drift} was not built here)",
        f"replace {LAYER} {drift} ({drift} was not built here)",
        "update aws:s3/bucket:Bucket ocelot-layers-eu-west-1 (ocelot-layers-eu-west-1 was not "
        "built here)",
        f"create {COMPONENT} tracing-amd64-eu-west-1 (tracing-amd64-eu-west-1 was not built here)",
        f"delete {LAYER} tracing-arm64-us-east-1 (delete is a change pending in the stack, not "
        "part of this publish)",
    ]


def test_a_new_bucket_in_a_requested_region_is_allowed_elsewhere_not():
    bucket = "aws:s3/bucket:Bucket"
    events = [_event("create", bucket, "ocelot-layers-us-east-1"),
              _event("create", bucket, "ocelot-layers-ap-south-1")]  # fmt: skip
    assert _check(events) == [
        f"create {bucket} ocelot-layers-ap-south-1 (ocelot-layers-ap-south-1 was not built here)"
    ]


def test_non_step_events_are_ignored():
    events = [EngineEvent.from_json({"sequence": 1, "timestamp": 0,
                                     "diagnosticEvent": {"message": "hi", "color": "never",
                                                         "severity": "info"}}),
              EngineEvent.from_json({"sequence": 2, "timestamp": 0,
                                     "summaryEvent": {"maybeCorrupt": False, "durationSeconds": 1,
                                                      "resourceChanges": {"create": 1},
                                                      "policyPacks": {}}})]  # fmt: skip
    assert steps_from_events(events) == []
