"""``build_layers``, the one sequence: resolve → plan → build what the cache lacks → write
outputs → check. Each step is a function of the module of its stage."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ocelot_build.core.errors import VerifyError
from ocelot_build.core.files import sweep_stale, temp_prefix, write_json
from ocelot_build.core.progress import Progress
from ocelot_build.core.timings import Timings
from ocelot_build.core.types import BuildRequest, LayerArtifact, PlannedLayer
from ocelot_build.stages.builder import build_missing, ensure_sbom
from ocelot_build.stages.checks import check_layer
from ocelot_build.stages.config import Distribution
from ocelot_build.stages.outputs import check_output_dir, output_paths, quarantine, write_artifact
from ocelot_build.stages.plan import LayerPlan, plan_layers
from ocelot_build.stages.resolve import Context, resolve
from ocelot_build.store.cache import Cache, LayerEntry


def run(
    request: BuildRequest,
    callback: Callable[[str], None] | None = None,
    distributions: Sequence[Distribution] | None = None,
) -> list[LayerArtifact]:
    progress = Progress(verbose=request.verbose, callback=callback)
    timings = Timings()
    with progress, _no_shared_writes():
        ctx, chosen = resolve(request, progress)
        if distributions is not None:  # resolved ones (costs: minimal + X), names checked
            chosen = list(distributions)
        sweep_stale(Path(tempfile.gettempdir()))  # what killed runs left: ours, and old
        ctx.cache.sweep()
        plans = plan_layers(ctx, chosen)
        check_output_dir(request, plans)
        progress.expect(len(plans))
        with _run_cache(ctx) as ctx:
            entries = _cache_hits(ctx, plans, progress)
            missing = [p for p in plans if p.key not in entries]
            if request.keep_temp and not missing:
                progress.note("--keep-temp: every layer was a cache hit, so no work tree was made")
            entries |= build_missing(ctx, missing, progress, timings)
            artifacts = []
            for plan in plans:
                with timings.step(plan.label, "output"):
                    entry = entries[plan.key]
                    artifacts.append(
                        write_artifact(
                            request,
                            plan,
                            ctx.source,
                            entry,
                            not entry.built_here,  # a hit, even if another ocelot built it
                            ensure_sbom(ctx, entry),
                        )
                    )
            checked = _check_all(ctx, plans, artifacts, progress)
    if request.timings_path is not None:
        write_json(request.timings_path, timings.as_json())
    return checked


def _check_all(
    ctx: Context, plans: list[LayerPlan], artifacts: list[LayerArtifact], progress: Progress
) -> list[LayerArtifact]:
    """Check every layer, even after a failure (none may be left in -o unchecked); each
    failed one is quarantined, then the failures are raised together."""
    checked, failures = [], []
    for plan, artifact in zip(plans, artifacts, strict=True):
        try:
            checked.append(check_layer(ctx, plan, artifact, progress))
        except VerifyError as exc:
            quarantine(artifact, exc.message)
            failures.append(exc)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        detail = "\n".join(f.detail for f in failures if f.detail)
        raise VerifyError("; ".join(f.message for f in failures), detail=detail)
    return checked


def dry_run(
    request: BuildRequest, callback: Callable[[str], None] | None = None
) -> list[PlannedLayer]:
    """The same resolve → plan as ``run``, then stop: which layers the cache has."""
    progress = Progress(verbose=request.verbose, callback=callback)
    with progress, _no_shared_writes():
        ctx, chosen = resolve(request, progress)
        plans = plan_layers(ctx, chosen)
        check_output_dir(request, plans)
    return [
        PlannedLayer(
            plan.distribution.name,
            plan.architecture,
            plan.key,
            request.use_cache and ctx.cache.has(plan.key),
            output_paths(request, plan)[0],
        )
        for plan in plans
    ]


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


@contextlib.contextmanager
def _run_cache(ctx: Context) -> Iterator[Context]:
    """The run's layer cache: the user's, or with ``--no-cache`` a scratch one that is
    removed afterwards (upstream clones stay shared either way)."""
    if ctx.request.use_cache:
        yield ctx
        return
    with tempfile.TemporaryDirectory(prefix=temp_prefix("nocache")) as scratch:
        yield dataclasses.replace(ctx, cache=Cache(ctx.cache.root, Path(scratch)))


def _cache_hits(ctx: Context, plans: list[LayerPlan], progress: Progress) -> dict[str, LayerEntry]:
    hits: dict[str, LayerEntry] = {}
    for plan in plans:
        entry = ctx.cache.get(plan.key)
        if entry is not None:
            hits[plan.key] = entry
            progress.say(f"{plan.label}: cache hit {plan.key[:12]}")
            progress.layer_done()
    return hits
