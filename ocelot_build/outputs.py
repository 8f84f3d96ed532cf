"""Copy a cached layer out as ``<layer>-<distribution>-<arch>.zip`` plus its manifest."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ocelot_build.api import BuildRequest, LayerArtifact
from ocelot_build.cache import LayerEntry
from ocelot_build.plan import LayerPlan
from ocelot_build.sbom import SBOM_SUFFIX
from ocelot_build.upstream import UpstreamSource

MANIFEST_SCHEMA = 1


def artifact_stem(layer_name: str, distribution: str, arch: str) -> str:
    return f"{layer_name}-{distribution}-{arch}"


def manifest_paths(out_dir: Path) -> list[Path]:
    """The layer manifests in an output directory (its SBOMs end in ``.json`` too)."""
    return sorted(p for p in out_dir.glob("*.json") if not p.name.endswith(SBOM_SUFFIX))


def compose_manifest(
    request: BuildRequest, plan: LayerPlan, source: UpstreamSource, entry: LayerEntry, zip_name: str
) -> dict[str, Any]:
    """Cached build facts plus the request-specific names (which do not change the bytes)."""
    facts = entry.facts
    return {
        "schema": MANIFEST_SCHEMA,
        "layer_name": request.layer_name,
        "distribution": plan.distribution.name,
        "description": plan.distribution.description,
        "architecture": plan.architecture.value,
        "lambda_architecture": plan.architecture.lambda_name,
        "upstream": {"repo": source.repo, "ref": source.ref, "commit": facts["commit"]},
        "collector_version": facts["collector_version"],
        "go_version": facts["go_version"],
        "build_tags": facts["build_tags"],
        "go_replaces": dict(plan.overlay.go_replaces),
        "components": facts["components"],
        "component_ids": facts["component_ids"],
        "modules": facts["modules"],
        "config_sha256": facts["config_sha256"],
        "zip": {"file": zip_name, **facts["zip"]},
        "unzipped_size": facts["unzipped_size"],
        "cache_key": facts["cache_key"],
        "build_seconds": facts.get("build_seconds"),
        "verify": None,
    }


def write_artifact(
    request: BuildRequest,
    plan: LayerPlan,
    source: UpstreamSource,
    entry: LayerEntry,
    cache_hit: bool,
    sbom: bytes,
) -> LayerArtifact:
    out_dir = request.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = artifact_stem(request.layer_name, plan.distribution.name, plan.architecture.value)
    zip_path = out_dir / f"{stem}.zip"
    manifest = compose_manifest(request, plan, source, entry, zip_path.name)
    atomic_copy(entry.zip_path, zip_path)
    manifest_path = out_dir / f"{stem}.json"
    write_json(manifest_path, manifest)
    sbom_path = out_dir / f"{stem}{SBOM_SUFFIX}"
    atomic_write(sbom_path, sbom)
    return LayerArtifact(
        plan.distribution.name,
        plan.architecture,
        zip_path,
        manifest_path,
        manifest,
        cache_hit,
        sbom_path,
    )


def atomic_copy(src: Path, dest: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would surprise whoever uploads the file
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
