"""``python -m ocelot_build.prune``: delete old layer versions deliberately.

Published versions are retained by the Pulumi program (a consumer may pin any of them), so
nothing deletes them on its own. But every version's zip counts against Lambda's regional
code-storage quota (75 GB per account and region by default, shared with function code), so
a stack that publishes often fills it. This keeps the newest ``--keep`` versions of each
layer name in each region and, for every older one, first removes ocelot's sharing
statements (``ocelot-`` ids, the same rule as the reconciler) and then deletes it.

Only versions ocelot published are considered: their description starts with ``ocelot ``.
Dry run by default; ``--apply`` changes AWS. A function that already uses a deleted version
keeps running, but its next deploy that names it fails.

    python -m ocelot_build.prune --region eu-west-1 --layer 'ocel-*' --keep 3 [--apply]
"""

from __future__ import annotations

import argparse
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ocelot_build.core.errors import OptionParser, PublishError, UsageError, command_main
from ocelot_build.publish.reconcile import reconcile_version
from ocelot_build.publish.sharing import Sharing

DESCRIPTION_PREFIX = (
    "ocelot "  # how every version description starts (ocelot_build.publish.naming uses it)
)
DEFAULT_KEEP = 3


@dataclass(frozen=True)
class Doomed:
    """One version beyond the newest N, and the ocelot statements it still holds."""

    region: str
    layer_name: str
    version: int
    statements: tuple[str, ...]

    def line(self, apply: bool) -> str:
        verb = "deleted" if apply else "would delete"
        revoked = f" after removing {', '.join(self.statements)}" if self.statements else ""
        return f"{self.region} {self.layer_name}:{self.version} {verb}{revoked}"


def ocelot_versions(client: Any, layer_name: str) -> list[int]:
    """Version numbers of ``layer_name`` that ocelot published, newest first."""
    versions: list[int] = []
    for page in client.get_paginator("list_layer_versions").paginate(LayerName=layer_name):
        versions += [
            int(v["Version"])
            for v in page["LayerVersions"]
            if str(v.get("Description", "")).startswith(DESCRIPTION_PREFIX)
        ]
    return sorted(versions, reverse=True)


def layer_names(client: Any, patterns: Sequence[str]) -> list[str]:
    """Layer names in the client's region matching any of ``patterns`` (shell globs)."""
    names: list[str] = []
    for page in client.get_paginator("list_layers").paginate():
        names += [layer["LayerName"] for layer in page["Layers"]]
    return sorted(n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns))


def prune_region(
    client: Any, region: str, patterns: Sequence[str], keep: int, *, apply: bool
) -> list[Doomed]:
    """Every version beyond the newest ``keep`` per layer name; revoked then deleted."""
    doomed: list[Doomed] = []
    for name in layer_names(client, patterns):
        for version in sorted(ocelot_versions(client, name)[keep:]):
            change = reconcile_version(client, name, version, Sharing(), apply=apply)
            doomed.append(Doomed(region, name, version, tuple(change.removed)))
            if apply:
                client.delete_layer_version(LayerName=name, VersionNumber=version)
    return doomed


def _parser() -> argparse.ArgumentParser:
    parser = OptionParser(
        prog="python -m ocelot_build.prune",
        description="Remove sharing from, then delete, ocelot layer versions beyond the "
        "newest N per layer name and region (dry run unless --apply).",
    )
    parser.add_argument("--apply", action="store_true", help="change AWS (default: dry run)")
    parser.add_argument(
        "--keep", type=int, default=DEFAULT_KEEP, help=f"versions kept (default {DEFAULT_KEEP})"
    )
    parser.add_argument(
        "--region", action="append", default=[], help="region (repeatable; default: AWS_REGION)"
    )
    parser.add_argument(
        "--layer",
        action="append",
        default=[],
        help="layer name or glob, e.g. 'ocel-*' (repeatable; default: every ocelot layer)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("ocelot prune", lambda: _run(_parser().parse_args(argv)))


def _run(args: argparse.Namespace) -> int:
    import boto3
    import botocore.exceptions

    if args.keep < 1:
        raise UsageError(f"--keep {args.keep}: keep at least 1 version (the newest)")
    regions = args.region or [boto3.session.Session().region_name or ""]
    if not all(regions):
        raise UsageError("no region: give --region or set AWS_REGION")
    doomed: list[Doomed] = []
    for region in regions:
        client = boto3.client("lambda", region_name=region)
        try:
            doomed += prune_region(client, region, args.layer or ["*"], args.keep, apply=args.apply)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise PublishError(f"pruning in {region} failed: {exc}") from None
    for item in doomed:
        print(item.line(args.apply))
    mode = "" if args.apply else " (dry run; --apply to delete)"
    print(f"{len(doomed)} version(s) beyond the newest {args.keep}{mode}")
    return 0
