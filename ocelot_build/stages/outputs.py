"""Copy a cached layer out as ``<layer>-<distribution>-<arch>.zip`` plus its manifest."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ocelot_build.core.errors import BuildError, UsageError
from ocelot_build.core.files import atomic_copy, atomic_write_bytes
from ocelot_build.core.manifest import LayerManifest, LayerZip, Upstream
from ocelot_build.core.types import BuildRequest, LayerArtifact
from ocelot_build.stages.plan import LayerPlan
from ocelot_build.stages.sbom_id import SBOM_SUFFIX
from ocelot_build.stages.upstream import UpstreamSource
from ocelot_build.store.cache import LayerEntry

FAILED_SUFFIX = ".failed.zip"  # a layer that failed its checks; never taken for a usable one


def artifact_stem(layer_name: str, distribution: str, arch: str) -> str:
    return f"{layer_name}-{distribution}-{arch}"


def manifest_paths(out_dir: Path) -> list[Path]:
    """The layer manifests in an output directory (its SBOMs end in ``.json`` too)."""
    return sorted(p for p in out_dir.glob("*.json") if not p.name.endswith(SBOM_SUFFIX))


def compose_manifest(
    request: BuildRequest, plan: LayerPlan, source: UpstreamSource, entry: LayerEntry, zip_name: str
) -> LayerManifest:
    """Cached build facts plus what the plan knows: the request-specific names (which do
    not change the bytes) and the inputs its key holds (go replaces, cold-start options),
    so entries need not record them."""
    facts = entry.facts
    return LayerManifest(
        layer_name=request.layer_name,
        distribution=plan.distribution.name,
        description=plan.distribution.description,
        architecture=plan.architecture,
        upstream=Upstream(source.repo, source.ref, facts["commit"]),
        collector_version=facts["collector_version"],
        go_version=facts["go_version"],
        build_tags=tuple(facts["build_tags"]),
        go_replaces=dict(plan.overlay.go_replaces),
        config_providers=None if plan.providers is None else tuple(sorted(plan.providers)),
        cold_start=tuple(sorted(plan.distribution.start.cuts)),
        components={k: tuple(v) for k, v in facts["components"].items()},
        component_ids={k: tuple(v) for k, v in facts["component_ids"].items()},
        modules=tuple(facts["modules"]),
        config_sha256=facts["config_sha256"],
        go_env=facts.get("go_env"),
        zip=LayerZip(zip_name, facts["zip"]["sha256"], facts["zip"]["size"]),
        unzipped_size=facts["unzipped_size"],
        cache_key=facts["cache_key"],
        build_seconds=facts.get("build_seconds"),
    )


def output_paths(request: BuildRequest, plan: LayerPlan) -> tuple[Path, Path]:
    """The zip and manifest paths of one layer, always directly inside ``-o``."""
    stem = artifact_stem(request.layer_name, plan.distribution.name, plan.architecture.value)
    out_dir = request.output_dir
    paths = (out_dir / f"{stem}.zip", out_dir / f"{stem}.json")
    for path in paths:  # names are checked when read; this keeps a new name from escaping
        if path.resolve().parent != out_dir.resolve():
            raise UsageError(f"layer file {path.name!r} would be written outside -o {out_dir}")
    return paths


def check_output_dir(request: BuildRequest, plans: list[LayerPlan]) -> None:
    """Fail before any work when the outputs cannot be written: one line, exit 2."""
    out_dir = request.output_dir
    existing = next(p for p in [out_dir, *out_dir.absolute().parents] if p.exists())
    if not existing.is_dir():
        where = "is a file" if existing == out_dir else f"is under the file {existing}"
        raise UsageError(f"output directory -o {out_dir} {where}; give a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"output directory -o {out_dir} is not writable ({existing})")
    for plan in plans:
        for path in output_paths(request, plan):
            if path.is_dir():
                raise UsageError(f"{path} is a directory; remove it or choose another -o")


def write_artifact(
    request: BuildRequest,
    plan: LayerPlan,
    source: UpstreamSource,
    entry: LayerEntry,
    cache_hit: bool,
    sbom: bytes,
) -> LayerArtifact:
    zip_path, manifest_path = output_paths(request, plan)
    manifest = compose_manifest(request, plan, source, entry, zip_path.name)
    sbom_path = zip_path.with_name(zip_path.name.removesuffix(".zip") + SBOM_SUFFIX)
    try:
        request.output_dir.mkdir(parents=True, exist_ok=True)
        failed_path(zip_path).unlink(missing_ok=True)  # an earlier run's failure of this layer
        atomic_copy(entry.zip_path, zip_path)
        manifest.write(manifest_path)
        atomic_write_bytes(sbom_path, sbom)
    except OSError as exc:
        raise BuildError(
            f"cannot write {zip_path.name} into -o {request.output_dir}: {exc}"
        ) from None
    return LayerArtifact(
        plan.distribution.name,
        plan.architecture,
        zip_path,
        manifest_path,
        manifest,
        cache_hit,
        sbom_path,
    )


def failed_path(zip_path: Path) -> Path:
    return zip_path.with_name(zip_path.name.removesuffix(".zip") + FAILED_SUFFIX)


def quarantine(artifact: LayerArtifact, why: str) -> None:
    """Rename a layer that failed its checks to ``<stem>.failed.zip``, so nothing in ``-o``
    looks usable that is not; the manifest on disk (which holds the boot check's report)
    names that file and says why."""
    failed = failed_path(artifact.zip_path)
    os.replace(artifact.zip_path, failed)
    manifest = LayerManifest.read(artifact.manifest_path)
    renamed = dataclasses.replace(manifest.zip, file=failed.name)
    dataclasses.replace(manifest, zip=renamed, failed=why).write(artifact.manifest_path)
