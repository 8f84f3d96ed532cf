"""``python -m ocelot_build.prune``: delete old layer versions deliberately.

Published versions are retained by the Pulumi program (a consumer may pin any of them), so
nothing deletes them on its own. But every version's zip counts against Lambda's regional
code-storage quota (75 GB per account and region by default, shared with function code), so
a stack that publishes often fills it. This deletes, per layer name and region, the versions
beyond the newest ``--keep`` that the name's owning stack published, each after removing the
reconciler's sharing statements (the same rule as the reconciler).

What it acts on is proved, not guessed: only versions listed in a stack's record
(``/ocelot/<family>/published``, ``ocelot_build.publish.records``) whose family no other stack
owns. It never deletes a version a ``/ocelot/…/latest`` pointer names or the one a stack's
state declares (the record's current version), and says for every version it keeps why.
Versions published by hand, or by another stack into the same name, are not in the record
and are left alone. Dry run by default; ``--apply`` changes AWS, after checking with STS
that the credentials are those of ``--account``.

    python -m ocelot_build.prune --region eu-west-1 --layer 'ocel-*' --keep 3 [--apply --account ID]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ocelot_build.core.errors import OptionParser, PublishError, UsageError, command_main
from ocelot_build.core.options import count
from ocelot_build.publish import records
from ocelot_build.publish.aws_guard import check_account
from ocelot_build.publish.reconcile import reconcile_version
from ocelot_build.publish.records import Record
from ocelot_build.publish.sharing import ACCOUNT_RE, Sharing

DEFAULT_KEEP = 3


@dataclass(frozen=True)
class Verdict:
    """One version of a selected layer name: kept (and why) or deleted (and what revoked)."""

    region: str
    layer_name: str
    version: int
    keep: str = ""  # the reason, "" for a version to delete
    revoked: tuple[str, ...] = ()

    def line(self, apply: bool) -> str:
        where = f"{self.region} {self.layer_name}:{self.version}"
        if self.keep:
            return f"{where} kept: {self.keep}"
        verb = "deleted" if apply else "would delete"
        revoked = f" after removing {', '.join(self.revoked)}" if self.revoked else ""
        return f"{where} {verb}{revoked}"


@dataclass
class Region:
    """What one region's SSM says: records by family, owners, and the pointers' ARNs."""

    records: dict[str, Record] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    pointers: dict[str, str] = field(default_factory=dict)  # version ARN → pointer name

    @classmethod
    def read(cls, ssm: Any) -> Region:
        found = cls()
        for name, value in records.all_parameters(ssm).items():
            family, leaf = name.removeprefix(f"{records.ROOT}/").rpartition("/")[::2]
            if leaf == "published" and (record := Record.parse(value)):
                found.records[family] = record
            elif leaf == "owner":
                found.owners[family] = value
            elif leaf == "latest":
                found.pointers.setdefault(value, name)
        return found

    def owned(self, family: str) -> Record | None:
        """The family's record, if its stack still owns the family (or nobody does)."""
        record = self.records.get(family)
        if record is None or self.owners.get(family, record.stack) != record.stack:
            return None
        return record


def judge(region: str, name: str, arns: dict[int, str], record: Record, state: Region,
          keep: int) -> list[Verdict]:  # fmt: skip
    """Every existing version of ``name``, newest first, kept with a reason or doomed."""
    listed = [v for v in sorted(arns, reverse=True) if record.lists(name, v)]
    verdicts = []
    for version in sorted(arns, reverse=True):
        arn = arns[version]
        if not record.lists(name, version):
            why = f"not published by stack {record.stack} (by hand, or another stack)"
        elif arn in state.pointers:
            why = f"named by {state.pointers[arn]}"
        elif arn == record.current:
            why = f"declared by stack {record.stack}"
        elif version in listed[:keep]:
            why = f"one of the newest {keep} of stack {record.stack}"
        else:
            why = ""
        verdicts.append(Verdict(region, name, version, why))
    return verdicts


def prune_region(
    session: Any, region: str, patterns: Sequence[str], keep: int, *, apply: bool
) -> list[Verdict]:
    """Judge every version of the selected names; revoke and delete the doomed ones."""
    ssm = session.client("ssm", region_name=region)
    client = session.client("lambda", region_name=region)
    state = Region.read(ssm)
    verdicts: list[Verdict] = []
    for family in sorted(state.records):
        record = state.owned(family)
        if record is None:
            continue
        for name in sorted(n for n in record.versions if _selected(n, patterns)):
            arns = _arns(client, name)
            judged = judge(region, name, arns, record, state, keep)
            verdicts += [_apply(client, v, apply) if not v.keep else v for v in judged]
            doomed = [v.version for v in judged if not v.keep]
            if apply and doomed:
                record.drop(name, doomed)
                records.write_record(ssm, family, record)
    return verdicts


def _apply(client: Any, verdict: Verdict, apply: bool) -> Verdict:
    name, version = verdict.layer_name, verdict.version
    change = reconcile_version(client, name, version, Sharing(), apply=apply)
    if apply:
        client.delete_layer_version(LayerName=name, VersionNumber=version)
    return Verdict(verdict.region, name, version, revoked=tuple(change.removed))


def _arns(client: Any, name: str) -> dict[int, str]:
    arns: dict[int, str] = {}
    for page in client.get_paginator("list_layer_versions").paginate(LayerName=name):
        arns |= {int(v["Version"]): v["LayerVersionArn"] for v in page["LayerVersions"]}
    return arns


def _selected(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _parser() -> argparse.ArgumentParser:
    parser = OptionParser(
        prog="python -m ocelot_build.prune",
        description="Remove sharing from, then delete, layer versions a stack published, "
        "beyond the newest N per layer name and region; never the version a latest pointer "
        "names or a stack's state declares. Dry run unless --apply.",
    )
    parser.add_argument("--apply", action="store_true", help="change AWS (default: off, a dry run)")
    parser.add_argument(
        "--account",
        help="the 12-digit account to prune; required with --apply and checked against the "
        "credentials with STS (default: none)",
    )
    parser.add_argument(
        "--keep", type=count(1), default=DEFAULT_KEEP,
        help=f"versions kept per layer name and region, at least 1 (default: {DEFAULT_KEEP})",
    )  # fmt: skip
    parser.add_argument(
        "--region", action="append", default=[],
        help="region, repeatable (default: AWS_REGION, else AWS_DEFAULT_REGION, else the "
        "profile's region)",
    )  # fmt: skip
    parser.add_argument(
        "--layer", action="append", default=[],
        help="layer name or shell glob such as 'ocel-*', repeatable (default: every layer "
        "name a stack's record lists)",
    )  # fmt: skip
    return parser


def _regions(given: list[str], session: Any) -> list[str]:
    """``--region``, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's."""
    env = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    regions = given or [env or session.region_name or ""]
    if not all(regions):
        raise UsageError("no region: give --region, or set AWS_REGION (or AWS_DEFAULT_REGION)")
    return regions


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("ocelot prune", lambda: _run(_parser().parse_args(argv)))


def _run(args: argparse.Namespace) -> int:
    import boto3
    import botocore.exceptions

    if args.apply and not args.account:
        raise UsageError("--apply needs --account <12-digit id>: the account to prune")
    if args.account and not ACCOUNT_RE.fullmatch(args.account):
        raise UsageError(f"--account {args.account!r} is not a 12-digit AWS account id")
    session = boto3.Session()
    regions = _regions(args.region, session)
    if args.account:  # before any change: these credentials are that account's
        check_account([args.account], session, source="--account")
    verdicts: list[Verdict] = []
    for region in regions:
        try:
            verdicts += prune_region(
                session, region, args.layer or ["*"], args.keep, apply=args.apply
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise PublishError(f"pruning in {region} failed: {exc}") from None
    for verdict in verdicts:
        print(verdict.line(args.apply))
    doomed = sum(1 for v in verdicts if not v.keep)
    mode = "" if args.apply else " (dry run; --apply to delete)"
    print(f"{doomed} version(s) beyond the newest {args.keep}{mode}")
    return 0
