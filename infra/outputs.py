"""The ``layers`` stack output and its Markdown rendering for release notes.

Shape (``pulumi stack output --json``)::

    {"layers": {"<region>": {"<distribution>": {"<amd64|arm64>": {
        "arn": "arn:aws:lambda:<region>:<account>:layer:<name>:<version>",
        "version": 1, "layer_name": "...", "sha256": "<hex>", "size": 123,
        "collector_version": "v0.158.0", "upstream_commit": "<40 hex>",
        "layer_arn": "arn:aws:lambda:<region>:<account>:layer:<name>",
        "sharing": "private | public | org:o-… | accounts:<id>,…",
        "ssm_parameter": "/ocelot/<layerName>/<distribution>/<arch>/latest"}}}}}

The ARN carries its version, so it can be pasted into a function's layer list as is.
``layer_arn``, ``sharing`` and ``ssm_parameter`` are newer; ``RECORD_KEYS`` (what release
notes need) does not require them, so outputs of older stacks still parse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ocelot_build.core.errors import UsageError

if TYPE_CHECKING:
    from infra.layers import CollectorLayer
    from ocelot_build.api import LayerArtifact
    from ocelot_build.core.model import Architecture

RECORD_KEYS = (
    "arn",
    "version",
    "layer_name",
    "sha256",
    "size",
    "collector_version",
    "upstream_commit",
)


def stack_output(
    layers: Mapping[tuple[str, str, Architecture], CollectorLayer],
    artifacts: Mapping[tuple[str, Architecture], LayerArtifact],
) -> dict[str, Any]:
    """region → distribution → architecture → record (ARN and version are Outputs)."""
    tree: dict[str, Any] = {}
    for (region, distribution, arch), layer in sorted(layers.items()):
        artifact = artifacts[(distribution, arch)]
        tree.setdefault(region, {}).setdefault(distribution, {})[arch.value] = {
            "arn": layer.arn,
            "version": layer.version,
            "layer_arn": layer.layer_arn,
            "sharing": layer.spec.sharing.token,
            "ssm_parameter": layer.spec.ssm_parameter,
            "layer_name": layer.spec.layer_name,
            "sha256": artifact.sha256,
            "size": artifact.manifest.zip.size,
            "collector_version": artifact.collector_version,
            "upstream_commit": artifact.upstream_commit,
        }
    return tree


def parse_stack_output(text: str) -> dict[str, Any]:
    """The ``layers`` tree from ``pulumi stack output --json`` (or the tree itself)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"stack output is not JSON ({exc.msg} at line {exc.lineno})") from None
    tree = data.get("layers", data) if isinstance(data, dict) else None
    if not isinstance(tree, dict) or not tree:
        raise UsageError("stack output has no 'layers' output; run `pulumi up` on the stack first")
    for region, dists in tree.items():
        for dist, arches in _mapping(dists, region).items():
            for arch, record in _mapping(arches, f"{region}.{dist}").items():
                where = f"{region}.{dist}.{arch}"
                missing = [k for k in RECORD_KEYS if k not in _mapping(record, where)]
                if missing:
                    raise UsageError(f"layers.{where} lacks {', '.join(missing)}")
    return tree


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"layers.{where} must be a mapping, got {type(value).__name__}")
    return value


def render_markdown(tree: Mapping[str, Any]) -> str:
    """A release-notes table, one row per layer version, sorted by region, name, arch."""
    rows = [
        (region, dist, arch, record)
        for region, dists in sorted(tree.items())
        for dist, arches in sorted(dists.items())
        for arch, record in sorted(arches.items())
    ]
    versions = sorted({r[3]["collector_version"] for r in rows})
    commits = sorted({r[3]["upstream_commit"] for r in rows})
    lines = [
        f"Collector {', '.join(versions)} from upstream commit {', '.join(commits)}:",
        "",
        "| Region | Distribution | Architecture | Layer version ARN | Collector | Size | sha256 |",
        "|---|---|---|---|---|---:|---|",
    ]
    for region, dist, arch, record in rows:
        size = f"{int(record['size']) / (1024 * 1024):.1f} MiB"
        lines.append(
            f"| {region} | {dist} | {arch} | `{record['arn']}` | {record['collector_version']}"
            f" | {size} | `{record['sha256'][:12]}` |"
        )
    return "\n".join(lines) + "\n"
