"""Deploy jobs never boot a layer: checks carried from the build job, matched by sha256."""

from __future__ import annotations

import pytest
from pulumi_harness import LAYER, FakeBuilder, run_program

from infra.carried import ENV, passed_checks
from ocelot_build.api import BuildRequest
from ocelot_build.core.errors import VerifyError
from ocelot_build.core.model import Architecture


def _carry(tmp_path, dist_file, *, status="passed", dists=("minimal", "tracing")):
    """What the build jobs upload: their manifests, with the boot check's result."""
    out = tmp_path / "checks"
    request = BuildRequest(distributions=dists, architectures=tuple(Architecture),
                           config_path=dist_file, output_dir=out)  # fmt: skip
    for artifact in FakeBuilder()(request):
        manifest = artifact.manifest.with_verify({"status": status, "init_ms": 80.0})
        manifest.write(artifact.manifest_path)
    return out


def test_deploy_builds_without_booting_and_needs_a_passed_check_per_zip(
    tmp_path, base_config, dist_file, monkeypatch
):
    monkeypatch.setenv(ENV, str(_carry(tmp_path, dist_file)))
    builder = FakeBuilder()
    run = run_program(base_config, root=tmp_path, builder=builder)
    assert [c.verify for c in builder.calls] == [False]  # nothing booted here
    assert len(run.names(LAYER)) == 4


def test_a_zip_without_a_passed_carried_check_stops_the_program(
    tmp_path, base_config, dist_file, monkeypatch
):
    monkeypatch.setenv(ENV, str(_carry(tmp_path, dist_file, dists=("minimal",))))
    with pytest.raises(VerifyError) as caught:
        run_program(base_config, root=tmp_path, builder=FakeBuilder(sizes={"minimal": 3}))
    text = str(caught.value)
    for label in ("minimal/amd64", "minimal/arm64", "tracing/amd64", "tracing/arm64"):
        assert label in text  # minimal's bytes differ, tracing was never checked
    assert "no check carried for these bytes" in text


def test_failed_checks_do_not_count(tmp_path, dist_file):
    checks = passed_checks(_carry(tmp_path, dist_file, status="failed"))
    assert set(checks.values()) == {"failed"} and len(checks) == 4
