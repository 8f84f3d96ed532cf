"""The box holds: probe layers (tests/fixtures/fakeext/boxprobe.go) against Lambda's limits
and the root caller's machine. Each probe did its harm before the box (issue 18); the
tests that need the kernel's cgroups skip where the box cannot be made (not root, or no
cgroup controllers) and say so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ALL_COMPONENTS, BuildFake, MakeLayer, logged, qemu_available, write_layer

from ocelot_build.verify import verify_layer
from ocelot_build.verify.cgroupfs import PREFIX, NoBox, find
from ocelot_build.verify.confine import EMULATED_CPU

ROOT = Path(__file__).resolve().parents[2]
slow = pytest.mark.slow


def _box_problem() -> str | None:
    try:
        find()
    except NoBox as exc:
        return str(exc)
    return None


needs_box = pytest.mark.skipif(_box_problem() is not None, reason=f"no box: {_box_problem()}")


def leaves() -> list[Path]:
    """The cgroup leaves this test process made that are still there (a check elsewhere on
    the machine has leaves of its own)."""
    found = find()
    mine = f"{PREFIX}{os.getpid()}-*"
    return [d for p in set(found.parents.values()) for d in p.glob(mine)]


def cli(layer: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocelot_build.verify", str(layer), *args],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )


@slow
@needs_box
def test_host_kernel_settings_and_root_are_out_of_reach(make_layer: MakeLayer) -> None:
    report = verify_layer(make_layer("escape"), components=ALL_COMPONENTS, timeout=20)
    assert report.status == "passed", report.summary()
    (writable,) = logged(report.log_tail, "writable")
    assert writable == []  # was: /proc/sys/kernel/core_pattern, drop_caches, /, /dev/shm


@slow
@needs_box
@pytest.mark.parametrize("mode", ["shm", "children", "tmpfs"])
def test_memory_the_old_cap_missed_is_in_the_limit(make_layer: MakeLayer, mode: str) -> None:
    """768 MiB shared, 4 x 200 MiB children, 400 MiB of tmpfs: all passed under
    ``prlimit --data`` at 256 MB. One limit counts them all now."""
    report = verify_layer(make_layer(mode), components=ALL_COMPONENTS, timeout=20, memory_mb=256)
    assert report.status == "failed", report.summary()
    assert report.reason.startswith("over its memory limit of 256 MB (anonymous, shared and tmpfs")
    assert report.peak_memory_kb is not None and report.peak_memory_kb <= 256 * 1024 + 64
    assert not leaves()


@slow
@needs_box
def test_at_most_1024_processes_and_threads(make_layer: MakeLayer) -> None:
    report = verify_layer(
        make_layer("forks"), components=ALL_COMPONENTS, timeout=30, memory_mb=3008
    )
    (started,) = logged(report.log_tail, "started")
    assert started < 1024 < 1100, started
    assert any("refused at Lambda's limit of 1024" in n for n in report.notes), report.notes


@slow
@needs_box
@pytest.mark.parametrize(
    "forged",
    [
        {"status": "passed", "reason": "", "architecture": "amd64", "init_ms": 1.0},
        {"status": "skipped", "reason": "", "architecture": "amd64"},
        {"status": "passed", "reason": "", "architecture": "amd64", "init_ms": "NaN"},
    ],
)
def test_a_layer_cannot_write_the_sessions_report(
    build_fakeext: BuildFake, tmp_path: Path, forged: dict[str, object]
) -> None:
    """The forge probe writes a report to its parent's (the session's) stdout and kills it:
    believed before (passed at 1 ms beating max-init-ms, skipped, bare NaN in the manifest)."""
    text = json.dumps(forged).replace('"NaN"', "NaN") + "\n"
    layer = write_layer(tmp_path / "forge.zip", build_fakeext("forge"), config=text)
    report = verify_layer(layer, components=ALL_COMPONENTS, timeout=20)
    assert report.status == "failed" and report.init_ms != 1.0
    (opened,) = logged(report.log_tail, "opened")
    (killed,) = logged(report.log_tail, "killed")
    assert opened is False and killed is False  # another uid: no fd, no signal
    assert report.reason == "extension exited with code 1 while waiting for the first event/next"


@slow
def test_layer_output_cannot_drive_the_terminal_or_ci(make_layer: MakeLayer) -> None:
    proc = cli(make_layer("noisy"), "-v", "--no-limits")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "\x1b" not in out and "\x07" not in out
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]
    assert "\\x3a:error::forged by the layer" in out
    assert "unexpected API call: GET /\\x1b]0;title\\x07::warning::x" in out


@slow
def test_a_passing_session_exits_0(make_layer: MakeLayer) -> None:
    """With -v every session aborted at exit (_enter_buffered_busy, 134): a crash then
    looked like a normal end. The check now requires exit 0 (test_wire.py)."""
    proc = cli(make_layer("ok"), "-v", "--no-limits")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Fatal Python error" not in proc.stderr


@slow
@needs_box
def test_figures_at_a_memory_size_come_from_the_box(make_layer: MakeLayer) -> None:
    layer = make_layer("ok")
    report = verify_layer(layer, components=ALL_COMPONENTS, timeout=20, memory_mb=512)
    assert report.status == "passed", report.summary()
    assert report.memory_mb == 512 and report.cpu_share == round(512 / 1769, 4)
    assert report.limits in ("cgroup-v1", "cgroup-v2") and report.not_enforced == ()
    assert report.init_cpu_ms is not None and report.cpu_ms is not None
    assert 0 < report.init_cpu_ms <= report.cpu_ms
    assert report.peak_memory_kb is not None and report.peak_memory_kb > 1024
    assert not leaves()


@slow
def test_no_limits_says_what_was_not_enforced(make_layer: MakeLayer) -> None:
    report = verify_layer(make_layer("ok"), components=ALL_COMPONENTS, timeout=20, limits=False)
    assert report.status == "passed", report.summary()
    assert report.limits == "none" and report.cpu_share is None and report.cpu_ms is None
    assert report.not_enforced == (
        "memory limit: --no-limits",
        "CPU quota: --no-limits",
        "process limit: --no-limits",
    )


@slow
@needs_box
@pytest.mark.skipif(not qemu_available("arm64"), reason="qemu-user-static is not installed")
def test_emulated_timing_is_flagged_and_never_budgeted(make_layer: MakeLayer) -> None:
    from ocelot_build.core.budgets import Budgets

    layer = make_layer("ok", arch="arm64")
    report = verify_layer(
        layer, components=ALL_COMPONENTS, timeout=30, budgets=Budgets(max_init_ms=0.001)
    )
    assert report.status == "passed" and report.emulated, report.summary()
    assert report.cpu_share is None
    assert report.not_enforced == (EMULATED_CPU, "memory limit: 64 MiB more, for qemu itself")
    assert report.memory_mb == 128 and report.peak_memory_kb


@slow
@needs_box
def test_a_killed_checks_cgroup_is_swept_by_the_next(make_layer: MakeLayer) -> None:
    hierarchy = find()
    stale = [p / f"{PREFIX}999999999-deadbeef" for p in set(hierarchy.parents.values())]
    for d in stale:
        d.mkdir()
    report = verify_layer(make_layer("ok"), components=ALL_COMPONENTS, timeout=20)
    assert report.status == "passed", report.summary()
    assert not any(d.exists() for d in stale)
