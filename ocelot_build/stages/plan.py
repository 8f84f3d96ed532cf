"""Plan a build without running it: which layers, from which inputs, under which cache key.

The key covers everything that changes the zip's bytes (upstream commit, tags, arch,
overlay files and module pins, go replaces, collector config, Go version, build flags, the
zip format) and nothing that does not (layer name, distribution name, how the ref was
spelt), so a branch name and its SHA share one cache entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ocelot_build.core.errors import UsageError
from ocelot_build.core.files import not_a_file
from ocelot_build.core.localpaths import tree_digest
from ocelot_build.core.model import Architecture
from ocelot_build.core.toolchain import GoToolchain
from ocelot_build.stages import collector_config, gobuild, package, startup
from ocelot_build.stages.config import Distribution
from ocelot_build.stages.overlay import OverlayPlan
from ocelot_build.stages.resolve import Context
from ocelot_build.stages.startup import AnchorMissing
from ocelot_build.stages.upstream import UpstreamSource
from ocelot_build.store.cache import digest

# The format of what a cache entry holds beyond its keyed inputs (build.json's facts, the
# SBOM): bump it whenever their derivation changes, so old entries are missed, not served
# (tests/unit/test_plan.py pins a fingerprint per format).
# 2: local overlay modules aligned to upstream requirements
# 3: a module replaced by a local directory is named by its path ("./dir", no "(devel)" and
#    no purl) in build.json and the SBOM
CACHE_FORMAT = 3


@dataclass(frozen=True)
class LayerPlan:
    distribution: Distribution
    architecture: Architecture
    overlay: OverlayPlan
    config: bytes
    intended: dict[str, list[str]]
    key: str
    # The config URI schemes linked (startup.linked_providers): for the manifest, not the
    # key, which has the options that decide them; None when upstream's list is unreadable.
    providers: tuple[str, ...] | None

    @property
    def label(self) -> str:
        return f"{self.distribution.name}/{self.architecture.value}"


def plan_layers(ctx: Context, chosen: list[Distribution]) -> list[LayerPlan]:
    """Validate every distribution against the catalogue, then key every layer. Pure but
    for reading the distributions' own config files and upstream's collector.go (one read
    of the fetched source): no build, no go."""
    problems: list[str] = []
    configs: dict[str, bytes] = {}
    for dist in chosen:
        problems += ctx.catalogue.check(dist.tags, f"distribution {dist.name}")
        problem = dist.config_file and not_a_file(dist.config_file)
        if problem:
            problems.append(f"distribution {dist.name}: config-file {dist.config_file} {problem}")
            continue
        config = dist.config_file.read_bytes() if dist.config_file else ctx.default_config
        configs[dist.name] = config
        if dist.config_file:
            problems += collector_config.syntax_problems(
                configs[dist.name], f"distribution {dist.name}"
            )
    collector_go = ctx.source.read_file(f"collector/{startup.COLLECTOR_GO.as_posix()}")
    problems += _start_problems(ctx, chosen, collector_go)
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
        providers = startup.linked_providers(collector_go, dist.start)
        for arch in ctx.request.architectures:
            key = cache_key(ctx.source, dist, arch, overlay, config, ctx.go)
            plans.append(LayerPlan(dist, arch, overlay, config, intended, key, providers))
    return plans


def _start_problems(ctx: Context, chosen: list[Distribution], text: str | None) -> list[str]:
    """Cold-start options whose edit upstream's ``text`` (its collector.go, None when absent)
    at this commit does not allow."""
    wanted = [d for d in chosen if not d.start.is_upstream]
    if not wanted:
        return []
    go_mod = ctx.source.read_file("collector/go.mod") or ""
    problems = []
    for dist in wanted:
        try:
            if text is None:
                raise AnchorMissing(f"{startup.COLLECTOR_GO} is missing")
            startup.edit(text, dist.start, startup.module_path(go_mod))
        except AnchorMissing as exc:
            problems.append(
                f"distribution {dist.name}: config-providers/cold-start cannot be applied to "
                f"upstream {ctx.source.commit[:12]}: {exc}"
            )
    return problems


def cache_key(
    source: UpstreamSource,
    dist: Distribution,
    arch: Architecture,
    overlay: OverlayPlan,
    config: bytes,
    go: GoToolchain,
) -> str:
    version = overlay.collector_version
    start = dist.start.key()
    return digest(
        ({"start": start} if start else {})
        | {
            "format": CACHE_FORMAT,
            "commit": source.commit,
            "tags": list(dist.tags),
            "arch": arch.value,
            "overlay": [
                _overlay_inputs(spec_tag, overlay)
                for spec_tag in sorted(c.tag for c in overlay.components)
            ],
            "go_replaces": [[old, new, _local_digest(new)] for old, new in overlay.go_replaces],
            "config_sha256": hashlib.sha256(config).hexdigest(),
            "go_version": go.version,
            "flags": gobuild.build_flags(dist.tags, version, source.commit),
            "zip": [package.COMPRESS_LEVEL, list(package.FIXED_DATE)],
        }
    )


def _overlay_inputs(tag: str, overlay: OverlayPlan) -> dict[str, object]:
    spec = next(c for c in overlay.components if c.tag == tag)
    versions = dict((m.path, v) for m, v in overlay.requirements())
    return {
        "tag": tag,
        "files": {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in spec.files},
        "modules": [
            [m.path, versions[m.path], tree_digest(m.local, tag) if m.local else None]
            for m in spec.modules
        ],
    }


def _local_digest(target: str) -> str | None:
    """A go-replaces target that is a directory (Go's rule: ./, ../ or absolute) is keyed
    by its content, so editing it is a new key rather than a stale hit."""
    if not (target.startswith(("./", "../")) or Path(target).is_absolute()):
        return None
    return tree_digest(Path(target), f"go-replaces {target}")
