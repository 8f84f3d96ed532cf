"""The boot check end to end, against the Go test extension in real layer zips.

Slow tier (its fixtures run go; see tests/conftest.py): the first test compiles the
extension (standard library only, offline).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from conftest import (
    ALL_COMPONENTS,
    HOST_ARCH,
    OTHER_ARCH,
    MakeLayer,
    logged,
    qemu_available,
    running_with,
    write_layer,
)

from ocelot_build.core.budgets import Budgets
from ocelot_build.core.model import Architecture
from ocelot_build.verify import verify_layer


def test_good_layer_passes_with_every_signal_intact(make_layer: MakeLayer) -> None:
    steps: list[str] = []
    report = verify_layer(make_layer(), components=ALL_COMPONENTS, timeout=20, log=steps.append)
    assert report.status == "passed", report.summary()
    assert report.signals == ("traces", "metrics", "logs")
    assert report.architecture == HOST_ARCH and not report.emulated
    assert report.init_ms is not None and report.init_ms > 0
    # The fake logs startup_duration like the collector, measured inside the process, so it
    # cannot exceed spawn-to-first-event/next.
    assert report.startup_duration_ms is not None
    assert 0 < report.startup_duration_ms <= report.init_ms
    assert report.peak_rss_kb is not None and report.peak_rss_kb > 1000
    assert report.exit_code == 0 and report.error_type is None
    assert report.zip_size > 0 and report.unzipped_size > report.zip_size
    assert any("INVOKE" in s for s in steps) and any("intact" in s for s in steps)
    assert report.sandbox == "bwrap"
    (pid,) = logged(report.log_tail, "pid")
    assert pid < 20  # its own PID namespace: bwrap's init is 1, the session a few after


def test_components_from_manifest_beside_the_zip(make_layer: MakeLayer) -> None:
    with_manifest = make_layer(manifest=ALL_COMPONENTS, name="with")
    assert verify_layer(with_manifest, timeout=20).signals == ("traces", "metrics", "logs")
    without = make_layer(name="without")
    report = verify_layer(without, timeout=20)
    assert report.status == "passed" and report.signals == ("traces",)
    assert any("traces only" in n for n in report.notes)


def test_layer_without_otlp_components_is_checked_with_its_own_config(
    make_layer: MakeLayer,
) -> None:
    components = {"receiver": ["telemetryapi"], "exporter": ["debug"], "processor": []}
    report = verify_layer(make_layer(), components=components, timeout=20)
    assert report.status == "passed", report.summary()
    assert report.config == "bundled" and report.signals == ()
    assert any("bundled config" in n for n in report.notes)
    assert any("lifecycle only" in line for line in report.log_tail)


def test_init_error_fails_with_the_error_type_and_the_collectors_lines(
    make_layer: MakeLayer,
) -> None:
    report = verify_layer(make_layer("init-error"), components=ALL_COMPONENTS, timeout=20)
    assert report.status == "failed"
    assert report.error_type is not None
    assert report.error_type.startswith("failed to start the collector: fakeext")
    assert "/init/error" in report.reason and report.error_type in report.reason
    assert report.init_ms is None  # never became ready
    assert any('"msg":"done"' in line for line in report.log_tail)
    assert report.collector_error == (
        "Failed to start the extension: fakeext: cannot start pipelines (mode init-error)"
    )
    assert "error type: failed to start the collector" in report.summary()


def test_start_error_that_never_reached_the_api_is_taken_from_the_log(
    make_layer: MakeLayer,
) -> None:
    report = verify_layer(
        make_layer("init-error-unreported"), components=ALL_COMPONENTS, timeout=20
    )
    assert report.status == "failed"
    assert report.reason == ("extension exited with code 0 while waiting for the first event/next")
    assert report.error_type is None  # Go refused the header: it has newlines
    assert report.collector_error == (
        'Failed to start the extension: fakeext: bad config: unknown type "debug"'
    )
    assert f"collector error: {report.collector_error}" in report.summary()


def test_hanging_extension_fails_within_the_timeout_and_leaves_nothing_running(
    make_layer: MakeLayer,
) -> None:
    start = time.monotonic()
    # at a full vCPU (1,769 MB) the step timeout is not stretched for a smaller CPU share
    report = verify_layer(make_layer("hang"), components=ALL_COMPONENTS, timeout=2, memory_mb=1769)
    elapsed = time.monotonic() - start
    assert report.status == "failed"
    assert "timed out after 2 s waiting for the first event/next" in report.reason
    assert "registered: yes, 1 Telemetry subscription(s), 0 event/next" in report.reason
    assert elapsed < 2 + 10  # one step timeout plus cleanup, not a hang
    (token,) = logged(report.log_tail, "token")  # the child the extension started
    assert not running_with(token)
    assert report.exit_code == -9  # SIGKILL: it ignores SIGTERM


def test_data_that_does_not_arrive_intact_fails(make_layer: MakeLayer) -> None:
    report = verify_layer(make_layer("corrupt"), components=ALL_COMPONENTS, timeout=5)
    assert report.status == "failed"
    assert report.reason.startswith("traces did not arrive")
    assert report.signals == ()


def test_binary_without_exec_bit_fails_like_lambda(make_layer: MakeLayer) -> None:
    report = verify_layer(make_layer(file_mode=0o644), timeout=5)
    assert report.status == "failed"
    assert "not executable (mode 0644)" in report.reason
    assert report.architecture == HOST_ARCH  # still read from the ELF header
    assert "Extension.LaunchError" in report.reason


def test_binary_that_cannot_be_executed_fails(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated"
    truncated.write_bytes(Path(sys.executable).resolve().read_bytes()[:64])  # header only
    report = verify_layer(write_layer(tmp_path / "l.zip", truncated), timeout=5)
    assert report.status == "failed"
    assert report.reason.startswith("cannot start extensions/collector: Exec format error")


def test_declared_architecture_must_match_the_binary(make_layer: MakeLayer) -> None:
    other = Architecture(OTHER_ARCH)
    report = verify_layer(make_layer(), architecture=other, timeout=5)
    assert report.status == "failed"
    assert f"built for {HOST_ARCH}, but the layer is declared {OTHER_ARCH}" in report.reason


def test_budgets_over_the_limit_fail_with_the_figures(make_layer: MakeLayer) -> None:
    tight = Budgets(max_zip_mb=0.5, max_unzipped_mb=1000, max_init_ms=0.001)
    report = verify_layer(make_layer(), timeout=20, budgets=tight)
    assert report.status == "failed"
    assert report.reason.startswith("over budget: zip is ")
    assert len(report.budget_violations) == 2
    assert f"({report.zip_size:,} B), over max-zip-mb 0.5" in report.budget_violations[0]
    assert f"init took {report.init_ms:.1f} ms, over max-init-ms 0.001" in report.reason
    roomy = Budgets(max_zip_mb=1000, max_unzipped_mb=1000, max_init_ms=60_000)
    assert verify_layer(make_layer(name="roomy"), timeout=20, budgets=roomy).passed


def test_other_architecture_is_skipped_without_qemu(
    make_layer: MakeLayer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    report = verify_layer(make_layer(arch=OTHER_ARCH), timeout=5)
    assert report.status == "skipped"
    hint = "needs qemu-user-static (apt-get install qemu-user-static)"
    assert report.reason == f"{OTHER_ARCH} {hint}"
    assert report.zip_size > 0 and report.init_ms is None


@pytest.mark.skipif(not qemu_available(OTHER_ARCH), reason="qemu-user-static not installed")
def test_other_architecture_runs_under_qemu(make_layer: MakeLayer) -> None:
    report = verify_layer(make_layer(arch=OTHER_ARCH), components=ALL_COMPONENTS, timeout=30)
    assert report.status == "passed", report.summary()
    assert report.architecture == OTHER_ARCH and report.emulated
    assert report.signals == ("traces", "metrics", "logs")
    assert any("includes the emulator" in n for n in report.notes)
    assert report.sandbox == "bwrap"


def test_bundled_config_option_boots_with_the_layers_own_config(make_layer: MakeLayer) -> None:
    """Even with otlp in and otlphttp out, --bundled-config proves the shipped config loads."""
    report = verify_layer(make_layer(), components=ALL_COMPONENTS, timeout=20, bundled_config=True)
    assert report.status == "passed", report.summary()
    assert report.config == "bundled"
    assert report.signals == ()
    failing = verify_layer(
        make_layer("init-error"), components=ALL_COMPONENTS, timeout=20, bundled_config=True
    )
    assert failing.status == "failed" and failing.config == "bundled"
