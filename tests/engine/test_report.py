"""docs/distributions.md is generated from real manifests, never from a local path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ocelot_build.api import build_layers
from ocelot_build.core.model import Architecture

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "distributions_report.py"


def test_report_lists_each_layer_with_sizes_and_ids(request_for, tmp_path, standin):
    artifacts = build_layers(
        request_for(
            distributions=("minimal", "minimal-memlimit"), architectures=tuple(Architecture)
        )
    )
    out = tmp_path / "distributions.md"
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--manifests",
            str(tmp_path / "out"),
            "--out",
            str(out),
            "--display-repo",
            "example/upstream",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| minimal")]
    assert len(rows) == 4
    memlimit_amd64 = next(r for r in rows if r.startswith("| minimal-memlimit | amd64"))
    size = next(
        a
        for a in artifacts
        if a.distribution == "minimal-memlimit" and a.architecture is Architecture.AMD64
    ).manifest.zip.size
    assert f"| {size / 2**20:.2f} |" in memlimit_amd64
    assert "memory_limiter" in memlimit_amd64
    assert standin.main_commit[:12] in text and "example/upstream" in text
    assert str(standin.path) not in text
