"""Build the layers a plan says are missing, in the order ``schedule`` decides: one work
tree per distinct overlay, one ``go build`` per layer, results into the cache."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path
from typing import Any

from ocelot_build.core.errors import UsageError
from ocelot_build.core.files import temp_prefix
from ocelot_build.core.progress import Progress
from ocelot_build.core.timings import Timings
from ocelot_build.core.toolchain import HERMETIC
from ocelot_build.stages import gobuild, worktree
from ocelot_build.stages.buildinfo import (
    BuildInfo,
    check_linked,
    read_build_info,
    read_zip_build_info,
    required_modules,
)
from ocelot_build.stages.package import write_layer_zip
from ocelot_build.stages.plan import LayerPlan
from ocelot_build.stages.resolve import Context
from ocelot_build.stages.sbom_id import sbom_zip_sha256
from ocelot_build.stages.schedule import Schedule, Tree, choose_jobs, schedule
from ocelot_build.stages.taskgraph import Task, run_tasks
from ocelot_build.store.cache import LayerEntry, file_sha256

RECORDED_ENV = {*HERMETIC, "GOOS", "GOARCH"}  # what the manifest says the build used


def build_missing(
    ctx: Context, missing: list[LayerPlan], progress: Progress, timings: Timings
) -> dict[str, LayerEntry]:
    """Build the layers the cache lacks (see ``schedule`` for the order and ``-j``). The
    first failure starts nothing more; work trees are removed whatever happens."""
    if missing and not ctx.cache.writable():
        raise UsageError(
            f"cache {ctx.cache.root} is read-only and lacks "
            f"{', '.join(p.label for p in missing)}; use a writable OCELOT_CACHE_DIR or --no-cache"
        )
    jobs = choose_jobs(ctx.request.jobs, len(missing), _cpus(), _memory())
    plan = schedule(missing, jobs)
    timings.facts.update(
        jobs=jobs,
        leads=[p.label for p in plan.leads],
        trees=[t.name for t in plan.trees],
    )
    if plan.leads and jobs > 1:
        progress.say(f"{jobs} jobs; first {', '.join(p.label for p in plan.leads)}")
    return _Run(ctx, plan, progress, timings).run()


class _Run:
    """One schedule's execution: trees prepared on demand and removed after their last
    layer, entries collected from the worker threads."""

    def __init__(self, ctx: Context, plan: Schedule, progress: Progress, timings: Timings):
        self.ctx, self.plan, self.progress, self.timings = ctx, plan, progress, timings
        self.paths: dict[str, Path] = {}  # tree name → its collector/
        self.ids: dict[str, worktree.ComponentIds] = {}  # distribution → component ids
        self.left = {t.name: len(t.plans) for t in plan.trees}  # layers still to build
        self.entries: dict[str, LayerEntry] = {}
        self.lock = threading.Lock()

    def run(self) -> dict[str, LayerEntry]:
        tasks: list[Task] = []
        for layer in self.plan.layers:
            tree = self.plan.tree_of(layer)
            if not any(t.name == f"tree {tree.name}" for t in tasks):
                tasks.append(Task(f"tree {tree.name}", (), partial(self.prepare, tree)))
            lead = self.plan.waits_for(layer)
            after = (f"tree {tree.name}", *((lead.label,) if lead else ()))
            tasks.append(Task(layer.label, after, partial(self.layer, layer, tree)))
        try:
            run_tasks(tasks, self.plan.jobs)
        finally:
            for path in self.paths.values():  # the trees of layers that never ran
                worktree.discard(self.ctx, path, self.progress)
        return self.entries

    def prepare(self, tree: Tree) -> None:
        path = worktree.prepare(self.ctx, tree, self.progress, self.timings)
        self.paths[tree.name] = path
        for plan in {p.distribution.name: p for p in reversed(tree.plans)}.values():
            with self.timings.step(f"tree {tree.name}", "config ids"):
                self.ids[plan.distribution.name] = worktree.config_ids(
                    self.ctx, plan, path, self.progress
                )

    def layer(self, plan: LayerPlan, tree: Tree) -> None:
        try:
            with self.ctx.cache.lock(plan.key, on_wait=_waiting(plan, self.progress)):
                hit = self.ctx.cache.get(plan.key)  # built by another process while we waited
                self.entries[plan.key] = hit or _build_one(
                    self.ctx,
                    plan,
                    self.plan.go_procs(plan),
                    self.paths[tree.name],
                    self.ids[plan.distribution.name],
                    self.progress,
                    self.timings,
                )
            self.progress.layer_done()
        finally:
            with self.lock:
                self.left[tree.name] -= 1
                last = self.left[tree.name] == 0
            if last:
                worktree.discard(self.ctx, self.paths.pop(tree.name), self.progress)


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


def _waiting(plan: LayerPlan, progress: Progress) -> Callable[[], None]:
    return lambda: progress.say(f"{plan.label}: another ocelot is building it; waiting")


def _build_one(
    ctx: Context,
    plan: LayerPlan,
    go_procs: int | None,
    tree: Path,
    ids: worktree.ComponentIds,
    progress: Progress,
    timings: Timings,
) -> LayerEntry:
    began = time.monotonic()
    # GOMAXPROCS is not recorded (RECORDED_ENV): it changes how fast Go compiles, not what.
    procs = {"GOMAXPROCS": str(go_procs)} if go_procs is not None else None
    env = gobuild.go_env(ctx.go, plan.architecture, procs)

    def step(name: str) -> AbstractContextManager[None]:
        return timings.step(plan.label, name)

    with tempfile.TemporaryDirectory(prefix=temp_prefix("out")) as scratch:
        out = Path(scratch)
        with progress.stage(f"{plan.label}: go build"), step("go build"):
            binary = worktree.blame(
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
        with step("build info"):
            info = read_build_info(binary, ctx.go)
            required = required_modules(tree, ctx.go)
            components = worktree.blame(
                plan,
                lambda: check_linked(info, required, ctx.catalogue.components, plan.intended),
            )
        with progress.stage(f"{plan.label}: package"), step("package"):
            layer = write_layer_zip(binary, plan.config, out / "layer.zip")
        with step("sbom + cache"):
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
    """The SBOM of a cached layer: its build info plus facts already in its entry. The
    renderer is imported here, where an SBOM is made (see ``stages.sbom_id``)."""
    from ocelot_build.stages.sbom import render_sbom

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
