"""Fixtures for the build engine's tests: distributions files and a request builder.

The engine runs for real (git, go, zip) against the offline stand-in upstream; only the
distributions file and the overlay registry are the tests' own, so the project's real
overlay (which needs contrib modules from the network) never enters these builds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from standin.fixtures import MINIMAL_CONFIG, MINIMAL_TAGS, write_dists

from ocelot_build.api import BuildRequest, LayerArtifact, build_layers
from ocelot_build.core.model import Architecture


@pytest.fixture
def dists_file(tmp_path: Path) -> Path:
    """default, minimal (with a config that fits it) and a child of minimal."""
    (tmp_path / "cfg" / "minimal.yaml").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cfg" / "minimal.yaml").write_text(MINIMAL_CONFIG)
    return write_dists(
        tmp_path / "cfg" / "distributions.yaml",
        {
            "default": {"description": "upstream default", "build-tags": []},
            "minimal": {
                "description": "small",
                "build-tags": MINIMAL_TAGS,
                "config-file": "minimal.yaml",
            },
            "minimal-memlimit": {
                "description": "minimal + memory limiter",
                "base": "minimal",
                "build-tags": ["processor.memorylimiter"],
            },
        },
    )


@pytest.fixture
def empty_registry(tmp_path: Path) -> Path:
    path = tmp_path / "cfg" / "components.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("components: {}\n")
    return path


@pytest.fixture
def request_for(
    standin, dists_file: Path, empty_registry: Path, tmp_path: Path, ocelot_cache: Path
) -> Callable[..., BuildRequest]:
    """A BuildRequest against the stand-in with the test's own config; override any field."""

    def make(**overrides: Any) -> BuildRequest:
        fields: dict[str, Any] = {
            "distributions": ("minimal",),
            "architectures": (Architecture.AMD64,),
            "upstream_repo": str(standin.path),
            "upstream_ref": "main",
            "config_path": dists_file,
            "registry_path": empty_registry,
            "output_dir": tmp_path / "out",
        }
        fields.update(overrides)
        return BuildRequest(**fields)

    return make


def build_one(request: BuildRequest) -> LayerArtifact:
    artifacts = build_layers(request)
    assert len(artifacts) == 1
    return artifacts[0]


PROGRESS_LINE = re.compile(r"^\[ *\d+\.\ds\] ")


def messages(stderr: str) -> list[str]:
    """stderr without progress lines (``[  1.2s] …``, shown when stderr is not a terminal):
    the errors and warnings a test asserts on."""
    return [line for line in stderr.strip().splitlines() if not PROGRESS_LINE.match(line)]


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "ocelot_build", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
