"""Planning and the cache key as pure functions: an in-memory upstream, no git, no go."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from standin.fixtures import MINIMAL_TAGS, write_dists
from standin.model import MAIN_ONLY_COMPONENTS, TAGGED_COMPONENTS
from standin.render import render_tree

from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.core.toolchain import GoToolchain
from ocelot_build.core.types import BuildRequest
from ocelot_build.stages import plan
from ocelot_build.stages.buildinfo import parse_build_info
from ocelot_build.stages.catalogue import read_catalogue
from ocelot_build.stages.config import load_distributions
from ocelot_build.stages.plan import CACHE_FORMAT, LayerPlan, plan_layers
from ocelot_build.stages.resolve import Context
from ocelot_build.stages.sbom import render_sbom
from ocelot_build.stages.upstream import UpstreamSource
from ocelot_build.store.cache import REQUIRED_FACTS, Cache, file_sha256

COMMIT = "c" * 40


@dataclasses.dataclass(frozen=True)
class MemorySource(UpstreamSource):
    """The stand-in's files at one commit, served from memory."""

    files: dict[str, str] = dataclasses.field(default_factory=dict)

    def read_file(self, path: str) -> str | None:
        return self.files.get(path)

    def read_tree(self, prefix: str, suffix: str = "") -> dict[str, str]:
        return {
            p: t for p, t in self.files.items() if p.startswith(prefix + "/") and p.endswith(suffix)
        }


def context(
    tmp_path: Path, commit: str = COMMIT, go_version: str = "go1.26.6", **request
) -> Context:
    dists = load_distributions(
        write_dists(
            tmp_path / "d.yaml",
            {
                "default": {"description": "upstream default", "build-tags": []},
                "minimal": {"description": "small", "build-tags": MINIMAL_TAGS},
            },
        )
    )
    files = render_tree(TAGGED_COMPONENTS + MAIN_ONLY_COMPONENTS)
    source = MemorySource("stand-in", "file:///nowhere", "main", commit, Path("/nowhere"), files)
    fields = {"distributions": ("all",), "architectures": tuple(Architecture), **request}
    return Context(
        request=BuildRequest(**fields),
        dists=dists,
        registry={},
        go=GoToolchain(Path("/no/go"), None, go_version, "test"),
        cache=Cache(tmp_path / "cache"),
        source=source,
        version="v0.158.0",
        catalogue=read_catalogue(source, {}),
        default_config=files["collector/config.yaml"].encode(),
    )


def plans(ctx: Context) -> dict[str, LayerPlan]:
    chosen = ctx.dists.select(list(ctx.request.distributions))
    return {p.label: p for p in plan_layers(ctx, chosen)}


def test_every_distribution_and_architecture_is_planned_once(tmp_path):
    planned = plans(context(tmp_path))
    assert sorted(planned) == ["default/amd64", "default/arm64", "minimal/amd64", "minimal/arm64"]
    assert len({p.key for p in planned.values()}) == 4
    minimal = planned["minimal/amd64"]
    assert minimal.intended["receiver"] == ["otlp"]
    assert minimal.config == planned["default/arm64"].config  # upstream's own config.yaml


def test_the_key_is_a_pure_function_of_what_changes_the_bytes(tmp_path):
    base = plans(context(tmp_path))["minimal/amd64"].key
    assert plans(context(tmp_path))["minimal/amd64"].key == base
    renamed = plans(context(tmp_path, layer_name="other", output_dir=Path("x")))
    assert renamed["minimal/amd64"].key == base  # names and places are not bytes
    for changed in (
        context(tmp_path, commit="d" * 40),
        context(tmp_path, go_version="go1.26.7"),
    ):
        assert plans(changed)["minimal/amd64"].key != base


def test_bad_tags_are_found_before_anything_runs(tmp_path):
    ctx = context(tmp_path)
    broken = dataclasses.replace(
        ctx.dists.distributions["minimal"], tags=("lambdacomponents.custom", "lambdacomponents.x.y")
    )
    with pytest.raises(UsageError, match=r"distribution minimal: unknown build tag 'x\.y'"):
        plan_layers(ctx, [broken])


# What `go version -m` prints for a layer with a module replaced by a local directory and
# one replaced by another module: enough to show every rule the cached facts and SBOM follow.
BUILD_INFO = """\
/x/collector: go1.26.6
\tpath\tgithub.com/open-telemetry/opentelemetry-lambda/collector
\tmod\tgithub.com/open-telemetry/opentelemetry-lambda/collector\t(devel)\t
\tdep\tgithub.com/a/b\tv1.2.3\th1:AAAA=
\tdep\tgithub.com/c/d\tv0.1.0\th1:BBBB=
\t=>\tgithub.com/e/d\tv0.2.0\th1:CCCC=
\tdep\tgithub.com/open-telemetry/opentelemetry-lambda/collector/lambdacomponents\tv0.0.0
\t=>\t./lambdacomponents\t(devel)\t
\tbuild\t-tags=lambdacomponents.custom
\tbuild\tGOARCH=amd64
\tbuild\tGOOS=linux
"""
# The entry's derived content (build.json's modules and the SBOM) for BUILD_INFO, under each
# cache format. Format 2 named a local-dir replace "./lambdacomponents (devel)" with a purl.
ENTRY_CONTENT = {
    2: "6ad24b15b2247487b8eed4aadd7dace08d3cfef598f0d096f2cf2853ec549e9c",
    3: "6d4705efa797e6d37f3db06fc3d39a1f8f3e6a07406d7b1b2cfa2b8968a57fcf",
}


def entry_content() -> str:
    """A fingerprint of what a cache entry holds that is derived from the build, not keyed."""
    info = parse_build_info(BUILD_INFO)
    sbom = render_sbom(info, zip_sha256="ab" * 32, collector_version="v0.158.0", commit=COMMIT)
    rows = json.dumps(info.module_list(), sort_keys=True).encode()
    return hashlib.sha256(rows + sbom).hexdigest()


def test_what_an_entry_holds_changes_only_with_the_cache_format():
    """Cached entries keep the facts and SBOM they were written with, so a change to how
    they are derived must come with a new CACHE_FORMAT (a new key), or old entries are
    served with old content. Pin the new fingerprint under the new format."""
    assert entry_content() == ENTRY_CONTENT.get(CACHE_FORMAT), (
        f"entries now hold {entry_content()}: bump CACHE_FORMAT and record it"
    )
    assert len(set(ENTRY_CONTENT.values())) == len(ENTRY_CONTENT)


def test_an_entry_written_under_the_old_format_is_not_served(tmp_path, monkeypatch):
    """An entry from before the SBOM fix (format 2, its SBOM and modules naming the local
    replace "./lambdacomponents (devel)") is a miss now, so the layer is rebuilt."""
    ctx = context(tmp_path)
    monkeypatch.setattr(plan, "CACHE_FORMAT", 2)
    old_key = plans(ctx)["minimal/amd64"].key
    zip_path = tmp_path / "layer.zip"
    zip_path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    facts = {name: [] for name in REQUIRED_FACTS} | {
        "cache_key": old_key,
        "zip": {"sha256": file_sha256(zip_path), "size": 22},
    }
    ctx.cache.put(old_key, zip_path, facts, b"{}")
    assert ctx.cache.get(old_key) is not None
    monkeypatch.undo()
    new_key = plans(ctx)["minimal/amd64"].key
    assert new_key != old_key
    assert not ctx.cache.has(new_key) and ctx.cache.get(new_key) is None
