"""Planning and the cache key as pure functions: an in-memory upstream, no git, no go."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from standin.fixtures import MINIMAL_TAGS, write_dists
from standin.model import MAIN_ONLY_COMPONENTS, TAGGED_COMPONENTS
from standin.render import render_tree

from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.core.toolchain import GoToolchain
from ocelot_build.core.types import BuildRequest
from ocelot_build.stages.catalogue import read_catalogue
from ocelot_build.stages.config import load_distributions
from ocelot_build.stages.plan import LayerPlan, plan_layers
from ocelot_build.stages.resolve import Context
from ocelot_build.stages.upstream import UpstreamSource
from ocelot_build.store.cache import Cache

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
