"""Build the layers a plan says are missing: one work tree and one overlay per
distribution, one ``go build`` per architecture, results into the cache."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from ocelot_build.core.errors import BuildError, UsageError
from ocelot_build.core.files import temp_dir, temp_prefix
from ocelot_build.core.progress import Progress
from ocelot_build.core.toolchain import HERMETIC
from ocelot_build.stages import collector_config, gobuild, startup
from ocelot_build.stages.buildinfo import (
    BuildInfo,
    check_linked,
    read_build_info,
    read_zip_build_info,
    required_modules,
)
from ocelot_build.stages.catalogue import members
from ocelot_build.stages.config import Distribution
from ocelot_build.stages.overlay import apply_overlay
from ocelot_build.stages.package import write_layer_zip
from ocelot_build.stages.plan import LayerPlan
from ocelot_build.stages.resolve import UPSTREAM_CONFIG, Context
from ocelot_build.stages.sbom import render_sbom, sbom_zip_sha256
from ocelot_build.stages.startup import AnchorMissing
from ocelot_build.store.cache import LayerEntry, file_sha256

RECORDED_ENV = {*HERMETIC, "GOOS", "GOARCH"}  # what the manifest says the build used
DEFAULT_JOBS = 1  # measured on 2 cores: see docs/benchmarks.md


def build_missing(
    ctx: Context, missing: list[LayerPlan], progress: Progress
) -> dict[str, LayerEntry]:
    """Build the layers the cache lacks, one distribution's layers together, ``jobs``
    distributions at a time.

    Go already uses every core inside one build. On 2 cores a second concurrent build was
    measured slower (docs/benchmarks.md), hence the default of one; ``-j`` is for machines
    with cores to spare. The first failure cancels what has not started.
    """
    by_dist: dict[str, list[LayerPlan]] = {}
    for plan in missing:
        by_dist.setdefault(plan.distribution.name, []).append(plan)
    groups = list(by_dist.values())
    if groups and not ctx.cache.writable():
        raise UsageError(
            f"cache {ctx.cache.root} is read-only and lacks "
            f"{', '.join(p.label for p in missing)}; use a writable OCELOT_CACHE_DIR or --no-cache"
        )
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


def build_distribution(
    ctx: Context, plans: list[LayerPlan], progress: Progress
) -> dict[str, LayerEntry]:
    """Build every plan of one distribution that the cache cannot serve."""
    dist = plans[0].distribution
    edits = not dist.start.is_upstream
    tree = _work_tree(ctx, progress, dist.name, private=plans[0].overlay.needs_go_mod or edits)
    entries: dict[str, LayerEntry] = {}
    try:
        if edits:
            _apply_start(dist, tree)
        if plans[0].overlay.needs_go_mod:
            names = (
                ", ".join(
                    c.tag.removeprefix("lambdacomponents.") for c in plans[0].overlay.components
                )
                or "go replaces only"
            )
            with progress.stage(f"{dist.name}: overlay ({names}) + go mod tidy"):
                _guard(
                    plans[0],
                    lambda: apply_overlay(
                        tree, plans[0].overlay, ctx.go, ctx.go.env(), verbose=ctx.request.verbose
                    ),
                )
        ids: dict[str, dict[str, tuple[str, ...]]] | None = None
        for plan in plans:
            with ctx.cache.lock(plan.key, on_wait=_waiting(plan, progress)):
                hit = ctx.cache.get(plan.key)  # built by another process while we waited
                if hit is not None:
                    entries[plan.key] = hit
                    progress.layer_done()
                    continue
                env = gobuild.go_env(ctx.go, plan.architecture)
                if ids is None:
                    ids = _check_config_fits(ctx, plan, tree, env, progress)
                entries[plan.key] = _build_one(ctx, plan, tree, env, ids, progress)
                progress.layer_done()
    finally:
        _discard(ctx, tree, progress)
    return entries


def _apply_start(dist: Distribution, tree: Path) -> None:
    """The cold-start edits (planning already checked that upstream's text allows them)."""
    try:
        go_mod = (tree / "go.mod").read_text(encoding="utf-8")
        startup.apply(tree, dist.start, startup.module_path(go_mod))
    except (AnchorMissing, OSError) as exc:
        raise BuildError(f"{dist.name}: config-providers/cold-start: {exc}") from None


def _waiting(plan: LayerPlan, progress: Progress) -> Callable[[], None]:
    return lambda: progress.say(f"{plan.label}: another ocelot is building it; waiting")


def _build_one(
    ctx: Context,
    plan: LayerPlan,
    tree: Path,
    env: dict[str, str],
    ids: dict[str, dict[str, tuple[str, ...]]],
    progress: Progress,
) -> LayerEntry:
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=temp_prefix("out")) as scratch:
        out = Path(scratch)
        with progress.stage(f"{plan.label}: go build"):
            binary = _guard(
                plan,
                lambda: gobuild.go_build(
                    tree,
                    out / "extensions",
                    plan.architecture,
                    plan.distribution.tags,
                    ctx.version,
                    ctx.source.commit,
                    ctx.go,
                    env,
                    verbose=ctx.request.verbose,
                ),
            )
        info = read_build_info(binary, ctx.go)
        components = _guard(
            plan,
            lambda: check_linked(
                info, required_modules(tree, ctx.go), ctx.catalogue.components, plan.intended
            ),
        )
        with progress.stage(f"{plan.label}: package"):
            layer = write_layer_zip(binary, plan.config, out / "layer.zip")
        facts = {
            "collector_version": ctx.version,
            "go_version": info.go_version or ctx.go.version,
            "commit": ctx.source.commit,
            "build_tags": list(plan.distribution.tags),
            "components": components,
            "component_ids": {
                k: sorted(ids[k][n][0] for n in names if n in ids[k])
                for k, names in components.items()
            },
            "modules": info.module_list(),
            "config_sha256": hashlib.sha256(plan.config).hexdigest(),
            "go_env": {k: env[k] for k in sorted(env) if k in RECORDED_ENV},
            "zip": {"sha256": file_sha256(layer.path), "size": layer.size},
            "unzipped_size": layer.unzipped_size,
            "cache_key": plan.key,
            "build_seconds": round(time.monotonic() - began, 1),
        }
        return ctx.cache.put(plan.key, layer.path, facts, layer_sbom(info, facts))


def layer_sbom(info: BuildInfo, facts: dict[str, Any]) -> bytes:
    """The SBOM of a cached layer: its build info plus facts already in its entry."""
    return render_sbom(
        info,
        zip_sha256=facts["zip"]["sha256"],
        collector_version=facts["collector_version"],
        commit=facts["commit"],
    )


def ensure_sbom(ctx: Context, entry: LayerEntry) -> bytes:
    """The entry's SBOM when it describes the entry's zip. Otherwise (an entry made before
    SBOMs, or a damaged file) one derived from the zip: the same bytes a fresh build
    writes, stored back when the cache is writable."""
    stored = entry.sbom_path.read_bytes() if entry.sbom_path.is_file() else b""
    if stored and sbom_zip_sha256(stored) == entry.facts["zip"]["sha256"]:
        return stored
    sbom = layer_sbom(read_zip_build_info(entry.zip_path, ctx.go), entry.facts)
    ctx.cache.add_sbom(entry, sbom)  # atomic, and racers write the same bytes: no lock
    return sbom


def _guard(plan: LayerPlan, action: Any) -> Any:
    try:
        return action()
    except BuildError as exc:
        raise BuildError(f"{plan.label}: {exc.message}", detail=exc.detail) from None


def _clean_tree(ctx: Context, progress: Progress) -> Path:
    """The commit's ``collector/``, extracted once and shared by every layer of every run.

    Builds that change nothing in the tree (no overlay, no replaces) compile in it
    directly; the others work on a copy, so the shared tree is never modified.
    """
    final = ctx.cache.tree_dir(ctx.source.commit)
    ctx.cache.touch(final)
    with ctx.cache.lock(f"tree-{ctx.source.commit}"):
        if not (final / "collector" / "go.mod").is_file():
            with progress.stage(f"extract upstream collector/ at {ctx.source.commit[:12]}"):
                staging = Path(tempfile.mkdtemp(prefix="tmp-", dir=ctx.cache.ensure()))
                try:
                    ctx.source.extract("collector", staging)
                    shutil.rmtree(final, ignore_errors=True)
                    final.parent.mkdir(parents=True, exist_ok=True)
                    staging.rename(final)
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
    return final / "collector"


def _work_tree(ctx: Context, progress: Progress, label: str, private: bool) -> Path:
    """The shared clean tree, or a private copy of it when the build will modify it."""
    shared = _clean_tree(ctx, progress)
    if not private:
        return shared
    root = temp_dir(label, kept=ctx.request.keep_temp)
    shutil.copytree(shared, root / "collector", symlinks=True)
    return root / "collector"


def _discard(ctx: Context, tree: Path, progress: Progress) -> None:
    """Remove a private work tree (``--keep-temp`` keeps it and says where)."""
    if ctx.request.keep_temp:
        progress.note(f"kept work tree: {tree}")
    elif tree != ctx.cache.tree_dir(ctx.source.commit) / "collector":
        shutil.rmtree(tree.parent, ignore_errors=True)


def _check_config_fits(
    ctx: Context, plan: LayerPlan, tree: Path, env: dict[str, str], progress: Progress
) -> dict[str, dict[str, tuple[str, ...]]]:
    """The distribution's collector config names only components the layer links (else the
    build fails), and a linked component it leaves unused is pointed out; the component ids
    found on the way go into the manifest."""
    comps = members(ctx.catalogue.components, plan.intended)
    ids = collector_config.component_ids(
        comps, ctx.registry, tree, ctx.go, env, plan.distribution.tags
    )
    where = (
        f"distribution {plan.distribution.name} "
        f"({plan.distribution.config_file or 'upstream ' + UPSTREAM_CONFIG})"
    )
    collector_config.check_config(plan.config, ids, where)
    idle = collector_config.unused(plan.config, ids)
    if idle:
        progress.note(
            f"warning: {where}: its bundled config leaves {', '.join(idle)} unused (linked, in "
            "no pipeline): use it in the config-file, or drop the tag unless functions bring "
            "their own config (OPENTELEMETRY_COLLECTOR_CONFIG_URI)"
        )
    return ids
