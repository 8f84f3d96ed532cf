"""The benchmark script runs from the README on the stand-in and prints its table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_all_four_scenarios_with_figures(tmp_path):
    out = tmp_path / "bench.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "matrix.py"),
            "-d",
            "minimal",
            "-a",
            "amd64",
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
    assert [r.split("|")[1].strip()[:3] for r in rows] == ["(a)", "(b)", "(c)", "(d)"]
    for row in rows:
        wall = float(row.split("|")[3])
        assert wall > 0
    assert rows[2].split("|")[7].strip() == "1.00"  # (c) against itself
    assert rows[3].split("|")[8].strip() == "1.00"  # (d) against itself
    assert float(rows[0].split("|")[8]) > 0  # (a)/(d), next to (a)/(c)
    assert re.search(r"Go go1\.\d+", result.stdout)
    # progress on stderr: each scenario starts and ends with its figures and the load, and
    # the recipe's scenarios report every layer
    assert re.search(r"\(load \d+\.\d+\): \(a\) .*: done, [\d.]+ s wall", result.stderr)
    assert re.search(r"\(c\) clone-per-layer baseline: done, [\d.]+ s wall", result.stderr)
    assert "layer 1/1 minimal/amd64:" in result.stderr
    assert out.read_text() in result.stdout + "\n"
