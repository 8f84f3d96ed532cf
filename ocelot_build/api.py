"""The public surface of the build engine: what the CLI, the Pulumi program and bench call.

The types and defaults live in ``ocelot_build.types``; they are re-exported here so callers
need one import.
"""

from __future__ import annotations

from ocelot_build.engine import dry_run, run
from ocelot_build.types import (
    DEFAULT_LAYER_NAME,
    DEFAULT_UPSTREAM_REF,
    DEFAULT_UPSTREAM_REPO,
    BuildRequest,
    LayerArtifact,
    PlannedLayer,
    ProgressCallback,
)

__all__ = [
    "DEFAULT_LAYER_NAME",
    "DEFAULT_UPSTREAM_REF",
    "DEFAULT_UPSTREAM_REPO",
    "BuildRequest",
    "LayerArtifact",
    "PlannedLayer",
    "ProgressCallback",
    "build_layers",
    "plan_build",
]


def build_layers(
    request: BuildRequest, progress: ProgressCallback | None = None
) -> list[LayerArtifact]:
    """Build (or take from the cache) every distribution and architecture in ``request``,
    all from one upstream commit, and write zips plus manifests to ``request.output_dir``."""
    return run(request, progress)


def plan_build(
    request: BuildRequest, progress: ProgressCallback | None = None
) -> list[PlannedLayer]:
    """The dry run: every layer ``build_layers`` would produce, its cache key and whether
    the cache has it. Builds nothing and writes no output (the upstream is still fetched:
    the commit is part of every key)."""
    return dry_run(request, progress)
