"""The micro-benchmarks (bench/box.py, bench/sandbox.py, bench/config_load.py) refuse a bad
option before measuring anything: exit 2, one line naming it, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ocelot_build.core.files import PROJECT_ROOT


def _run(script: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / script), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},  # this checkout's ocelot_build
    )


@pytest.mark.parametrize(
    ("script", "argv", "says"),
    [
        ("box.py", ["--repeat", "0"], "--repeat: needs a whole number of at least 1, got '0'"),
        ("box.py", ["missing.zip"], "layer zip missing.zip does not exist"),
        ("box.py", ["README.md"], "README.md is not a zip file"),
        ("sandbox.py", ["--repeat", "-3"], "at least 1, got '-3'"),
        ("sandbox.py", ["--repeat", "2.5"], "at least 1, got '2.5'"),
        ("sandbox.py", ["pyproject.toml"], "pyproject.toml is not a zip file"),
        ("config_load.py", ["--depth", "0"], "--depth: needs a whole number of at least 1"),
        ("config_load.py", ["--mb", "-1"], "--mb -1.0: must be more than 0"),
        ("config_load.py", ["--runs", "x"], "--runs: needs a whole number of at least 1"),
    ],
)
def test_a_bad_option_is_refused_before_measuring(script, argv, says):
    result = _run(script, *argv)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""  # no table, no half a table
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"bench/{script}: error: ") and says in last
