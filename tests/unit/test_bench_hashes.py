"""bench/matrix.py holds a run's zips against an earlier run's sha256sum listing, layer by
layer: how a faster schedule shows it changed no output."""

from __future__ import annotations

import subprocess
import sys

import benchscripts

from ocelot_build.core.files import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "bench" / "matrix.py"
matrix = benchscripts.load("matrix")


def test_a_sha256sum_listing_round_trips_by_layer_name(tmp_path):
    hashes = {"ocel-minimal-arm64": "b" * 64, "ocel-minimal-amd64": "a" * 64}
    listing = tmp_path / "zips.sha256"
    matrix.write_sha256sums(listing, hashes)
    assert listing.read_text().splitlines()[0] == f"{'a' * 64}  ocel-minimal-amd64.zip"
    assert matrix.read_sha256sums(listing) == hashes


def test_sha256sums_own_output_with_directories_is_read_by_file_name(tmp_path):
    listing = tmp_path / "zips.sha256"
    listing.write_text(f"{'c' * 64}  /tmp/run/out/ocel-default-amd64.zip\n\n")
    assert matrix.read_sha256sums(listing) == {"ocel-default-amd64": "c" * 64}


def test_each_differing_missing_or_extra_layer_is_named():
    expected = {"x-amd64": "1" * 64, "y-amd64": "2" * 64, "gone-amd64": "3" * 64}
    run = {"x-amd64": "1" * 64, "y-amd64": "9" * 64, "new-amd64": "4" * 64}
    text = matrix.against_expected([run, expected], expected, "before.sha256")
    first, second = text.split("clean run 2")
    assert "1 of 4 layers byte-identical" in first
    for name in ("y-amd64", "gone-amd64", "new-amd64"):
        assert f"differs: {name}" in first
    assert "not written" in first and "not listed" in first
    assert "3 of 3 layers byte-identical" in second and "differs" not in second


def test_an_unreadable_listing_fails_before_any_build(tmp_path):
    empty = tmp_path / "empty.sha256"
    empty.write_text("\n")
    for path in (tmp_path / "missing.sha256", empty):
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--expect-hashes", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2
        assert "--expect-hashes" in result.stderr.splitlines()[-1]
        assert "Traceback" not in result.stderr
