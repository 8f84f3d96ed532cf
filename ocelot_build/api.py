"""The public surface of the build engine: what the CLI, the Pulumi program and bench call.

The types and defaults live in ``ocelot_build.types``; they are re-exported here so callers
need one import.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocelot_build.config import Distribution
from ocelot_build.engine import run
from ocelot_build.types import (
    DEFAULT_LAYER_NAME,
    DEFAULT_UPSTREAM_REF,
    DEFAULT_UPSTREAM_REPO,
    BuildRequest,
    LayerArtifact,
    ProgressCallback,
)

__all__ = [
    "DEFAULT_LAYER_NAME",
    "DEFAULT_UPSTREAM_REF",
    "DEFAULT_UPSTREAM_REPO",
    "BuildRequest",
    "LayerArtifact",
    "ProgressCallback",
    "build_layers",
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
