"""bench/cold_start.py boots real layers through the boot check and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_the_cold_start_bench_prints_every_layer_with_its_ratio(make_layer):
    first, second = make_layer(name="first"), make_layer(name="second")
    bench = [sys.executable, str(ROOT / "bench" / "cold_start.py"), str(first), str(second)]
    result = subprocess.run(
        [*bench, "--memory-mb", "128", "--runs", "2"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split("|") for line in result.stdout.splitlines() if line.startswith("| ")]
    rows = [r for r in rows if r[1].strip().endswith(".zip")]
    assert [r[1].strip() for r in rows] == ["first.zip", "second.zip"]
    for row in rows:
        assert row[2].strip() == "128"
        assert float(row[5].split("(")[0].replace(",", "")) > 0  # init wall median
    assert rows[0][8].strip() == "1.00"  # the first layer against itself
    assert float(rows[1][8]) > 0
    assert "load average after" in result.stdout
