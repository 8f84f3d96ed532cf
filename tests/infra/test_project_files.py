"""Pulumi.yaml and the example stack file are what the issue and the docs say they are."""

from __future__ import annotations

from pathlib import Path

import yaml

from infra.ci import stack_values
from ocelot_build.core.model import Architecture
from ocelot_build.publish.stack_config import parse_stack_config
from ocelot_build.stages.config import load_distributions

ROOT = Path(__file__).resolve().parents[2]


def test_project_file_runs_infra_with_the_uv_environment():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "ocelot"
    assert project["main"] == "infra/"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"] == {"toolchain": "uv", "virtualenv": ".venv"}
    assert (ROOT / project["main"] / "__main__.py").is_file()


def test_example_stack_is_valid_and_has_every_distribution_and_both_architectures():
    config = parse_stack_config(stack_values("dev", ROOT), root=ROOT)
    assert config.distributions == tuple(load_distributions().distributions)
    assert len(config.distributions) == 9
    assert config.architectures == (Architecture.AMD64, Architecture.ARM64)
    assert len(config.upstream_ref) == 40  # pinned: exact previews without a fetch
    assert not config.shared and config.verify
