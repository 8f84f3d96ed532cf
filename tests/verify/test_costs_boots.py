"""The costs tool's boots are real boot checks at a memory size: a passing layer booted N
times gives N init times, peak memory and Go's own per-package init timing; a failing one
stops at its first failure."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest

from ocelot_build.api import LayerArtifact
from ocelot_build.audit.costs_measure import boot_once, compare, host, measure
from ocelot_build.core.manifest import LayerZip, example

pytestmark = pytest.mark.slow

COMPONENTS = {"receiver": ["otlp"], "processor": [], "exporter": ["otlphttp"]}


def _artifact(zip_path) -> LayerArtifact:
    arch = host()
    assert arch is not None
    manifest = dataclasses.replace(
        example(),
        architecture=arch,
        components={k: tuple(v) for k, v in COMPONENTS.items()},
        zip=LayerZip(zip_path.name, "0" * 64, zip_path.stat().st_size),
    )
    return LayerArtifact("test", arch, zip_path, zip_path.with_suffix(".json"), manifest)


def test_a_passing_layer_is_booted_runs_times_at_each_size(make_layer):
    layer, _ = measure(_artifact(make_layer()), 3, boot_once, (128, 256))
    assert layer.boots is not None and set(layer.boots) == {128, 256}
    boots = layer.boots[128]
    assert not boots.failed
    assert len(boots.init_ms) == 3 and all(ms > 0 for ms in boots.init_ms)
    assert len(boots.rss_kb) == 3 and (boots.rss_median or 0) > 1024
    assert boots.init_spread == max(boots.init_ms) - min(boots.init_ms)
    # the test extension is a Go program too: the runtime timed its package inits
    assert len(boots.inits) == 3 and all("os" in inits for inits in boots.inits)


def test_a_component_row_per_size_with_the_measurable_rule(make_layer):
    base_zip, comp_zip = make_layer(name="base"), make_layer(name="comp")
    layer, base = measure(_artifact(comp_zip), 3, boot_once, (128,), _artifact(base_zip))
    assert base is not None
    comp: Any = SimpleNamespace(
        tag="lambdacomponents.exporter.debug", kind="exporter", source="upstream"
    )
    [row] = compare(comp, "x", base, layer)
    assert row.memory_mb == 128 and row.init_ms is not None and row.wall is not None
    assert len(row.wall.base) == len(row.wall.layer) == 3  # the rounds, paired
    # the same binary twice, three rounds: too few for the rule to call anything a cost
    assert row.measurable == "no"
    assert row.package_init_ms == 0.0  # no module added, nothing attributed


def test_a_failing_layer_stops_at_its_first_failure(make_layer):
    good = _artifact(make_layer(name="good"))
    layer, base = measure(
        _artifact(make_layer("init-error", name="bad")), 3, boot_once, (128,), good
    )
    assert layer.boots is not None and layer.boots[128].init_ms == ()
    assert layer.boots[128].failed.startswith("boot check failed:")
    # booted in turn with it, the base layer still gets all its rounds
    assert base is not None and base.boots is not None and len(base.boots[128].init_ms) == 3
