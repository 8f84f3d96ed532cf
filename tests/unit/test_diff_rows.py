"""The diff's headline rows from two manifests: why an init delta is missing, and no
negative zero in any delta."""

from __future__ import annotations

import dataclasses

from ocelot_build.audit.diff import compare, load, summary_rows
from ocelot_build.core.manifest import LayerZip, example
from ocelot_build.core.model import Architecture


def write(path, **changes):
    manifest = dataclasses.replace(example(), **changes)
    manifest.write(path)
    return load(path)


def rows(a, b):
    return {what: change for what, _, _, change in summary_rows(compare(a, b))}


def test_arm64_checks_under_qemu_say_why_init_is_not_compared(tmp_path):
    emulated = {"status": "passed", "emulated": True, "init_ms": 900.0, "peak_rss_kb": 1}
    a = write(tmp_path / "a.json", architecture=Architecture.ARM64, verify=emulated)
    b = write(tmp_path / "b.json", architecture=Architecture.ARM64, verify=emulated)
    assert rows(a, b)["init"] == "n/a (booted under qemu: not measured)"
    unchecked = write(tmp_path / "c.json", verify=None)
    assert rows(unchecked, b)["init"] == "n/a (needs a boot check)"


def test_tiny_decreases_are_not_negative_zero(tmp_path):
    checked = {"status": "passed", "init_ms": 100.2, "peak_rss_kb": 1000}
    a = write(tmp_path / "a.json", verify=checked)
    b = write(
        tmp_path / "b.json",
        verify={**checked, "init_ms": 99.9},
        zip=LayerZip("x.zip", "0" * 64, example().zip.size - 10),
        unzipped_size=example().unzipped_size - 10,
    )
    changes = rows(a, b)
    assert changes["init"] == "+0 ms"
    assert changes["zip"] == "+0.00 MiB (+0.0%)"
    assert changes["unzipped"] == "+0.00 MiB (+0.0%)"
