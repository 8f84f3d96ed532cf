"""``python -m ocelot_build.verify``: exit codes, one-line errors, manifest update."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ALL_COMPONENTS, OTHER_ARCH, MakeLayer, write_layer

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "ocelot_build.verify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    notzip = tmp_path / "notzip.zip"
    notzip.write_text("hello")
    nobin = write_layer(tmp_path / "nobin.zip", None)
    for arg, words in [
        (str(tmp_path / "missing.zip"), "does not exist"),
        (str(notzip), "is not a zip file"),
        (str(nobin), "has no extensions/collector"),
    ]:
        proc = run_cli(arg)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and words in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""


def odd_zip(path: Path, entries: list[tuple[str, bytes]], flag: int = 0, method: int = 8) -> Path:
    """A zip whose entries get general-purpose ``flag`` bits and compression ``method``
    patched into both their headers (zipfile itself writes neither encryption nor 99)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(sig)
        while start != -1:
            raw[start + at] |= flag
            struct.pack_into("<H", raw, start + at + 2, method)
            start = raw.find(sig, start + 4)
    path.write_bytes(raw)
    return path


def test_odd_zips_are_one_line_exit_2(tmp_path: Path) -> None:
    """Each was a traceback (NotADirectoryError, FileExistsError, RuntimeError,
    NotImplementedError) before."""
    elf = b"\x7fELF"
    cases = [
        (
            odd_zip(tmp_path / "a.zip", [("extensions", b"x"), ("extensions/collector", elf)]),
            "has 'extensions' both as a file and as a directory",
        ),
        (
            odd_zip(tmp_path / "b.zip", [("extensions/collector", elf), ("c", b"x"), ("c/", b"")]),
            "has 'c' both as a file and as a directory",
        ),
        (
            odd_zip(tmp_path / "c.zip", [("extensions/collector", elf)], flag=1),
            "has an encrypted entry 'extensions/collector'",
        ),
        (
            odd_zip(tmp_path / "d.zip", [("extensions/collector", elf)], method=99),
            "entry 'extensions/collector' uses compression method 99; only stored (0) and",
        ),
    ]
    for layer, words in cases:
        proc = run_cli(str(layer))
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_memory_size_out_of_range_is_one_line_exit_2(tmp_path: Path) -> None:
    layer = write_layer(tmp_path / "l.zip", Path(sys.executable).resolve())
    proc = run_cli(str(layer), "--memory-mb", "100")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "memory must be a whole number of MB from 128 to 10240 (Lambda's range)" in proc.stderr


def test_pass_writes_the_report_into_the_manifest(make_layer: MakeLayer) -> None:
    zip_path = make_layer(manifest=ALL_COMPONENTS)
    proc = run_cli(str(zip_path), "--json", "--timeout", "20")
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert proc.stderr.startswith("passed\n")
    manifest = json.loads(zip_path.with_suffix(".json").read_text())
    assert manifest["verify"] == printed
    assert manifest["verify"]["signals"] == ["traces", "metrics", "logs"]
    assert manifest["components"] == ALL_COMPONENTS  # the rest is kept


def test_failure_exits_1_with_error_type_and_collector_lines(make_layer: MakeLayer) -> None:
    proc = run_cli(str(make_layer("init-error")), "--timeout", "20")
    assert proc.returncode == 1
    assert proc.stdout.startswith("failed: extension reported /init/error")
    assert "error type: failed to start the collector: fakeext" in proc.stdout
    assert '"msg":"Launching OpenTelemetry Lambda extension"' in proc.stdout


def test_unrunnable_architecture_is_skipped_with_exit_0(
    make_layer: MakeLayer, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    proc = run_cli(str(make_layer(arch=OTHER_ARCH)), "-v", path=str(empty))
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    hint = "needs qemu-user-static (apt-get install qemu-user-static)"
    assert first == f"skipped: {OTHER_ARCH} {hint}"
