"""Hostile layers, built from the Go fake extension's hostile modes (hostile.go): the boot
check must contain what they do. Each sandboxed outcome is paired, where it proves the
test can fail, with the same layer under ``sandbox=False`` doing the harm.

Marked slow where a layer is built (go build); the zip bomb needs no Go.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from conftest import (
    ALL_COMPONENTS,
    MakeLayer,
    alive,
    descendants,
    logged,
    running_with,
    write_layer,
)

from ocelot_build.core.errors import UsageError
from ocelot_build.verify import verify_layer
from ocelot_build.verify.cgroupfs import PREFIX, NoBox, find
from ocelot_build.verify.tailbuf import LINE_CHARS
from ocelot_build.verify.watchdog import GRACE_S

ROOT = Path(__file__).resolve().parents[2]
slow = pytest.mark.slow


def cgroup_leaves_of(pid: int) -> list[Path]:
    """The box's cgroup leaves a check in process ``pid`` made and left (none without a box)."""
    try:
        found = find()
    except NoBox:
        return []
    return [d for p in set(found.parents.values()) for d in p.glob(f"{PREFIX}{pid}-*")]


def snooped(layer: Path, secret: str, *args: str) -> list[str]:
    """What the snoop layer found, checked through the CLI started with the secret in its
    environment (``/proc/PID/environ`` shows what a process was started with)."""
    proc = subprocess.run(
        [sys.executable, "-m", "ocelot_build.verify", str(layer), "--json", "-v", *args],
        env=dict(os.environ, PYTHONPATH=str(ROOT), OCELOT_SECRET_TEST=secret),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert secret not in proc.stdout or "--no-sandbox" in args
    (found,) = logged([line.strip() for line in proc.stderr.splitlines()], "found")
    assert isinstance(found, list)
    return [str(f) for f in found]


@slow
def test_snooping_layer_sees_nothing_of_ours(make_layer: MakeLayer, tmp_path: Path) -> None:
    secret = uuid.uuid4().hex
    (tmp_path / "ocelot-secret-file").write_text(secret)
    layer = make_layer("snoop", manifest=ALL_COMPONENTS)
    assert snooped(layer, secret) == []
    exposed = snooped(layer, secret, "--no-sandbox", "--timeout", "60")
    assert f"OCELOT_SECRET_TEST={secret}" in exposed  # the caller's environment, via /proc
    assert f"{tmp_path / 'ocelot-secret-file'}: {secret}" in exposed


@slow
def test_detached_grandchild_is_gone_after_the_check(make_layer: MakeLayer) -> None:
    layer = make_layer("setsid")
    report = verify_layer(layer, components=ALL_COMPONENTS, timeout=20)
    assert report.status == "passed", report.summary()
    (token,) = logged(report.log_tail, "token")
    assert not running_with(token)
    exposed = verify_layer(
        layer, components=ALL_COMPONENTS, timeout=20, sandbox=False, limits=False
    )
    (token,) = logged(exposed.log_tail, "token")
    survivors = running_with(token)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    # without the PID namespace and the box's cgroup, setsid escapes the group kill
    assert len(survivors) == 1


@slow
def test_trickling_listener_ends_at_the_deadline(make_layer: MakeLayer) -> None:
    layer = make_layer("trickle")  # built before the clock starts
    start = time.monotonic()
    report = verify_layer(layer, components=ALL_COMPONENTS, timeout=3, deadline=8, memory_mb=1769)
    elapsed = time.monotonic() - start
    assert report.status == "failed"
    assert report.reason.startswith("the check did not finish within its 8 s deadline (")
    assert "platform.runtimeDone" in report.reason
    assert 8 <= elapsed < 8 + 5 < 8 + GRACE_S  # the session stopped itself, no hard kill


def test_zip_bomb_is_refused_before_extraction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = tmp_path / "bomb.zip"
    zeros = bytes(1 << 20)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("extensions/collector", b"\x7fELF")
        with zf.open("extensions/zeros", "w", force_zip64=True) as out:
            for _ in range(251):  # 251 MiB of zeros: 263,192,576 B, over the limit
                out.write(zeros)
    assert bomb.stat().st_size < 2 << 20
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    with pytest.raises(UsageError, match=r"unzips to 263,192,580 B, over Lambda's limit"):
        verify_layer(bomb, timeout=5)
    assert list(scratch.iterdir()) == []  # not even a temp dir was made


@slow
def test_output_flood_keeps_memory_and_log_bounded(make_layer: MakeLayer) -> None:
    layer = make_layer("flood", manifest=ALL_COMPONENTS)
    # A fresh interpreter runs the CLI, so its children's peak RSS is this check's alone.
    probe = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run([sys.executable, '-m', 'ocelot_build.verify', sys.argv[1],"
        " '--json'], capture_output=True, text=True)\n"
        "print(p.stdout)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(layer)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    *report_lines, peak_kb = proc.stdout.strip().splitlines()
    report = json.loads("\n".join(report_lines))
    assert report["status"] == "passed", report
    (note,) = [n for n in report["notes"] if n.endswith("B of output; only the end is kept")]
    assert int(note.split()[1].replace(",", "")) > 256 * 1024 * 1024
    assert int(peak_kb) < 200 * 1024  # the flood is 256 MiB; no process held it
    assert len(layer.with_suffix(".json").read_bytes()) < 64 * 1024
    tail = verify_layer(layer, timeout=20).log_tail
    assert all(len(line) < LINE_CHARS + 50 for line in tail)


@slow
def test_memory_hog_is_stopped_by_the_limit(make_layer: MakeLayer) -> None:
    layer = make_layer("hog")
    report = verify_layer(layer, components=ALL_COMPONENTS, timeout=20, memory_mb=256)
    assert report.status == "failed"
    assert report.reason.startswith("over its memory limit of 256 MB"), report.summary()
    assert report.exit_code == -9  # the kernel's OOM kill, not the Go runtime's own error
    roomy = verify_layer(layer, components=ALL_COMPONENTS, timeout=20, memory_mb=2048)
    assert roomy.status == "passed", roomy.summary()


@slow
def test_subscription_elsewhere_fails_the_check(make_layer: MakeLayer) -> None:
    report = verify_layer(make_layer("elsewhere"), components=ALL_COMPONENTS, timeout=20)
    assert report.status == "failed"
    assert report.reason == (
        "extension subscribed the Telemetry API to 'http://192.0.2.1:4243/': refused, "
        "only loopback destinations are allowed"
    )


@slow
@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
)
def test_signal_mid_check_leaves_nothing_running(
    make_layer: MakeLayer, tmp_path: Path, signum: int, code: int, word: str
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    cli = subprocess.Popen(
        [sys.executable, "-m", "ocelot_build.verify", str(make_layer("hang")), "-v"],
        env=dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(scratch)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell that starts the test run in the background (CI) passes SIGINT down
        # ignored, and Python keeps it so: give the CLI the default a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert cli.stderr is not None
    for line in cli.stderr:
        if line.startswith("+ started pid"):
            break
    time.sleep(1.5)  # let the hanging extension start its child
    below = descendants(cli.pid)
    assert len(below) >= 4  # bwrap, its init, the session, the extension, its child
    boxes = cgroup_leaves_of(cli.pid)  # one per hierarchy, where the box can be made
    cli.send_signal(signum)
    _, err = cli.communicate(timeout=30)
    assert cli.returncode == code
    assert err.splitlines()[-1] == f"verify: {word}" and "Traceback" not in err, err
    assert not [pid for pid in below if alive(pid)]
    assert list(scratch.iterdir()) == []
    assert not [d for d in boxes if d.exists()]  # the box's cgroup went with it


def test_without_bwrap_the_check_fails_with_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No silent downgrade: nothing runs unsandboxed unless asked (no Go needed: the check
    stops before it would start anything)."""
    layer = write_layer(tmp_path / "l.zip", Path(sys.executable).resolve())
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    report = verify_layer(layer, timeout=5)
    assert report.status == "failed" and report.sandbox == "none"
    assert report.reason == (
        "sandbox unavailable: bwrap not found; install bubblewrap (apt-get install "
        "bubblewrap) and allow unprivileged user namespaces, or pass --no-sandbox to run "
        "the layer without isolation"
    )
    assert report.init_ms is None and report.exit_code is None  # nothing was started
