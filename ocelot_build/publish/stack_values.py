"""Readers for the stack's AWS-facing values: regions, accounts, runtimes, files, buckets.

Each takes the ``Reader`` of the ``ocelot:`` namespace, checks one key against AWS's own
rules (botocore's endpoint data, account and bucket patterns) and records a problem under
that key instead of raising, so ``parse_stack_config`` reports every problem at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ocelot_build.core.runtimes import region_problem, runtime_problems
from ocelot_build.publish.config_reader import Reader
from ocelot_build.publish.sharing import ACCOUNT_RE

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def regions(reader: Reader, provider_region: Any) -> tuple[str, ...]:
    names = reader.strings("regions")
    if names is None and reader.get("regions") is None:
        if isinstance(provider_region, str) and provider_region:
            problem = region_problem(provider_region)
            if problem:
                reader.errors.append(f"aws:region: {problem}")
                return ()
            return (provider_region,)
        reader.error("regions", "not set, and the stack has no aws:region to default to")
        return ()
    for name in names or []:
        problem = region_problem(name)
        if problem:
            reader.error("regions", problem)
    if names == []:
        reader.error("regions", "must name at least one region")
    return tuple(names or ())


def allowed_accounts(value: Any, reader: Reader) -> tuple[str, ...]:
    """``aws:allowedAccountIds`` (the AWS provider's own key): the accounts this stack may
    change. The provider enforces it for its resources; ocelot checks it before any build."""
    if value is None:
        return ()
    own = Reader({"aws:allowedAccountIds": value}, "aws")
    names = own.account_ids("allowedAccountIds")
    bad = [n for n in names or [] if not ACCOUNT_RE.fullmatch(n)]
    if names is None or bad or not names:
        shown = bad[0] if bad else value
        reader.errors.append(
            f"aws:allowedAccountIds: {shown!r} is not a list of 12-digit AWS account ids; "
            "set each with `pulumi config set --path 'aws:allowedAccountIds[0]' 123456789012`"
            " (and [1], [2] …)"
        )
        return ()
    return tuple(sorted(set(names)))


def accounts(reader: Reader) -> tuple[str, ...]:
    """Account ids to share with; each exactly 12 digits (no ARNs, no aliases)."""
    names = reader.account_ids("accounts") or []
    for name in names:
        if not ACCOUNT_RE.fullmatch(name):
            reader.error("accounts", f"{name!r} is not a 12-digit AWS account id")
    return tuple(sorted(set(names)))


def runtimes(reader: Reader) -> tuple[str, ...]:
    names = reader.strings("runtimes") or []
    for problem in runtime_problems(names):  # Lambda's names, from botocore's service model
        reader.error("runtimes", problem)
    return tuple(sorted(names))


def file_value(reader: Reader, key: str, root: Path) -> Path | None:
    """An optional file path; relative paths start at the project root (Pulumi.yaml's dir)."""
    if reader.get(key) is None:
        return None
    text = reader.text(key, "")
    path = Path(text) if Path(text).is_absolute() else root / text
    if text and not path.is_file():
        reader.error(key, f"{text!r} is not a file (relative paths start at {root})")
    return path


def s3_buckets(reader: Reader, regions: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    buckets = reader.mapping("s3Buckets") or {}
    for region, bucket in sorted(buckets.items()):
        if region not in regions:
            reader.error(
                "s3Buckets", f"region {region!r} is not one of the stack's regions {list(regions)}"
            )
        if not _BUCKET_RE.fullmatch(bucket):
            reader.error("s3Buckets", f"{bucket!r} (for {region}) is not a valid S3 bucket name")
    return tuple(sorted(buckets.items()))
