"""``python -m ocelot_build.diff``: two real stand-in layers, as manifests and as zips."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ocelot_build.api import LayerArtifact, build_layers
from ocelot_build.audit.diff import compare, direction, render_markdown
from ocelot_build.audit.layer_facts import LayerFacts, components_of_tags, load

MiB = 1024 * 1024


def run_diff(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocelot_build.diff", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def two_layers(request_for) -> tuple[LayerArtifact, LayerArtifact]:
    minimal, memlimit = build_layers(request_for(distributions=("minimal", "minimal-memlimit")))
    return minimal, memlimit


def test_manifests_show_the_added_component_and_its_module(two_layers):
    a, b = two_layers
    result = run_diff(a.manifest_path, b.manifest_path, "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "components added (1): processor/memorylimiter" in result.stdout
    assert "components removed (0): none" in result.stdout
    d = compare(load(a.manifest_path), load(b.manifest_path))
    assert d.components_added == ("processor/memorylimiter",)
    added = {m["path"] for m in b.manifest.modules} - {m["path"] for m in a.manifest.modules}
    assert set(d.modules_added) == added and added
    assert not d.modules_removed and not d.modules_changed


def test_zips_give_the_same_answer_from_build_info(two_layers):
    a, b = two_layers
    from_manifests = compare(load(a.manifest_path), load(b.manifest_path))
    from_zips = compare(load(a.zip_path), load(b.zip_path))
    assert from_zips.components_added == from_manifests.components_added
    assert from_zips.modules_added == from_manifests.modules_added
    facts = load(a.zip_path)
    assert facts.collector_version == a.collector_version
    assert facts.commit == ""  # -trimpath keeps -ldflags (and so main.GitHash) out
    assert facts.config_providers is None and facts.cold_start is None  # not in build info
    assert a.manifest.cold_start == ()  # the stand-in has no collector.go to read or edit
    assert a.manifest.config_providers is None
    assert facts.zip_size == a.manifest.zip.size


def test_markdown_states_collector_and_size_deltas(two_layers):
    a, b = two_layers
    result = run_diff(a.manifest_path, b.manifest_path)
    assert result.returncode == 0, result.stderr
    delta = (b.manifest.zip.size - a.manifest.zip.size) / MiB
    assert f"| zip | {a.manifest.zip.size / MiB:.2f} MiB |" in result.stdout
    assert f"{delta:+.2f} MiB" in result.stdout
    assert f"| collector | {a.collector_version} | {b.collector_version} | same |" in result.stdout
    assert "| init | n/a | n/a | n/a (needs a boot check) |" in result.stdout
    assert result.stdout.startswith(f"### `{a.manifest_path.name}` → `{b.manifest_path.name}`")


def facts(**overrides) -> LayerFacts:
    base = {
        "label": "a.json",
        "collector_version": "v0.157.0",
        "commit": "a" * 40,
        "go_version": "go1.26.6",
        "components": ("receiver/otlp",),
        "modules": {"m/one": "v1.0.0", "m/two": "v1.2.0", "m/gone": "v0.1.0"},
        "zip_size": 10 * MiB,
        "unzipped_size": 30 * MiB,
        "config_sha256": "c" * 64,
        "init_ms": 100.0,
        "peak_rss_kb": 40 * 1024,
    }
    return LayerFacts(**{**base, **overrides})


def test_upgrades_downgrades_and_version_change_are_reported():
    a = facts()
    b = facts(
        label="b.json",
        collector_version="v0.158.0",
        modules={"m/one": "v1.1.0", "m/two": "v1.2.0-rc.1", "m/new": "v2.0.0"},
        init_ms=130.0,
    )
    d = compare(a, b)
    assert d.modules_changed == {"m/one": ("v1.0.0", "v1.1.0"), "m/two": ("v1.2.0", "v1.2.0-rc.1")}
    text = render_markdown(d)
    assert "| collector | v0.157.0 | v0.158.0 | changed |" in text
    assert "| `m/one` | upgraded | v1.0.0 | v1.1.0 |" in text
    assert "| `m/two` | downgraded | v1.2.0 | v1.2.0-rc.1 |" in text
    assert "| `m/gone` | removed | v0.1.0 | — |" in text
    assert "| init | 100 ms | 130 ms | +30 ms |" in text
    assert "1 added, 1 removed, 1 upgraded, 1 downgraded (3 → 3)" in text


def test_version_order_and_tags():
    assert direction("v0.9.0", "v0.10.0") == "upgraded"
    assert direction("v1.0.0", "v1.0.0-rc.1") == "downgraded"
    assert components_of_tags(["lambdacomponents.custom", "lambdacomponents.exporter.otlp"]) == (
        "exporter/otlp",
    )
    assert components_of_tags([""]) is None  # built without custom: upstream's default set


def bad_inputs(tmp_path: Path, a: LayerArtifact) -> dict[str, tuple[Path, str]]:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    other_json = tmp_path / "other.json"
    other_json.write_text(json.dumps({"schema": 1}))
    not_layer = tmp_path / "not-layer.zip"
    with zipfile.ZipFile(not_layer, "w") as zf:
        zf.writestr("readme.txt", "x")
    return {
        "missing": (tmp_path / "nope.json", "no such file"),
        "text": (text, "neither a layer zip nor JSON"),
        "json": (other_json, "not an ocelot layer manifest (missing collector_version"),
        "zip": (not_layer, "has no extensions/collector"),
        "sbom": (a.sbom_path, "not an ocelot layer manifest"),
    }


def test_bad_input_is_one_line_and_exit_2(two_layers, tmp_path):
    a, _ = two_layers
    for name, (path, message) in bad_inputs(tmp_path, a).items():
        result = run_diff(a.manifest_path, path)
        assert result.returncode == 2, name
        assert result.stdout == "", name
        assert len(result.stderr.strip().splitlines()) == 1, (name, result.stderr)
        assert message in result.stderr, (name, result.stderr)
