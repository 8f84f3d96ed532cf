"""Fixtures for the ``infra`` tests; the harness itself lives in ``pulumi_harness``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from pulumi_harness import DISTRIBUTIONS_YAML


@pytest.fixture
def dist_file(tmp_path: Path) -> Path:
    path = tmp_path / "distributions.yaml"
    path.write_text(DISTRIBUTIONS_YAML)
    return path


@pytest.fixture
def base_config(dist_file: Path) -> dict[str, Any]:
    """A private single-region stack with two distributions and both architectures."""
    return {
        "aws:region": "eu-west-1",
        "ocelot:distributions": ["minimal", "tracing"],
        "ocelot:configFile": str(dist_file),
    }
