"""Work trees: the commit's clean ``collector/``, shared by every layer of every run, or a
private copy with an overlay applied, made once for every layer that needs that overlay."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ocelot_build.core.errors import BuildError
from ocelot_build.core.files import temp_dir
from ocelot_build.core.progress import Progress
from ocelot_build.core.timings import Timings
from ocelot_build.stages import collector_config, gobuild, startup
from ocelot_build.stages.catalogue import members
from ocelot_build.stages.config import Distribution
from ocelot_build.stages.overlay import apply_overlay
from ocelot_build.stages.plan import LayerPlan
from ocelot_build.stages.resolve import UPSTREAM_CONFIG, Context
from ocelot_build.stages.schedule import Tree
from ocelot_build.stages.startup import AnchorMissing

T = TypeVar("T")
ComponentIds = dict[str, dict[str, tuple[str, ...]]]  # kind → {name: YAML ids}


def prepare(ctx: Context, tree: Tree, progress: Progress, timings: Timings) -> Path:
    """The tree's ``collector/``, overlay applied and tidied; removed again if that fails."""
    dist = tree.plans[0].distribution  # its name names the directory; its edits are all's
    with timings.step(f"tree {tree.name}", "work tree"):
        path = _work_tree(ctx, progress, dist.name, private=tree.private)
        try:
            _apply_start(dist, path)
        except BaseException:
            discard(ctx, path, progress)
            raise
    if not tree.overlay.needs_go_mod:
        return path
    names = (
        ", ".join(c.tag.removeprefix("lambdacomponents.") for c in tree.overlay.components)
        or "go replaces only"
    )
    try:
        with (
            progress.stage(f"{tree.name}: overlay ({names}) + go mod tidy"),
            timings.step(f"tree {tree.name}", "overlay + tidy"),
        ):
            blame(  # on its first layer: "minimal/amd64: go failed …"
                tree.plans[0],
                lambda: apply_overlay(
                    path, tree.overlay, ctx.go, ctx.go.env(), verbose=ctx.request.verbose
                ),
            )
    except BaseException:
        discard(ctx, path, progress)
        raise
    return path


def _apply_start(dist: Distribution, tree: Path) -> None:
    """The cold-start edits (planning already checked that upstream's text allows them)."""
    if dist.start.is_upstream:
        return
    try:
        go_mod = (tree / "go.mod").read_text(encoding="utf-8")
        startup.apply(tree, dist.start, startup.module_path(go_mod))
    except (AnchorMissing, OSError) as exc:
        raise BuildError(f"{dist.name}: config-providers/cold-start: {exc}") from None


def config_ids(ctx: Context, plan: LayerPlan, tree: Path, progress: Progress) -> ComponentIds:
    """The distribution's collector config names only components the layer links (else the
    build fails), and a linked component it leaves unused is pointed out; the component ids
    found on the way go into the manifest."""
    env = gobuild.go_env(ctx.go, plan.architecture)
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


def discard(ctx: Context, tree: Path, progress: Progress) -> None:
    """Remove a private work tree (``--keep-temp`` keeps it and says where)."""
    if ctx.request.keep_temp:
        progress.note(f"kept work tree: {tree}")
    elif tree != ctx.cache.tree_dir(ctx.source.commit) / "collector":
        shutil.rmtree(tree.parent, ignore_errors=True)


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


def blame(plan: LayerPlan, action: Callable[[], T]) -> T:
    """Run ``action``; a ``BuildError`` from it names the layer (``minimal/arm64: …``)."""
    try:
        return action()
    except BuildError as exc:
        raise BuildError(f"{plan.label}: {exc.message}", detail=exc.detail) from None
