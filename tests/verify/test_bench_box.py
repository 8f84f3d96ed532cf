"""bench/box.py prints the box's own cost (and, given zips, the tables of docs/verify.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MakeLayer

from ocelot_build.verify.cgroupfs import NoBox, find

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_the_box_bench_prints_figures_and_its_own_cost(make_layer: MakeLayer) -> None:
    try:
        find()
    except NoBox as exc:
        pytest.skip(f"no box here: {exc}")
    layer = make_layer(manifest={"exporter": ["otlphttp"], "receiver": ["otlp"]})
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "box.py"), "--figures", "--repeat", "1", str(layer)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [r.split("|") for r in result.stdout.splitlines() if r.startswith("| layer ")]
    rows = [r for r in rows if r[2].strip().endswith(" MB")]  # not the header
    sizes = [r[2].strip() for r in rows]
    assert sizes == ["128 MB", "512 MB", "1769 MB"], result.stdout
    assert [r[3].strip() for r in rows] == ["0.072", "0.289", "1.000"]
    assert all(float(r[4].split("(")[0]) > 0 for r in rows)  # init wall median
    assert "load average" in result.stdout
    cost = [r for r in result.stdout.splitlines() if r.startswith("| the box's start-up cost")]
    assert len(cost) == 1 and float(cost[0].split("|")[2]) > 0
