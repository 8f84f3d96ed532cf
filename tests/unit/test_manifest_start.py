"""The manifest records a distribution's cold-start options as built (``config_providers``,
``cold_start``): two layers built with different options can be told apart, and ``diff``
names the change. Planning and composing only: an in-memory upstream, no git, no go."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from standin.fixtures import MINIMAL_TAGS, write_dists
from test_plan import context
from test_startup import COLLECTOR_GO

from ocelot_build.core.manifest import LayerManifest
from ocelot_build.core.model import Architecture
from ocelot_build.stages import startup
from ocelot_build.stages.config import load_distributions
from ocelot_build.stages.outputs import compose_manifest
from ocelot_build.stages.plan import plan_layers
from ocelot_build.stages.resolve import Context
from ocelot_build.store.cache import LayerEntry

UPSTREAM_GO = f"collector/{startup.COLLECTOR_GO.as_posix()}"
ALL_SEVEN = ("env", "file", "http", "https", "s3", "secretsmanager", "yaml")
DISTS = {  # list(): one list twice would be a YAML alias, which ocelot refuses
    "default": {"description": "upstream's start", "build-tags": []},
    "lean": {
        "description": "fewer providers, both cuts",
        "build-tags": list(MINIMAL_TAGS),
        "config-providers": ["yaml", "file", "env"],
        "cold-start": ["sleep-wait", "gc-off"],
    },
    "cut": {"description": "one cut", "build-tags": list(MINIMAL_TAGS), "cold-start": ["gc-off"]},
}


def start_context(tmp_path: Path, collector_go: str | None = COLLECTOR_GO) -> Context:
    """test_plan's context with upstream's collector.go and distributions that set options."""
    ctx = context(tmp_path, architectures=(Architecture.AMD64,))
    files = {p: t for p, t in ctx.source.files.items() if p != UPSTREAM_GO}
    if collector_go is not None:
        files[UPSTREAM_GO] = collector_go
    return dataclasses.replace(
        ctx,
        dists=load_distributions(write_dists(tmp_path / "start.yaml", DISTS)),
        source=dataclasses.replace(ctx.source, files=files),
    )


def manifests(ctx: Context, *names: str) -> dict[str, LayerManifest]:
    """Each distribution's manifest (all by default) as the engine composes it over a
    cached entry."""
    chosen = ctx.dists.select(list(names) or ["all"])
    return {
        p.distribution.name: compose_manifest(ctx.request, p, ctx.source, entry(p.key), "x.zip")
        for p in plan_layers(ctx, chosen)
    }


def entry(key: str) -> LayerEntry:
    facts = {
        "commit": "c" * 40,
        "collector_version": "v0.158.0",
        "go_version": "go1.26.6",
        "build_tags": [],
        "components": {},
        "component_ids": {},
        "modules": [],
        "config_sha256": "0" * 64,
        "zip": {"sha256": "1" * 64, "size": 1},
        "unzipped_size": 2,
        "cache_key": key,
    }
    return LayerEntry(key, Path("/nowhere/layer.zip"), facts)


def test_the_manifest_records_the_options_it_was_built_with(tmp_path):
    built = manifests(start_context(tmp_path))
    assert built["lean"].config_providers == ("env", "file", "yaml")
    assert built["lean"].cold_start == ("gc-off", "sleep-wait")
    assert built["cut"].config_providers == ALL_SEVEN  # cuts alone keep every provider
    assert built["cut"].cold_start == ("gc-off",)
    assert built["default"].config_providers == ALL_SEVEN
    assert built["default"].cold_start == ()
    keys = list(built["lean"].to_json())
    assert keys[keys.index("go_replaces") + 1 :][:2] == ["config_providers", "cold_start"]
    assert json.loads(json.dumps(built["lean"].to_json()))["cold_start"] == ["gc-off", "sleep-wait"]


def test_upstream_behaviour_records_what_upstream_links_or_null(tmp_path):
    """Without options nothing is edited, so the layer links upstream's list at the commit,
    which need not be all seven; when there is no list to read, it is unknown, not a guess."""
    fewer = COLLECTOR_GO.replace(", s3provider.NewFactory()", "")
    six = manifests(start_context(tmp_path / "a", fewer), "default")["default"]
    assert six.config_providers == (
        "env",
        "file",
        "http",
        "https",
        "secretsmanager",
        "yaml",
    )
    unread = manifests(start_context(tmp_path / "b", None), "default")["default"]
    assert unread.config_providers is None and unread.cold_start == ()
    assert unread.to_json()["config_providers"] is None
