"""The public types and defaults of the build engine, in a module of their own.

Every stage imports them from here; ``api`` re-exports them with ``build_layers``, so no
stage needs to import ``api`` (which imports the engine) and the import graph has no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ocelot_build.core.manifest import LayerManifest
from ocelot_build.core.model import Architecture

DEFAULT_UPSTREAM_REPO = "open-telemetry/opentelemetry-lambda"
DEFAULT_UPSTREAM_REF = "main"
DEFAULT_LAYER_NAME = "ocel"


@dataclass(frozen=True)
class BuildRequest:
    """Everything that decides which layers get built and where they go."""

    distributions: tuple[str, ...]
    architectures: tuple[Architecture, ...]
    upstream_repo: str = DEFAULT_UPSTREAM_REPO
    upstream_ref: str = DEFAULT_UPSTREAM_REF
    layer_name: str = DEFAULT_LAYER_NAME
    config_path: Path | None = None  # None: the project's config/distributions.yaml
    registry_path: Path | None = None  # None: the project's config/components.yaml
    output_dir: Path = Path("build")
    use_cache: bool = True
    keep_temp: bool = False
    verbose: bool = False
    verify: bool = False
    sandbox: bool = True  # boot check inside bwrap; False only by explicit --no-sandbox
    limits: bool = True  # boot check in Lambda's memory/CPU/process limits; False: --no-limits
    jobs: int | None = None  # parallel Go builds; None: decided by the engine


@dataclass(frozen=True)
class LayerArtifact:
    """One built layer: the zip, its manifest and SBOM beside it, and whether the cache served
    it."""

    distribution: str
    architecture: Architecture
    zip_path: Path
    manifest_path: Path
    manifest: LayerManifest = field(hash=False, compare=False)
    cache_hit: bool = False
    sbom_path: Path | None = None  # <layer>-<distribution>-<arch>.cdx.json beside the zip

    @property
    def sha256(self) -> str:
        return self.manifest.zip.sha256

    @property
    def collector_version(self) -> str:
        return self.manifest.collector_version

    @property
    def upstream_commit(self) -> str:
        return self.manifest.upstream.commit


@dataclass(frozen=True)
class PlannedLayer:
    """One layer of a dry run: what would be built or served, and where it would go."""

    distribution: str
    architecture: Architecture
    cache_key: str
    cache_hit: bool
    zip_path: Path


ProgressCallback = Callable[[str], None]
