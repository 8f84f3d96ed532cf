"""The summary tells the truth: a layer another process built while we waited is a hit, a
skipped boot check is visible without -v, a layer that failed its check does not stay in
-o looking usable, and with --verify the table shows each check and its init time."""

from __future__ import annotations

import fcntl
import json
import shutil
import threading

import pytest

from ocelot_build import cli, summary
from ocelot_build.api import build_layers
from ocelot_build.core.errors import VerifyError
from ocelot_build.core.model import Architecture

from .conftest import build_one


def test_a_layer_built_by_another_process_while_we_waited_is_a_hit(
    request_for, ocelot_cache, tmp_path
):
    first = build_one(request_for())
    key = first.manifest.cache_key
    entry = ocelot_cache / "layers" / key[:2] / key
    aside = tmp_path / "built-elsewhere"
    shutil.move(entry, aside)  # the cache lacks it when the run starts...
    waiting = threading.Event()
    result: list = []
    with (ocelot_cache / "locks" / f"{key}.lock").open("a") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # ...and "another process" is building it
        run = threading.Thread(
            target=lambda: result.extend(
                build_layers(
                    request_for(),
                    lambda line: "another ocelot is building it" in line and waiting.set(),
                )
            )
        )
        run.start()
        assert waiting.wait(120), "the run never waited on the layer's lock"
        shutil.move(aside, entry)  # the other process finishes its build
        fcntl.flock(other, fcntl.LOCK_UN)
        run.join(120)
    [artifact] = result
    assert artifact.cache_hit
    assert cli.summary(result).splitlines()[1].endswith("hit")


def test_a_layer_failing_its_boot_check_is_renamed_and_its_manifest_keeps_the_report(
    request_for, tmp_path
):
    out = tmp_path / "out"
    with pytest.raises(VerifyError, match="boot check failed"):
        build_layers(request_for(verify=True))  # the stand-in collector fails its check
    assert sorted(p.name for p in out.iterdir()) == [
        "ocel-minimal-amd64.cdx.json",
        "ocel-minimal-amd64.failed.zip",
        "ocel-minimal-amd64.json",
    ]
    manifest = json.loads((out / "ocel-minimal-amd64.json").read_text())
    assert manifest["zip"]["file"] == "ocel-minimal-amd64.failed.zip"
    assert manifest["verify"]["status"] == "failed"
    assert "boot check failed" in manifest["failed"]
    again = build_one(request_for())  # a later good run clears the failed file
    assert again.zip_path.is_file() and not (out / "ocel-minimal-amd64.failed.zip").exists()


def test_a_skipped_boot_check_shows_in_the_summary_with_init_columns(
    request_for, monkeypatch, capsys
):
    from ocelot_build.verify import runner

    monkeypatch.setattr(runner, "find_qemu", lambda arch: None)
    artifacts = build_layers(request_for(architectures=(Architecture.ARM64,), verify=True))
    table = cli.summary(artifacts).splitlines()
    assert table[0].split()[-2:] == ["check", "init"]
    assert table[1].split()[-2:] == ["skipped", "-"]
    assert table[-1].startswith("boot check skipped for minimal/arm64: arm64 needs qemu")


def test_the_check_columns_show_status_and_init_ms():
    assert summary._check_cells({"status": "passed", "init_ms": 212.4}) == ("passed", "212 ms")
    assert summary._check_cells({"status": "passed", "init_ms": 900.0, "emulated": True}) == (
        "passed (qemu)",
        "900 ms",
    )
    # in the box: the init at the distribution's memory size, wall and CPU
    at_size = {"status": "passed", "init_ms": 467.2, "init_cpu_ms": 33.4, "memory_mb": 128}
    assert summary._check_cells(at_size) == ("passed", "467 ms (33 ms CPU) at 128 MB")
    assert summary._check_cells({"status": "failed", "memory_mb": 1769}) == ("failed", "-")
