"""The costs tool's boots are real boot checks: a passing layer booted N times gives N init
times and RSS figures, and a failing one stops at its first failure."""

from __future__ import annotations

import dataclasses

import pytest

from ocelot_build.api import LayerArtifact
from ocelot_build.audit.costs import boot_once, host, measure
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


def test_a_passing_layer_is_booted_runs_times(make_layer):
    layer, _ = measure(_artifact(make_layer()), 3, boot_once)
    assert layer.boots is not None and not layer.boots.failed
    assert len(layer.boots.init_ms) == 3 and all(ms > 0 for ms in layer.boots.init_ms)
    assert len(layer.boots.rss_kb) == 3 and layer.boots.rss_median > 1024
    assert layer.boots.init_spread == max(layer.boots.init_ms) - min(layer.boots.init_ms)


def test_a_failing_layer_stops_at_its_first_failure(make_layer):
    good = _artifact(make_layer(name="good"))
    layer, base = measure(_artifact(make_layer("init-error", name="bad")), 3, boot_once, good)
    assert layer.boots is not None and layer.boots.init_ms == ()
    assert layer.boots.failed.startswith("boot check failed:")
    # booted in turn with it, the base layer still gets all its rounds
    assert base is not None and base.boots is not None and len(base.boots.init_ms) == 3
