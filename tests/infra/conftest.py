"""Fixtures for the ``infra`` tests; the harness itself lives in ``pulumi_harness``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from pulumi_harness import DISTRIBUTIONS_YAML
from standin.fixtures import MINIMAL_CONFIG


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


@pytest.fixture
def standin_stack(tmp_path, standin, ocelot_cache) -> dict:
    """Stack config building `minimal` from the stand-in, with no overlay components."""
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "minimal.yaml").write_text(MINIMAL_CONFIG)
    (cfg / "components.yaml").write_text("components: {}\n")
    tags = ["custom", "receiver.otlp", "processor.batch", "exporter.otlphttp"]
    entry = {"description": "small", "build-tags": tags, "config-file": "minimal.yaml"}
    (cfg / "distributions.yaml").write_text(yaml.safe_dump({"distributions": {"minimal": entry}}))
    return {
        "ocelot:distributions": ["minimal"],
        "ocelot:architectures": ["amd64"],
        "ocelot:regions": ["eu-west-1", "us-east-1"],
        "ocelot:upstreamRepo": str(standin.path),
        "ocelot:upstreamRef": standin.main_commit,
        "ocelot:configFile": "cfg/distributions.yaml",
        "ocelot:componentsFile": "cfg/components.yaml",
        "ocelot:verify": "false",
    }
