"""The last stage: every written layer is checked against its distribution's budgets and,
when asked, booted (``ocelot_build.verify``). A passed boot check of the same bytes is
remembered in the cache; a failure is recorded in the layer's manifest before it is raised.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ocelot_build.core.budgets import check_budgets
from ocelot_build.core.errors import VerifyError
from ocelot_build.core.progress import Progress
from ocelot_build.core.types import LayerArtifact
from ocelot_build.stages.plan import LayerPlan
from ocelot_build.stages.resolve import Context
from ocelot_build.store.cache import digest, file_sha256

VERIFY_CACHE_FORMAT = 3


def check_layer(
    ctx: Context, plan: LayerPlan, artifact: LayerArtifact, progress: Progress
) -> LayerArtifact:
    """Budgets always; the boot check when asked, its report written into the manifest (the
    artifact returned carries it). Failures name the layer and the figures."""
    init_ms = None
    if ctx.request.verify:
        result = _boot_check(ctx, plan, artifact, progress)
        artifact = _with_verify(artifact, result)
        # Under qemu init time measures the emulator, not the layer: no init budget there.
        if result["status"] == "passed" and not result.get("emulated"):
            init_ms = result.get("init_ms")
    violations = check_budgets(
        plan.distribution.budgets,
        zip_size=artifact.manifest.zip.size,
        unzipped_size=artifact.manifest.unzipped_size,
        init_ms=init_ms,
    )
    if violations:
        raise VerifyError(f"{plan.label}: over budget: {'; '.join(violations)}")
    return artifact


def _with_verify(artifact: LayerArtifact, report: dict[str, Any]) -> LayerArtifact:
    manifest = artifact.manifest.with_verify(report)
    manifest.write(artifact.manifest_path)
    return dataclasses.replace(artifact, manifest=manifest)


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
            "components": artifact.manifest.components,
            "format": VERIFY_CACHE_FORMAT,
            "sandbox": ctx.request.sandbox,  # a pass without isolation proves less
            "memory_mb": plan.distribution.memory_mb,  # a pass at 1,769 MB says little of 128
            "limits": ctx.request.limits,
        }
    )
    cached = ctx.cache.recall_verify(key)
    if cached is not None:
        progress.say(f"{plan.label}: boot check passed before for these bytes (cached)")
        return {**cached, "cached": True}
    reports = []
    for bundled in (False, True):  # the OTLP round trip, then the layer's own config
        what = "boot check" + (" with the bundled config" if bundled else "")
        with progress.stage(f"{plan.label}: {what}"):
            report = verify_layer(
                artifact.zip_path,
                architecture=plan.architecture,
                components=artifact.manifest.components,
                bundled_config=bundled,
                sandbox=ctx.request.sandbox,
                memory_mb=plan.distribution.memory_mb,
                limits=ctx.request.limits,
            )
        progress.say(f"{plan.label}: {what} {report.status} {report.reason or ''}".rstrip())
        if report.status == "failed":
            _with_verify(artifact, report.to_dict())
            report.raise_if_failed(plan.label + (" with its bundled config" if bundled else ""))
        reports.append(report)
    result = reports[0].to_dict()
    result["bundled_config"] = {
        k: reports[1].to_dict().get(k)
        for k in ("status", "reason", "init_ms", "init_cpu_ms", "startup_duration_ms")
    }
    if report.status == "passed":
        ctx.cache.remember_verify(key, result)
    return result
