"""The diff's headline rows from two manifests: why an init delta is missing, no negative
zero in any delta, and the cold-start options (n/a for a manifest that predates them)."""

from __future__ import annotations

import dataclasses
import json

from ocelot_build.audit.diff import compare, load, render_markdown, render_text, summary_rows
from ocelot_build.core.manifest import LayerManifest, LayerZip, example
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


def test_a_change_of_cold_start_options_is_named_beside_the_versions(tmp_path):
    """Two minimal layers whose modules differ because one links s3 and secretsmanager and
    the other cuts the start: the report says so, in both formats."""
    upstream = write(
        tmp_path / "a.json",
        config_providers=("env", "file", "http", "https", "s3", "secretsmanager", "yaml"),
        cold_start=(),
    )
    lean = write(tmp_path / "b.json")  # example(): five providers, both cuts
    d = compare(upstream, lean)
    assert rows(upstream, lean)["config providers"] == "changed (-s3, -secretsmanager)"
    assert rows(upstream, lean)["cold start"] == "changed (+gc-off, +sleep-wait)"
    assert rows(lean, lean)["config providers"] == rows(lean, lean)["cold start"] == "same"
    markdown = render_markdown(d)
    assert "| cold start | none | gc-off,sleep-wait | changed (+gc-off, +sleep-wait) |" in markdown
    assert markdown.index("| Go |") < markdown.index("| config providers |")
    text = render_text(d)
    assert "  config providers env,file,http,https,s3,secretsmanager,yaml" in text
    assert text.index(" cold start ") < text.index(" zip ")


def test_a_schema_1_manifest_diffs_with_the_options_unknown(tmp_path):
    """A manifest made before the options were recorded still diffs; its options are n/a,
    not guessed."""
    old = example().to_json() | {"schema": 1}
    del old["config_providers"], old["cold_start"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    a, b = load(tmp_path / "old.json"), write(tmp_path / "new.json")
    assert (a.config_providers, a.cold_start) == (None, None)
    assert LayerManifest.read(tmp_path / "old.json").schema == 1
    assert rows(a, b)["config providers"] == rows(a, b)["cold start"] == "n/a"
    assert "| config providers | n/a | env,file,http,https,yaml | n/a |" in render_markdown(
        compare(a, b)
    )
