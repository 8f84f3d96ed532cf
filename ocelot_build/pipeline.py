"""The orchestrator: resolve everything, validate everything, then build what is missing.

Order matters: all input is checked (distributions, tags against the upstream catalogue,
config files) before the first ``go`` command runs, so bad input costs seconds and writes
nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ocelot_build import collector_config, proc
from ocelot_build.api import BuildRequest
from ocelot_build.cache import Cache
from ocelot_build.catalogue import TagCatalogue, members, read_catalogue
from ocelot_build.config import Distribution, DistributionsFile, load_distributions
from ocelot_build.errors import BuildError, UsageError
from ocelot_build.files import temp_dir
from ocelot_build.overlay import OverlayPlan
from ocelot_build.plan import LayerPlan, cache_key, collector_version, go_directive
from ocelot_build.progress import Progress
from ocelot_build.registry import PROJECT_REGISTRY, ComponentSpec, load_registry
from ocelot_build.toolchain import GoToolchain, find_go
from ocelot_build.upstream import UpstreamSource, fetch_upstream

UPSTREAM_CONFIG = "collector/config.yaml"


@dataclass(frozen=True)
class Context:
    """Everything resolved once per run and shared by every layer."""

    request: BuildRequest
    dists: DistributionsFile
    registry: dict[str, ComponentSpec]
    go: GoToolchain
    cache: Cache
    source: UpstreamSource
    version: str
    catalogue: TagCatalogue


def resolve(request: BuildRequest, progress: Progress) -> tuple[Context, list[Distribution]]:
    dists = load_distributions(request.config_path)
    registry = load_registry(
        dists.components, dists.path.parent, request.registry_path or PROJECT_REGISTRY
    )
    chosen = dists.select(list(request.distributions))
    go = find_go()
    cache = Cache()
    with progress.stage(f"upstream {proc.redact(request.upstream_repo)} @ {request.upstream_ref}"):
        source = fetch_upstream(
            request.upstream_repo, request.upstream_ref, cache, verbose=request.verbose
        )
    progress.say(f"upstream commit {source.commit[:12]}")
    go_mod = source.read_file("collector/go.mod")
    if go_mod is None:
        raise UsageError(
            f"{source.repo} at {source.commit[:12]} has no "
            "collector/go.mod: is it opentelemetry-lambda?"
        )
    try:
        version = collector_version(go_mod)
    except ValueError as exc:
        raise UsageError(f"{source.repo} at {source.commit[:12]}: {exc}") from None
    go.require(go_directive(go_mod), f"upstream collector/go.mod at {source.commit[:12]}")
    catalogue = read_catalogue(source, registry)
    return Context(request, dists, registry, go, cache, source, version, catalogue), chosen


def plan_layers(ctx: Context, chosen: list[Distribution]) -> list[LayerPlan]:
    """Validate every distribution against the catalogue, then key every layer."""
    problems: list[str] = []
    default_config = (ctx.source.read_file(UPSTREAM_CONFIG) or "").encode()
    configs: dict[str, bytes] = {}
    for dist in chosen:
        problems += ctx.catalogue.check(dist.tags, f"distribution {dist.name}")
        if dist.config_file and not dist.config_file.is_file():
            problems.append(
                f"distribution {dist.name}: config-file {dist.config_file} does not exist"
            )
            continue
        configs[dist.name] = dist.config_file.read_bytes() if dist.config_file else default_config
        if dist.config_file:
            problems += collector_config.syntax_problems(
                configs[dist.name], f"distribution {dist.name}"
            )
    if problems:
        raise UsageError("; ".join(problems))
    plans = []
    for dist in chosen:
        selected = ctx.catalogue.overlay_selected(dist.tags)
        overlay = OverlayPlan(
            components=tuple(ctx.registry[c.tag] for c in selected),
            collector_version=ctx.version,
            go_replaces=tuple(sorted(ctx.dists.go_replaces.items())),
        )
        config = configs[dist.name]
        intended = ctx.catalogue.intended(dist.tags)
        for arch in ctx.request.architectures:
            key = cache_key(ctx.source, dist, arch, overlay, config, ctx.go)
            plans.append(LayerPlan(dist, arch, overlay, config, intended, key))
    return plans


def clean_tree(ctx: Context, progress: Progress) -> Path:
    """The commit's ``collector/``, extracted once and shared by every layer of every run.

    Builds that change nothing in the tree (no overlay, no replaces) compile in it
    directly; the others work on a copy, so the shared tree is never modified.
    """
    final = ctx.cache.tree_dir(ctx.source.commit)
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


def work_tree(ctx: Context, progress: Progress, label: str, private: bool) -> Path:
    """The shared clean tree, or a private copy of it when the build will modify it."""
    shared = clean_tree(ctx, progress)
    if not private:
        return shared
    root = temp_dir(label, kept=ctx.request.keep_temp)
    shutil.copytree(shared, root / "collector", symlinks=True)
    return root / "collector"


def discard(ctx: Context, tree: Path, progress: Progress) -> None:
    if ctx.request.keep_temp:
        progress.say(f"kept work tree: {tree}")
        print(f"kept work tree: {tree}")
    elif tree != ctx.cache.tree_dir(ctx.source.commit) / "collector":
        shutil.rmtree(tree.parent, ignore_errors=True)


def check_config_fits(
    ctx: Context, plan: LayerPlan, tree: Path, env: dict[str, str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    comps = members(ctx.catalogue.components, plan.intended)
    ids = collector_config.component_ids(
        comps, ctx.registry, tree, ctx.go, env, plan.distribution.tags
    )
    where = (
        f"distribution {plan.distribution.name} "
        f"({plan.distribution.config_file or 'upstream ' + UPSTREAM_CONFIG})"
    )
    collector_config.check_config(plan.config, ids, where)
    return ids


def fail_with_context(plan: LayerPlan, exc: BuildError) -> BuildError:
    return BuildError(f"{plan.label}: {exc.message}", detail=exc.detail)
