"""``python -m infra.published_diff``: what each layer changes against its published version.

    pulumi stack output --json --stack S > published.json
    python -m infra.published_diff --published published.json --checks DIR   # Markdown

The publish workflow's preview job writes this into the job summary, next to the preview,
so the approver sees what each replaced layer changes (components, modules, collector
version, sizes; ``ocelot_build.audit.diff``) before approving the ``up``. ``published.json`` names
every layer the stack has published (its ``layers`` output: ARN and zip sha256); ``DIR``
holds the manifests the build jobs just wrote. A layer whose sha256 is unchanged is listed
as such; for a changed one the published zip is fetched (Lambda ``GetLayerVersionByArn``
gives a short-lived download URL) and compared with the new manifest. Reading a zip's build
info never executes it. Layers not published yet show as creates in the preview itself.
"""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ocelot_build.audit import diff
from ocelot_build.core.errors import (
    OptionParser,
    PublishError,
    UsageError,
    command_main,
)

Fetch = Callable[[str, Path], Path]  # (layer version ARN, scratch dir) → a zip or manifest


def new_manifests(checks: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """``<layerName>-<dist>-<arch>`` → (manifest path, manifest) for every built layer."""
    found = {}
    for path in sorted(checks.rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and {"layer_name", "distribution", "architecture", "zip"} <= set(
            data
        ):
            found[f"{data['layer_name']}-{data['distribution']}-{data['architecture']}"] = (
                path,
                data,
            )
    return found


def report(published: dict[str, Any], checks: Path, fetch: Fetch, scratch: Path) -> str:
    """Markdown: one section per published layer (once, not per region: same zip)."""
    tree = published.get("layers", published) if isinstance(published, dict) else {}
    built = new_manifests(checks)
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for _region, dists in sorted((tree or {}).items()):
        for dist, arches in sorted(dists.items()):
            for arch, record in sorted(arches.items()):
                if (dist, arch) in seen:
                    continue
                seen.add((dist, arch))
                lines.append(_section(dist, arch, record, built, fetch, scratch))
    if not lines:
        return "No layer of this stack is published yet: the preview lists them as creates.\n"
    return "\n".join(lines)


def _section(
    dist: str,
    arch: str,
    record: dict[str, Any],
    built: dict[str, tuple[Path, dict[str, Any]]],
    fetch: Fetch,
    scratch: Path,
) -> str:
    name = str(record.get("layer_name", ""))
    match = next((v for k, v in built.items() if name.startswith(f"{k}-")), None)
    if match is None:
        return f"- `{dist}/{arch}`: not built in this run (the preview shows what happens)\n"
    path, manifest = match
    if manifest["zip"]["sha256"] == record.get("sha256"):
        return f"- `{dist}/{arch}`: unchanged ({record.get('arn')})\n"
    old = fetch(str(record["arn"]), scratch)
    published_facts = replace(diff.load(old), label=f"published {name}:{record.get('version')}")
    new_facts = replace(diff.load(path), label=f"this build ({path.name})")
    return diff.render_markdown(diff.compare(published_facts, new_facts))


def fetch_published(arn: str, scratch: Path) -> Path:
    """Download a published layer version's zip (boto3; the caller's AWS credentials)."""
    import boto3
    import botocore.exceptions

    region = arn.split(":")[3]
    try:
        content = boto3.client("lambda", region_name=region).get_layer_version_by_arn(Arn=arn)
    except botocore.exceptions.ClientError as exc:
        raise PublishError(f"cannot read published layer {arn}: {exc}") from None
    target = scratch / f"{arn.rsplit(':', 2)[-2]}-{arn.rsplit(':', 1)[-1]}.zip"
    with urllib.request.urlopen(content["Content"]["Location"], timeout=120) as response:
        target.write_bytes(response.read())
    return target


def main(argv: list[str] | None = None, fetch: Fetch = fetch_published) -> int:
    return command_main("ocelot published-diff", lambda: _run(argv, fetch))


def _run(argv: list[str] | None, fetch: Fetch) -> int:
    parser = OptionParser(prog="python -m infra.published_diff")
    parser.add_argument("--published", type=Path, required=True, help="stack output JSON")
    parser.add_argument("--checks", type=Path, required=True, help="the build jobs' manifests")
    args = parser.parse_args(argv)
    if not args.checks.is_dir():
        raise UsageError(f"--checks {args.checks} is not a directory")
    try:
        published = json.loads(args.published.read_text() or "{}")
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"--published {args.published}: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="ocelot-published-") as scratch:
        sys.stdout.write(report(published, args.checks, fetch, Path(scratch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
