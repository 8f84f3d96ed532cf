"""The public surface of the build engine: what the CLI, the Pulumi program and bench call.

The types and defaults live in ``ocelot_build.core.types``; they are re-exported here so callers
need one import.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocelot_build.core.types import (
    DEFAULT_LAYER_NAME,
    DEFAULT_UPSTREAM_REF,
    DEFAULT_UPSTREAM_REPO,
    BuildRequest,
    LayerArtifact,
    PlannedLayer,
    ProgressCallback,
)
from ocelot_build.engine import dry_run, run
from ocelot_build.stages.config import Distribution

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
    request: BuildRequest,
    progress: ProgressCallback | None = None,
    *,
    distributions: Sequence[Distribution] | None = None,
) -> list[LayerArtifact]:
    """Build (or take from the cache) every distribution and architecture in ``request``,
    all from one upstream commit, and write zips plus manifests to ``request.output_dir``.

    ``distributions`` (resolved ones, e.g. the costs tool's ``minimal + X``) replaces the
    names in ``request`` once those are checked; they are validated like any other."""
    return run(request, progress, distributions)


def plan_build(
    request: BuildRequest, progress: ProgressCallback | None = None
) -> list[PlannedLayer]:
    """The dry run: every layer ``build_layers`` would produce, its cache key and whether
    the cache has it. Builds nothing and writes no output (the upstream is still fetched:
    the commit is part of every key)."""
    return dry_run(request, progress)
