"""``build_layers``: resolve → plan → build what the cache lacks → write outputs → check."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from ocelot_build.api import BuildRequest, LayerArtifact
from ocelot_build.budgets import check_budgets
from ocelot_build.builder import build_distribution, ensure_sbom
from ocelot_build.cache import Cache, LayerEntry, digest, file_sha256
from ocelot_build.config import Distribution
from ocelot_build.errors import UsageError, VerifyError
from ocelot_build.files import sweep_stale, temp_prefix, write_json
from ocelot_build.outputs import check_output_dir, quarantine, write_artifact
from ocelot_build.pipeline import Context, plan_layers, resolve
from ocelot_build.plan import LayerPlan
from ocelot_build.progress import Progress

VERIFY_CACHE_FORMAT = 2
DEFAULT_JOBS = 1  # measured on 2 cores: see docs/benchmarks.md


def run(
    request: BuildRequest,
    callback: Callable[[str], None] | None = None,
    distributions: Sequence[Distribution] | None = None,
) -> list[LayerArtifact]:
    progress = Progress(verbose=request.verbose, callback=callback)
    with _no_shared_writes():
        ctx, chosen = resolve(request, progress)
        if distributions is not None:
            chosen = list(distributions)
        sweep_stale(Path(tempfile.gettempdir()))  # what killed runs left: ours, and old
        ctx.cache.sweep()
        plans = plan_layers(ctx, chosen)
        check_output_dir(request, plans)
        if request.use_cache:
            return _run_with(ctx, plans, progress)
        with tempfile.TemporaryDirectory(prefix=temp_prefix("nocache")) as scratch:
            uncached = Context(**{**ctx.__dict__, "cache": Cache(ctx.cache.root, Path(scratch))})
            return _run_with(uncached, plans, progress)


@contextlib.contextmanager
def _no_shared_writes() -> Iterator[None]:
    """Mask group and world write bits for the run, whatever the caller's umask: the cache
    serves bytes that are shipped, so nobody else may be able to change them (git clones,
    extracted trees and go's outputs inherit the mask too)."""
    old = os.umask(0o022)
    os.umask(old | 0o022)
    try:
        yield
    finally:
        os.umask(old)


def _run_with(ctx: Context, plans: list[LayerPlan], progress: Progress) -> list[LayerArtifact]:
    entries: dict[str, LayerEntry] = {}
    for plan in plans:
        entry = ctx.cache.get(plan.key)
        if entry is not None:
            entries[plan.key] = entry
            progress.say(f"{plan.label}: cache hit {plan.key[:12]}")
    misses: dict[str, list[LayerPlan]] = {}
    for plan in plans:
        if plan.key not in entries:
            misses.setdefault(plan.distribution.name, []).append(plan)
    if misses and not ctx.cache.writable():
        missing = ", ".join(p.label for group in misses.values() for p in group)
        raise UsageError(
            f"cache {ctx.cache.root} is read-only and lacks {missing}; "
            "use a writable OCELOT_CACHE_DIR or --no-cache"
        )
    entries.update(_build_missing(ctx, list(misses.values()), progress))
    artifacts = [
        write_artifact(
            ctx.request,
            p,
            ctx.source,
            entries[p.key],
            not entries[p.key].built_here,  # a hit, even if another process just built it
            ensure_sbom(ctx, entries[p.key]),
        )
        for p in plans
    ]
    failures = []
    for plan, artifact in zip(plans, artifacts, strict=True):
        try:
            _check(ctx, plan, artifact, progress)
        except VerifyError as exc:  # check the others too: none may be left unchecked
            quarantine(artifact, exc.message)
            failures.append(exc)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        detail = "\n".join(f.detail for f in failures if f.detail)
        raise VerifyError("; ".join(f.message for f in failures), detail=detail)
    return artifacts


def _boot_check(
    ctx: Context, plan: LayerPlan, artifact: LayerArtifact, progress: Progress
) -> dict[str, Any]:
    """Boot the layer, or reuse the passed check of the same bytes (a Pulumi preview of an
    unchanged stack would otherwise boot every layer again). Failures are never reused."""
    from ocelot_build.verify import verify_layer

    key = digest(
        {
            "zip": file_sha256(artifact.zip_path),  # the bytes booted, not the manifest's claim
            "arch": plan.architecture.value,
            "components": artifact.manifest["components"],
            "format": VERIFY_CACHE_FORMAT,
        }
    )
    cached = ctx.cache.root / "verify" / f"{key}.json"
    if cached.is_file():
        progress.say(f"{plan.label}: boot check passed before for these bytes (cached)")
        return {**json.loads(cached.read_text()), "cached": True}
    reports = []
    for bundled in (False, True):  # the OTLP round trip, then the layer's own config
        what = "boot check" + (" with the bundled config" if bundled else "")
        with progress.stage(f"{plan.label}: {what}"):
            report = verify_layer(
                artifact.zip_path,
                architecture=plan.architecture,
                components=artifact.manifest["components"],
                bundled_config=bundled,
            )
        progress.say(f"{plan.label}: {what} {report.status} {report.reason or ''}".rstrip())
        if report.status == "failed":
            artifact.manifest["verify"] = report.to_dict()  # kept by the quarantined manifest
            report.raise_if_failed(plan.label + (" with its bundled config" if bundled else ""))
        reports.append(report)
    result = reports[0].to_dict()
    result["bundled_config"] = {
        k: reports[1].to_dict().get(k)
        for k in ("status", "reason", "init_ms", "startup_duration_ms")
    }
    if report.status == "passed":
        with contextlib.suppress(OSError):  # a read-only cache just does not remember
            cached.parent.mkdir(parents=True, exist_ok=True)
            write_json(cached, result)
    return result


def _build_missing(
    ctx: Context, groups: list[list[LayerPlan]], progress: Progress
) -> dict[str, LayerEntry]:
    """Build each distribution's missing layers, ``jobs`` distributions at a time.

    Go already uses every core inside one build. On 2 cores a second concurrent build was
    measured slower (docs/benchmarks.md), hence the default of one; ``-j`` is for machines
    with cores to spare. The first failure cancels what has not started.
    """
    jobs = max(1, min(ctx.request.jobs or DEFAULT_JOBS, len(groups)))
    if jobs == 1:
        return {k: v for g in groups for k, v in build_distribution(ctx, g, progress).items()}
    entries: dict[str, LayerEntry] = {}
    with ThreadPoolExecutor(jobs, thread_name_prefix="ocelot-build") as pool:
        futures = [pool.submit(build_distribution, ctx, g, progress) for g in groups]
        try:
            for future in as_completed(futures):
                entries.update(future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return entries


def _check(ctx: Context, plan: LayerPlan, artifact: LayerArtifact, progress: Progress) -> None:
    """Budgets always; the boot check when asked. Failures name the layer and the figures."""
    init_ms = None
    if ctx.request.verify:
        result = _boot_check(ctx, plan, artifact, progress)
        artifact.manifest["verify"] = result
        write_json(artifact.manifest_path, artifact.manifest)
        # Under qemu init time measures the emulator, not the layer: no init budget there.
        if result["status"] == "passed" and not result.get("emulated"):
            init_ms = result.get("init_ms")
    manifest = artifact.manifest
    violations = check_budgets(
        plan.distribution.budgets,
        zip_size=manifest["zip"]["size"],
        unzipped_size=manifest["unzipped_size"],
        init_ms=init_ms,
    )
    if violations:
        raise VerifyError(f"{plan.label}: over budget: {'; '.join(violations)}")
