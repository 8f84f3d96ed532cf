"""The sharing transitions table of docs/publishing.md, measured on a real moto server.

Each row is three ``pulumi up``s of one slot, replayed against moto in the order the Pulumi
engine runs their steps: creates and replacements first (the slot's
``LayerVersionPermission``s, from ``sharing.permissions``, the program's own rule), then the
sharing step (``reconcile.run``, which the program makes depend on those permissions), then
every delete, the replaced permissions' included, at the end. Up 1 publishes version 1 in
mode *From*; up 2 publishes version 2 (version 1 is retained); up 3 changes the mode to *To*,
or destroys the stack, or (``+ new version``) publishes version 3 in the same mode.

Every add is checked first against the version's policy, because moto accepts a duplicate
statement id where Lambda refuses it (ResourceConflictException); after every step no version
may hold a grant neither mode asks for (failing open), and at the end every older version holds
exactly the mode's reconciler statements and the current one exactly its declared ones.

    uv run python -m tests.aws.transitions      # starts its own moto server, prints the table
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from ocelot_build.publish import reconcile, records
from ocelot_build.publish.reconcile import Inputs, read_statements
from ocelot_build.publish.sharing import ACTION, DECLARED, Sharing, Statement, permissions
from tests.aws.layers import publish

ORG, ORG_B = "o-abcdef1234", "o-zyxwvu9876"
A, B, C = "111122223333", "444455556666", "777788889999"
ACCOUNT = "123456789012"  # moto's
STACK = "organization/ocelot/dev"
MODES: dict[str, Sharing] = {
    "private": Sharing(),
    "accounts A, B": Sharing.with_accounts((A, B)),
    "org": Sharing.organization(ORG),
    "public": Sharing.public(),
}
EXTRA = {"accounts A, C": Sharing.with_accounts((A, C)), "org B": Sharing.organization(ORG_B)}
NEW = "+ new version"
PAIRS = (
    [(s, t) for s in MODES for t in [*MODES, "destroy"]]
    + [("accounts A, B", "accounts A, C"), ("org", "org B")]
    + [(s, NEW) for s in MODES]
)
SHORT = {ORG: "<org>", ORG_B: "<org B>", A: "A", B: "B", C: "C"}
Row = tuple[str, str, str, str, str, str]
Declared = dict[str, tuple[int, Statement]]  # resource name → (version, statement)


def _short(text: str) -> str:
    for long, short in SHORT.items():
        text = text.replace(long, short)
    return text


@dataclass
class Slot:
    """One slot's layer in moto, and what its last ``up`` declared."""

    client: Any
    name: str
    declared: Declared = field(default_factory=dict)
    allowed: set[Statement] = field(default_factory=set)  # grants either mode asks for
    changes: list[reconcile.VersionChange] = field(default_factory=list)  # the last step's

    def add(self, version: int, statement: Statement) -> None:
        held = read_statements(self.client, self.name, version)
        assert statement.sid not in held, f"ResourceConflictException: {statement.sid} on {version}"
        extra = {"OrganizationId": statement.organization_id} if statement.organization_id else {}
        self.client.add_layer_version_permission(
            LayerName=self.name, VersionNumber=version, StatementId=statement.sid,
            Action=ACTION, Principal=statement.principal, **extra,
        )  # fmt: skip

    def remove(self, version: int, sid: str) -> None:
        self.client.remove_layer_version_permission(
            LayerName=self.name, VersionNumber=version, StatementId=sid
        )
        self.check_closed()

    def check_closed(self) -> None:
        """No version holds a grant that neither the old nor the new mode asks for."""
        for version in reconcile.layer_versions(self.client, self.name):
            for s in read_statements(self.client, self.name, version).values():
                grant = Statement("", s.principal, s.organization_id)
                assert grant in self.allowed, f"fails open: {s} on version {version}"

    def up(self, version: int, sharing: Sharing | None) -> list[str]:
        """One ``pulumi up`` (``sharing`` None: ``pulumi destroy``); the preview's lines."""
        after: Declared = {}
        if sharing is not None:
            after = {f"<slot>-{k}": (version, s) for k, s in permissions(sharing).items()}
        steps = []
        for key, value in after.items():
            if self.declared.get(key) != value:
                self.add(*value)
                steps.append(("+-" if key in self.declared else "+", key))
        arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:{self.name}:{version}"
        asked = Inputs(self.name, [self.name], sharing or Sharing(), STACK, arn, ACCOUNT,
                       sharing is None)  # fmt: skip
        self.changes = reconcile.run(asked, boto3.Session(region_name="eu-west-1"))
        self.check_closed()
        for key, (old_version, statement) in self.declared.items():
            if after.get(key) != (old_version, statement):
                self.remove(old_version, statement.sid)
                steps += [] if key in after else [("-", key)]
        self.declared = after
        return [f"{op} {key}" for op, key in sorted(steps, key=lambda s: s[1])]


def measure(index: int, source: str, target: str) -> Row:
    """One row, on a layer name of its own."""
    client: Any = boto3.client("lambda", region_name="eu-west-1")
    ssm = boto3.client("ssm", region_name="eu-west-1")
    name = f"ocel-t{index}-arm64-0_158_0"
    ssm.put_parameter(Name=records.owner_parameter(records.family_of(name)), Value=STACK,
                      Type="String")  # fmt: skip
    modes = {**MODES, **EXTRA}
    before = modes[source]
    after = None if target == "destroy" else before if target == NEW else modes[target]
    slot = Slot(client, name)
    slot.allowed = set((before.grants() | (after or before).grants()).values())
    publish(client, name, 1)
    slot.up(1, before)
    publish(client, name, 1)
    slot.up(2, before)
    current = 2
    if target == NEW:
        publish(client, name, 1)
        current = 3
    preview = slot.up(current, after)
    older = range(1, current if after is not None else current + 1)
    return (source, target, _preview(preview, target), _printed(slot, older),
            _kept(client, name, older, after, reconciled=True),
            _kept(client, name, [current], after, reconciled=False) if after else "—")  # fmt: skip


def _preview(lines: list[str], target: str) -> str:
    if target == NEW:
        lines = ["+- <slot>", *lines, "~ <slot>-latest"]
    elif target == "destroy":
        lines = [*lines, "- <slot>-sharing", "- <slot> (retained)", "- <slot>-latest",
                 "- <slot>-owner"]  # fmt: skip
    if not lines:
        return "nothing"
    if target != "destroy":
        lines.append("~ <slot>-sharing")
    return ", ".join(f"`{_short(line)}`" for line in lines)


def _printed(slot: Slot, older: range) -> str:
    """What the sharing step printed for the older versions: once if all alike."""
    shown = {
        c.version: " ".join(
            [f"+`{_short(s)}`" for s in c.added] + [f"-`{_short(s)}`" for s in c.removed]
        )
        or "unchanged"
        for c in slot.changes
        if c.version in older
    }
    if len(set(shown.values())) == 1:
        return next(iter(shown.values()))
    return "; ".join(f"{v}: {text}" for v, text in sorted(shown.items()))


def _kept(client: Any, name: str, versions: Any, sharing: Sharing | None, *,
          reconciled: bool) -> str:  # fmt: skip
    """The statement ids the versions hold, checked equal and exactly what they should."""
    found = {tuple(sorted(read_statements(client, name, v))) for v in versions}
    assert len(found) == 1, f"versions differ: {found}"
    held = found.pop()
    prefix = "ocelot-" if reconciled else DECLARED
    expected = tuple(sorted((sharing or Sharing()).statements(prefix))) if sharing else ()
    assert held == expected, f"{held} != {expected}"
    return ", ".join(f"`{_short(s)}`" for s in held) or "none"


def table() -> list[Row]:
    return [measure(i, s, t) for i, (s, t) in enumerate(PAIRS)]


def render(rows: list[Row]) -> str:
    lines = [
        "| From | To | `pulumi preview` (besides `=`) | `up` prints for older versions "
        "| Older versions keep | Current version keeps |",
        "|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from motoserver import start

    with tempfile.TemporaryDirectory() as tmp:
        server = start(Path(tmp) / "moto.log")
        try:
            os.environ.update(
                AWS_ENDPOINT_URL=server.url,
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
                AWS_DEFAULT_REGION="eu-west-1",
            )
            sys.stdout.write(render(table()))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
