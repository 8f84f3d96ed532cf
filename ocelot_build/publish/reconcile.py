"""Make every version of a layer hold exactly the sharing statements its stack asks for.

Run by the Pulumi program's ``command.local.Command`` (one per layer slot) on create and
update, and with ``--revoke`` on delete (``pulumi destroy``, or a slot leaving the stack)::

    OCELOT_LAYER_NAME=ocel-minimal-arm64-0_158_0 OCELOT_SHARING=public AWS_REGION=eu-west-1 \\
        python -m ocelot_build.reconcile

Versions are retained when Pulumi replaces them, so a permission resource per version can
only ever add: narrowing would leave old versions shared, and widening again would re-add a
statement id that is still there (ResourceConflictException). Instead, for each layer name
this lists every version, reads each policy and adds or removes only ``ocelot-`` statements,
so the result matches the mode whatever the history. Adds come before removals, so a grantee
kept by both modes never loses access in between (an ``ocelot-`` id found holding another
grant is removed just before it is re-added, since ids are unique per version). Statements
without the prefix are never touched.

The layer names a slot has ever published (a new collector version is a new name) are kept
in the command's stdout, which Pulumi stores and hands back as ``PULUMI_COMMAND_STDOUT``:
narrowing and ``--revoke`` reach the older names' versions too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocelot_build.core.errors import PublishError, UsageError, command_main
from ocelot_build.publish.aws_guard import check_account
from ocelot_build.publish.sharing import ACTION, PREFIX, Sharing, Statement

# The command line the Pulumi program's sharing step runs (no path: the command provider
# runs it in the project directory, and a path would make every checkout move a diff).
COMMAND = "uv run --no-sync python -m ocelot_build.reconcile"
REVOKE = f"{COMMAND} --revoke"


def command_environment(
    layer_name: str, sharing: Sharing, region: str, version_arn: Any, profile: str | None = None
) -> dict:
    """The sharing step's environment: everything ``main`` reads. The current version's ARN
    re-runs the step (an update) when a new version appears, and names the account whose
    credentials the step must have; ``aws:profile`` of the stack is passed on as AWS_PROFILE,
    because the command provider does not see the AWS provider's config."""
    env = {
        "OCELOT_LAYER_NAME": layer_name,
        "OCELOT_SHARING": sharing.token,
        "OCELOT_VERSION_ARN": version_arn,
        "AWS_REGION": region,
    }
    return {**env, "AWS_PROFILE": profile} if profile else env


@dataclass
class VersionChange:
    """What reconciling one version did (or, in a dry run, would do)."""

    layer_name: str
    version: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # ocelot statements after the run

    def line(self) -> str:
        parts = [f"+{s}" for s in self.added] + [f"-{s}" for s in self.removed]
        return f"{self.layer_name}:{self.version} {' '.join(parts) or 'unchanged'}"


def layer_versions(client: Any, layer_name: str) -> list[int]:
    """Every version number of ``layer_name`` in the client's region, oldest first."""
    versions: list[int] = []
    for page in client.get_paginator("list_layer_versions").paginate(LayerName=layer_name):
        versions += [int(v["Version"]) for v in page["LayerVersions"]]
    return sorted(versions)


def read_statements(client: Any, layer_name: str, version: int) -> dict[str, Statement]:
    """Every statement of one version's policy (no policy: none), normalised."""
    try:
        response = client.get_layer_version_policy(LayerName=layer_name, VersionNumber=version)
    except client.exceptions.ResourceNotFoundException:
        return {}
    found = [_statement(raw) for raw in json.loads(response["Policy"]).get("Statement", [])]
    return {s.sid: s for s in found}


def _statement(raw: dict[str, Any]) -> Statement:
    """AWS writes an account as ``{"AWS": "arn:aws:iam::<id>:root"}`` and an organization as
    an ``aws:PrincipalOrgID`` condition; moto writes both flat. Both read the same here."""
    principal = raw.get("Principal", "")
    if isinstance(principal, dict):
        principal = principal.get("AWS", "")
    if isinstance(principal, str) and principal.startswith("arn:"):
        principal = principal.split(":")[4]
    org = raw.get("OrganizationId") or (
        raw.get("Condition", {}).get("StringEquals", {}).get("aws:PrincipalOrgID")
    )
    return Statement(str(raw.get("Sid", "")), str(principal), org)


def plan(
    current: dict[str, Statement], desired: dict[str, Statement]
) -> tuple[list[Statement], list[str]]:
    """(statements to add, ids to remove): only ``ocelot-`` ids; a changed grant is both."""
    ours = {sid: s for sid, s in current.items() if sid.startswith(PREFIX)}
    remove = sorted(sid for sid, s in ours.items() if desired.get(sid) != s)
    add = [s for sid, s in sorted(desired.items()) if ours.get(sid) != s]
    return add, remove


def reconcile_version(
    client: Any, layer_name: str, version: int, sharing: Sharing, *, apply: bool = True
) -> VersionChange:
    """Bring one version to ``sharing``; with ``apply=False`` only report what would change."""
    desired = sharing.statements()
    add, remove = plan(read_statements(client, layer_name, version), desired)
    change = VersionChange(layer_name, version, [s.sid for s in add], remove, sorted(desired))
    if not apply:
        return change
    where = {"LayerName": layer_name, "VersionNumber": version}
    changed = {s.sid for s in add} & set(remove)  # same id, other grant: must go first
    for sid in sorted(changed):
        client.remove_layer_version_permission(**where, StatementId=sid)
    for statement in add:
        extra = {"OrganizationId": statement.organization_id} if statement.organization_id else {}
        client.add_layer_version_permission(
            **where,
            StatementId=statement.sid,
            Action=ACTION,
            Principal=statement.principal,
            **extra,
        )
    for sid in remove:
        if sid not in changed:
            client.remove_layer_version_permission(**where, StatementId=sid)
    return change


def reconcile_layer(
    client: Any, layer_name: str, sharing: Sharing, *, apply: bool = True
) -> list[VersionChange]:
    """Every version of ``layer_name``, including those the stack no longer declares."""
    return [
        reconcile_version(client, layer_name, v, sharing, apply=apply)
        for v in layer_versions(client, layer_name)
    ]


def managed_names(current: str, previous_stdout: str) -> list[str]:
    """The slot's layer names: this run's plus every name an earlier run reported."""
    names = {current} if current else set()
    with contextlib.suppress(json.JSONDecodeError, AttributeError):  # unknown format: current only
        names |= set(json.loads(previous_stdout or "{}").get("layer_names", []))
    return sorted(n for n in names if isinstance(n, str) and n)


def run(names: Iterable[str], sharing: Sharing, client: Any) -> list[VersionChange]:
    changes: list[VersionChange] = []
    for name in names:
        changes += reconcile_layer(client, name, sharing)
    return changes


def _check_account(version_arn: str, session: Any) -> None:
    """The credentials must be the publishing account's: with any others the layer names
    would simply not be found, and sharing would silently stay as it was."""
    parts = version_arn.split(":")
    if len(parts) > 4 and parts[4]:
        check_account([parts[4]], session, source="the account that published the layer")


def main(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> int:
    """The command's entry point: inputs from the environment, one JSON line on stdout."""
    args = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ if env is None else env)
    return command_main("ocelot reconcile", lambda: _run(args, environ))


def _run(args: list[str], env: dict[str, str]) -> int:
    import boto3
    import botocore.exceptions

    if args not in ([], ["--revoke"]):
        raise UsageError(f"unexpected arguments {args}; allowed: none, or --revoke")
    sharing = Sharing() if args else Sharing.parse(env.get("OCELOT_SHARING", ""))
    names = managed_names(env.get("OCELOT_LAYER_NAME", ""), env.get("PULUMI_COMMAND_STDOUT", ""))
    if not names:
        raise UsageError("OCELOT_LAYER_NAME is not set: which layer should be reconciled?")
    try:
        session = boto3.Session(
            profile_name=env.get("AWS_PROFILE") or None,
            region_name=env.get("AWS_REGION") or None,
        )
        _check_account(env.get("OCELOT_VERSION_ARN", ""), session)
        changes = run(names, sharing, session.client("lambda"))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise PublishError(f"reconciling sharing of {', '.join(names)} failed: {exc}") from None
    for change in changes:
        print(change.line(), file=sys.stderr)
    print(json.dumps({"layer_names": names, "sharing": sharing.token}, sort_keys=True))
    return 0
