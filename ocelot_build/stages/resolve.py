"""Resolve a request once per run: the distributions, the component registry, Go, the cache
and the upstream commit, checked before any layer is planned.

Order matters: all input is checked (distributions, tags against the upstream catalogue,
config files) before the first ``go`` command runs, so bad input costs seconds and writes
nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocelot_build.core import proc
from ocelot_build.core.errors import UsageError
from ocelot_build.core.progress import Progress
from ocelot_build.core.toolchain import GoToolchain, find_go
from ocelot_build.core.types import BuildRequest
from ocelot_build.stages.catalogue import TagCatalogue, read_catalogue
from ocelot_build.stages.config import Distribution, DistributionsFile, load_distributions
from ocelot_build.stages.registry import PROJECT_REGISTRY, ComponentSpec, load_registry
from ocelot_build.stages.upstream import UpstreamSource, fetch_upstream
from ocelot_build.store.cache import Cache, yaml_memo

UPSTREAM_CONFIG = "collector/config.yaml"
OTELCOL_REQUIRE = re.compile(
    r"^\s*(?:require\s+)?go\.opentelemetry\.io/collector/otelcol\s+(v\S+)", re.MULTILINE
)
GO_DIRECTIVE = re.compile(r"^go\s+(\d+\.\d+(?:\.\d+)?)", re.MULTILINE)


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
    default_config: bytes  # upstream's collector/config.yaml at the commit


def resolve(request: BuildRequest, progress: Progress) -> tuple[Context, list[Distribution]]:
    dists = load_distributions(request.config_path, memo=yaml_memo())
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
    default_config = (source.read_file(UPSTREAM_CONFIG) or "").encode()
    ctx = Context(request, dists, registry, go, cache, source, version, catalogue, default_config)
    return ctx, chosen


def collector_version(go_mod: str) -> str:
    match = OTELCOL_REQUIRE.search(go_mod)
    if not match:
        raise ValueError("collector/go.mod does not require go.opentelemetry.io/collector/otelcol")
    return match.group(1)


def go_directive(go_mod: str) -> str:
    match = GO_DIRECTIVE.search(go_mod)
    return match.group(1) if match else "1.21"
