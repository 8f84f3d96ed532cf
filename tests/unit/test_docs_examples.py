"""YAML a page shows users is loaded the way ocelot loads it, so the page cannot drift."""

from __future__ import annotations

import re

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.stages.config import load_distributions


def yaml_block(page: str, heading: str) -> str:
    """The first ```yaml block under ``heading`` in ``page``."""
    text = (PROJECT_ROOT / page).read_text()
    section = text.split(heading, 1)[1]
    found = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert found, f"no yaml block under {heading!r} in {page}"
    return found.group(1)


def test_the_go_replaces_example_is_a_distributions_file(tmp_path):
    block = yaml_block("docs/components.md", "## Replacing Go modules (`go-replaces`)")
    (tmp_path / "vendor" / "mymodule").mkdir(parents=True)
    path = tmp_path / "mine.yaml"
    path.write_text(block)
    loaded = load_distributions(path)
    contrib = "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/"
    assert loaded.go_replaces == {
        f"{contrib}clickhouseexporter": f"{contrib}clickhouseexporter@v0.157.0",
        "example.com/mymodule": "./vendor/mymodule",
    }
    assert "lambdacomponents.exporter.clickhouse" in loaded.distributions["mine"].tags
    assert loaded.distributions["mine"].lineage == ("mine", "minimal")  # the shipped minimal
