"""A smoke run of the benchmark script on the stand-in: one layer, no baseline. The real
figures come from running it by hand (docs/benchmarks.md), never from a timed test."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_run_prints_its_table(tmp_path):
    out = tmp_path / "bench.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "matrix.py"),
            "-d",
            "minimal",
            "-a",
            "amd64",
            "--skip-baseline",
            "--markdown",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| (")]
    assert [r.split("|")[1].strip()[:3] for r in rows] == ["(a)", "(b)"]
    for row in rows:
        wall = float(row.split("|")[3])
        assert wall > 0
    assert re.search(r"Go go1\.\d+", result.stdout)
    assert out.read_text() in result.stdout + "\n"
