"""Keep the sharing of a stack's older, retained layer versions in line with its mode.

Run by the Pulumi program's sharing step (a ``command.local.Command`` per layer slot) on
create and update, and with ``--revoke`` on delete (``pulumi destroy``, or a slot leaving
the stack), its inputs in the environment (``ENVIRONMENT``, which ``--help`` shows).

The current version's grants are Pulumi resources (``aws.lambda_.LayerVersionPermission``,
ids ``ocelot-current-…``, see ``ocelot_build.publish.sharing``). Versions are retained when
Pulumi replaces them, so the grants of the older ones cannot be resources: this module gives
each of them the mode's ``ocelot-<grantee>`` statements, and takes its own ids off the
current version. The two id families never meet, so neither side ever adds an id the other
holds (ResourceConflictException), and the replaced permission Pulumi deletes at the end of
an update takes only its own statement off the old version, which by then holds ours. Adds
come before removals, so a grantee kept by both modes never loses access in between.
Statements with other ids are never touched.

It acts only on versions its stack published: before any change it checks the credentials'
account (STS) and that the family's owner parameter names its stack, then adds the current
version to the stack's record (``ocelot_build.publish.records``) and works through the
versions listed there. Hand-made versions and other stacks' versions are never listed.
The layer names a slot has published (a new collector version is a new name) are kept in
the command's stdout, which Pulumi hands back as ``PULUMI_COMMAND_STDOUT``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ocelot_build.core.errors import OptionParser, PublishError, UsageError, command_main
from ocelot_build.publish import records
from ocelot_build.publish.aws_guard import check_account
from ocelot_build.publish.records import Record, family_of, version_of
from ocelot_build.publish.sharing import ACCOUNT_RE, ACTION, Sharing, Statement, reconciled

# The command line the Pulumi program's sharing step runs (no path: the command provider
# runs it in the project directory, and a path would make every checkout move a diff).
COMMAND = "uv run --no-sync python -m ocelot_build.reconcile"
REVOKE = f"{COMMAND} --revoke"


def command_environment(
    layer_name: str,
    sharing: Sharing,
    region: str,
    version_arn: Any,
    stack: str,
    profile: str | None = None,
) -> dict:
    """The sharing step's environment: everything ``main`` reads. The current version's ARN
    re-runs the step (an update) when a new version appears and names the account whose
    credentials the step must have; ``aws:profile`` of the stack is passed on as
    AWS_PROFILE, because the command provider does not see the AWS provider's config."""
    env = {
        "OCELOT_LAYER_NAME": layer_name,
        "OCELOT_SHARING": sharing.token,
        "OCELOT_VERSION_ARN": version_arn,
        "OCELOT_STACK": stack,
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
    kept: list[str] = field(default_factory=list)  # reconciler statements after the run

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
    """(statements to add, ids to remove): only the reconciler's ids; a changed grant is both."""
    ours = {sid: s for sid, s in current.items() if reconciled(sid)}
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
            **where, StatementId=statement.sid, Action=ACTION, Principal=statement.principal,
            **extra,
        )  # fmt: skip
    for sid in remove:
        if sid not in changed:
            client.remove_layer_version_permission(**where, StatementId=sid)
    return change


def reconcile_record(
    client: Any, record: Record, sharing: Sharing, *, apply: bool = True
) -> list[VersionChange]:
    """Every version the record lists and Lambda still has: ``sharing`` on the older ones,
    none of the reconciler's statements on the current one (its grants are resources)."""
    current = version_of(record.current)
    changes = []
    for name in sorted(record.versions):
        existing = set(layer_versions(client, name))
        for version in record.versions[name]:
            if version in existing:
                wanted = Sharing() if (name, version) == current else sharing
                changes.append(reconcile_version(client, name, version, wanted, apply=apply))
    return changes


def managed_names(current: str, previous_stdout: str) -> list[str]:
    """The slot's layer names: this run's plus every name an earlier run reported."""
    names = {current} if current else set()
    with contextlib.suppress(json.JSONDecodeError, AttributeError):  # unknown format: current only
        names |= set(json.loads(previous_stdout or "{}").get("layer_names", []))
    return sorted(n for n in names if isinstance(n, str) and n)


@dataclass(frozen=True)
class Inputs:
    """What one run was asked to do, read from the environment and checked."""

    layer_name: str  # the slot's current name
    names: list[str]  # every name the slot has published
    sharing: Sharing
    stack: str
    version_arn: str
    account: str
    revoke: bool


def inputs(revoke: bool, env: dict[str, str]) -> Inputs:
    sharing = Sharing() if revoke else Sharing.parse(env.get("OCELOT_SHARING", ""))
    names = managed_names(env.get("OCELOT_LAYER_NAME", ""), env.get("PULUMI_COMMAND_STDOUT", ""))
    if not env.get("OCELOT_LAYER_NAME"):
        raise UsageError("OCELOT_LAYER_NAME is not set: which layer should be reconciled?")
    stack = env.get("OCELOT_STACK", "")
    if stack.count("/") != 2:
        raise UsageError(
            f"OCELOT_STACK {stack!r} is not a fully qualified stack name (<org>/<project>/<stack>)"
        )
    arn = env.get("OCELOT_VERSION_ARN", "")
    found = version_of(arn)
    if arn and (found is None or found[0] != env.get("OCELOT_LAYER_NAME")):
        raise UsageError(f"OCELOT_VERSION_ARN {arn!r} is not a version of OCELOT_LAYER_NAME")
    account = arn.split(":")[4] if found else env.get("OCELOT_ACCOUNT", "")
    if not ACCOUNT_RE.fullmatch(account):
        raise UsageError(
            "OCELOT_ACCOUNT is not set: name the 12-digit account that published the layer "
            "(checked against the credentials before any change), or set OCELOT_VERSION_ARN"
        )
    return Inputs(env["OCELOT_LAYER_NAME"], names, sharing, stack, arn, account, revoke)


def run(asked: Inputs, session: Any) -> list[VersionChange]:
    """Check the account and the owner, update the record, reconcile what it lists."""
    check_account([asked.account], session, source="the account that published the layer")
    ssm, client = session.client("ssm"), session.client("lambda")
    ours = family_of(asked.layer_name)
    changes: list[VersionChange] = []
    for family in sorted({family_of(n) for n in asked.names}):
        record = _record(ssm, family, asked, mine=family == ours)
        if record is not None:
            changes += reconcile_record(client, record, asked.sharing)
    return changes


def _record(ssm: Any, family: str, asked: Inputs, *, mine: bool) -> Record | None:
    """The stack's record of ``family`` brought up to date, or None when it is not the
    stack's (then nothing of that family is touched)."""
    owner = records.read_parameters(ssm, [records.owner_parameter(family)])
    owner_name = next(iter(owner.values()), None)
    if mine and owner_name != asked.stack:
        holder = f"belongs to stack {owner_name}" if owner_name else "has no owner parameter"
        raise UsageError(
            f"layer name {family}-* {holder} ({records.owner_parameter(family)}), not to "
            f"{asked.stack}; nothing was changed"
        )
    if owner_name not in (None, asked.stack):
        return None
    record = records.read_record(ssm, family)
    if record is None or record.stack != asked.stack:
        if not mine:
            return None
        record = Record(asked.stack)  # a record of an earlier owner proves nothing for us
    before = record.text()
    if mine and asked.version_arn and not asked.revoke:
        record.add(asked.version_arn)
    if asked.revoke and version_of(record.current):
        record.current = ""  # destroyed: no state declares it any more
    if record.text() != before:
        records.write_record(ssm, family, record)
    return record


ENVIRONMENT = """\
environment (set by the Pulumi program's sharing step):
  OCELOT_LAYER_NAME      the slot's current layer name (required)
  OCELOT_STACK           the stack owning it, <org>/<project>/<stack> (required)
  OCELOT_SHARING         private, public, org:o-<id> or accounts:<id>[,<id>...]
                         (required unless --revoke)
  OCELOT_VERSION_ARN     the current version's ARN; names the account (default: none)
  OCELOT_ACCOUNT         the publishing account's 12-digit id, read without the ARN
  PULUMI_COMMAND_STDOUT  the previous run's stdout: every name the slot has published
  AWS_REGION, AWS_PROFILE  (default: AWS_DEFAULT_REGION, boto3's default credentials)"""


def main(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> int:
    """The command's entry point: inputs from the environment, one JSON line on stdout."""
    parser = OptionParser(
        prog="python -m ocelot_build.reconcile", epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Give the older versions of a layer that a stack published the sharing\n"
        "of its mode; take the reconciler's statements off the current version.",
    )  # fmt: skip
    parser.add_argument(
        "--revoke", action="store_true",
        help="take the reconciler's statements off every version the stack recorded "
        "(default: off; the sharing step passes it on delete)",
    )  # fmt: skip
    environ = dict(os.environ if env is None else env)
    return command_main("ocelot reconcile", lambda: _main(parser.parse_args(argv).revoke, environ))


def _main(revoke: bool, env: dict[str, str]) -> int:
    import boto3
    import botocore.exceptions

    asked = inputs(revoke, env)
    try:
        session = boto3.Session(
            profile_name=env.get("AWS_PROFILE") or None,
            region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        )
        changes = run(asked, session)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        names = ", ".join(asked.names)
        raise PublishError(f"reconciling sharing of {names} failed: {exc}") from None
    for change in changes:
        print(change.line(), file=sys.stderr)
    out = {"layer_names": asked.names, "sharing": asked.sharing.token, "stack": asked.stack}
    print(json.dumps(out, sort_keys=True))
    return 0
