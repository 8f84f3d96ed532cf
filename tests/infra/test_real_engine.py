"""The program with the real build engine against the stand-in upstream (real git, go, zip).

Once per test: a cold build under ``pulumi up`` semantics, then a second run in preview
mode that must be served by the cache and declare byte-identical layers.
"""

from __future__ import annotations

import hashlib
import time

from pulumi_harness import LAYER, run_program

from ocelot_build import api


def test_real_engine_builds_once_then_previews_from_the_cache(tmp_path, standin, standin_stack):
    up = run_program(standin_stack, root=tmp_path, builder=api.build_layers)
    (artifact,) = up.result.artifacts
    assert not artifact.cache_hit
    record = up.by_name("minimal-amd64-us-east-1")
    assert record.archive_sha256 == artifact.sha256
    assert hashlib.sha256(artifact.zip_path.read_bytes()).hexdigest() == artifact.sha256
    assert (
        record.inputs["layerName"]
        == f"ocel-minimal-amd64-{standin.collector_version[1:].replace('.', '_')}"
    )
    assert standin.main_commit in record.inputs["description"]
    assert up.output["us-east-1"]["minimal"]["amd64"]["upstream_commit"] == standin.main_commit

    started = time.perf_counter()
    preview = run_program(standin_stack, root=tmp_path, builder=api.build_layers, preview=True)
    elapsed = time.perf_counter() - started
    assert all(a.cache_hit for a in preview.result.artifacts)
    again = {
        r.name: (r.inputs["description"], r.archive_sha256) for r in preview.mocks.of_type(LAYER)
    }
    first = {r.name: (r.inputs["description"], r.archive_sha256) for r in up.mocks.of_type(LAYER)}
    assert again == first and len(first) == 2
    print(f"warm-cache program run: {elapsed:.2f} s (engine {preview.result.build_seconds:.2f} s)")
