"""Who owns a layer name, and which of its versions the owner published: SSM, per region.

A layer name belongs to one stack per account and region. Names of one slot differ only in
the collector version (``ocel-minimal-arm64-0_158_0``, ``…-0_159_0``), so ownership is kept
per *family*, the name without its version (``ocel-minimal-arm64``), which is known before
anything is built. Two parameters per family:

* ``/ocelot/<family>/owner``: the owning stack's fully qualified name
  (``<org>/<project>/<stack>``). The stack declares it (an ``aws.ssm.Parameter``, created
  before its first layer version, so a second stack's create fails even in a race), and
  every publish path reads it before any build: another stack's name there is a refusal.
* ``/ocelot/<family>/published``: the record of what that stack published, written by its
  sharing step (``ocelot_build.reconcile``) from the version ARN Pulumi hands it: the
  stack, its current version, and every version number per layer name. Reconcile and prune
  act only on versions listed here; a version someone published by hand into the name, or
  another stack's, is not listed, so it is never touched. Lambda never reuses a version
  number, so a number stays a proof after its version is deleted.

The record is not in Pulumi's state on purpose: it outlives each version's resource (those
are retained when replaced) and must be readable by ``prune`` without the state backend.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ocelot_build.core.errors import PublishError, UsageError

ROOT = "/ocelot"
ARCH_MARKERS = ("-amd64-", "-arm64-")
RECORD_LIMIT = 4096  # an SSM standard parameter's value, in bytes


def owner_parameter(family: str) -> str:
    return f"{ROOT}/{family}/owner"


def record_parameter(family: str) -> str:
    return f"{ROOT}/{family}/published"


def family_of(layer_name: str) -> str:
    """``ocel-minimal-arm64-0_158_0`` → ``ocel-minimal-arm64``: cut after the architecture."""
    cut = max(layer_name.rfind(m) for m in ARCH_MARKERS)
    if cut < 0:
        raise UsageError(
            f"layer name {layer_name!r} is not an ocelot name "
            "(<layerName>-<distribution>-<amd64|arm64>-<collector version>)"
        )
    return layer_name[: cut + len(ARCH_MARKERS[0]) - 1]


def version_of(arn: str) -> tuple[str, int] | None:
    """``arn:aws:lambda:<region>:<account>:layer:<name>:<n>`` → (name, n); else None."""
    parts = arn.split(":")
    if len(parts) == 8 and parts[5] == "layer" and parts[7].isdigit():
        return parts[6], int(parts[7])
    return None


@dataclass
class Record:
    """What one stack published into one family, in one region."""

    stack: str
    current: str = ""  # the version ARN the stack's state declares ("" after destroy)
    versions: dict[str, list[int]] = field(default_factory=dict)  # layer name → numbers

    def lists(self, layer_name: str, version: int) -> bool:
        return version in self.versions.get(layer_name, [])

    def add(self, arn: str) -> None:
        found = version_of(arn)
        if found:
            name, number = found
            self.versions[name] = sorted({*self.versions.get(name, []), number})
        self.current = arn

    def drop(self, layer_name: str, numbers: Iterable[int]) -> None:
        gone = set(numbers)
        kept = [n for n in self.versions.get(layer_name, []) if n not in gone]
        if kept:
            self.versions[layer_name] = kept
        else:
            self.versions.pop(layer_name, None)

    def text(self) -> str:
        data = {"stack": self.stack, "current": self.current, "versions": self.versions}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> Record | None:
        """The record, or None when the text is not one (then it proves nothing)."""
        try:
            data = json.loads(text)
            versions = {str(k): sorted(int(n) for n in v) for k, v in data["versions"].items()}
            return cls(str(data["stack"]), str(data.get("current", "")), versions)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def read_parameters(ssm: Any, names: list[str]) -> dict[str, str]:
    """name → value of those of ``names`` that exist (GetParameters takes 10 at a time)."""
    found: dict[str, str] = {}
    for start in range(0, len(names), 10):
        response = ssm.get_parameters(Names=names[start : start + 10])
        found |= {p["Name"]: p["Value"] for p in response["Parameters"]}
    return found


def all_parameters(ssm: Any) -> dict[str, str]:
    """Every parameter under ``/ocelot`` in the client's region: name → value."""
    found: dict[str, str] = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=ROOT, Recursive=True):
        found |= {p["Name"]: p["Value"] for p in page["Parameters"]}
    return found


def read_record(ssm: Any, family: str) -> Record | None:
    found = read_parameters(ssm, [record_parameter(family)])
    text = found.get(record_parameter(family))
    return Record.parse(text) if text is not None else None


def write_record(ssm: Any, family: str, record: Record) -> None:
    text = record.text()
    if len(text.encode()) > RECORD_LIMIT:
        raise UsageError(
            f"the record of {family} lists too many versions for one SSM parameter "
            f"({len(text)} bytes); prune old versions: python -m ocelot_build.prune"
        )
    ssm.put_parameter(Name=record_parameter(family), Value=text, Type="String", Overwrite=True)


def same_stack(owner: str, stack: str, project: str | None = None) -> bool:
    """Whether ``owner`` (``org/project/stack``) is ``stack``: fully qualified, or as the
    CLI names it (``stack`` or ``org/stack``), within ``project``."""
    if owner == stack:
        return True
    have, want = owner.split("/"), stack.split("/")
    if len(have) != 3 or project is None or len(want) > 2:
        return False
    return have[1] == project and have[2] == want[-1] and (len(want) == 1 or have[0] == want[0])


def foreign_owners(
    session: Any, regions: Iterable[str], families: Iterable[str], stack: str, project: str | None
) -> Iterator[tuple[str, str, str]]:
    """(region, family, owner) for every family another stack owns."""
    names = [owner_parameter(f) for f in sorted(set(families))]
    for region in regions:
        found = read_parameters(session.client("ssm", region_name=region), names)
        for name, owner in sorted(found.items()):
            if not same_stack(owner, stack, project):
                yield region, name.split("/")[2], owner


def check_owners(
    session: Any,
    regions: Iterable[str],
    families: Iterable[str],
    stack: str,
    project: str | None = None,
) -> None:
    """UsageError (exit 2, one line) naming the owner when another stack owns a name."""
    import botocore.exceptions

    try:
        clashes = list(foreign_owners(session, regions, families, stack, project))
    except botocore.exceptions.NoCredentialsError:
        raise UsageError(
            "no AWS credentials found; configure a profile or AWS_* variables"
        ) from None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise PublishError(
            f"reading the layer names' owners (SSM {ROOT}/*/owner) failed: {exc}"
        ) from None
    if clashes:
        region, family, owner = clashes[0]
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise UsageError(
            f"layer name {family}-* in {region} belongs to stack {owner} "
            f"({owner_parameter(family)}){more}, not to {stack}; nothing was built or "
            f"published: give this stack another ocelot:layerName, or publish from {owner}"
        )
