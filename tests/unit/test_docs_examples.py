"""YAML a page shows users is loaded the way ocelot loads it, so the page cannot drift."""

from __future__ import annotations

import re
import shutil

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.stages import collector_config
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


# YAML ids of the README example's components, as the real upstream declares them
IDS = {
    "receiver": {"otlp": ("otlp",)},
    "processor": {"batch": ("batch",), "decouple": ("decouple",)},
    "exporter": {
        "otlphttp": ("otlp_http", "otlphttp"),
        "prometheusremotewrite": ("prometheus_remote_write", "prometheusremotewrite"),
    },
    "connector": {},
    "extension": {},
}


def test_the_readme_example_ships_a_config_that_uses_what_it_adds(tmp_path):
    """README's ``minimal-prometheus``, put beside the shipped examples: its bundled config
    names only what the layer has and leaves nothing it links unused."""
    block = yaml_block("README.md", "## Distributions")
    shutil.copytree(PROJECT_ROOT / "config" / "examples", tmp_path / "examples")
    path = tmp_path / "distributions.yaml"
    path.write_text(block)
    dist = load_distributions(path).distributions["minimal-prometheus"]
    assert dist.config_file is not None
    config = dist.config_file.read_bytes()
    collector_config.check_config(config, IDS, "minimal-prometheus")
    assert collector_config.unused(config, IDS) == []


def test_minimal_config_leaves_an_added_exporter_unused():
    """What the README example did before it shipped its own config: the warning's input."""
    config = (PROJECT_ROOT / "config" / "examples" / "minimal.yaml").read_bytes()
    assert collector_config.unused(config, IDS) == ["exporter prometheusremotewrite"]


def test_the_stack_key_table_names_every_ocelot_key():
    from ocelot_build.publish.stack_config import KEYS

    text = (PROJECT_ROOT / "docs" / "publishing.md").read_text()
    table = text.split("## Stack configuration (`ocelot:` keys)", 1)[1].split("\n\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)
    assert sorted(documented) == sorted(KEYS)


def test_the_cli_publishing_path_sets_the_region_first():
    text = (PROJECT_ROOT / "docs" / "publishing.md").read_text()
    path = text.split("## Publishing from the build CLI", 1)[1].split("\n## ", 1)[0]
    assert path.index("pulumi config set aws:region") < path.index("--stack prod-eu-west-1\n")


def test_a_copy_of_config_with_go_replaces_keeps_every_shipped_name(tmp_path):
    """docs/components.md's `cp -r config my-config`, then a go-replaces mapping added: the
    copy loads with the shipped names and bundled configs, plus the replacement; and the
    page's build line passes the copy with -c."""
    page = (PROJECT_ROOT / "docs" / "components.md").read_text()
    copy_line, build_line = re.findall(r"```sh\n(.*?)\n(.*?)\n```", page, re.DOTALL)[0]
    assert copy_line.split("#")[0].split() == ["cp", "-r", "config", "my-config"]
    assert "-c my-config/distributions.yaml" in build_line
    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "my-config")
    path = tmp_path / "my-config" / "distributions.yaml"
    module = "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/x"
    path.write_text(path.read_text() + f"\ngo-replaces:\n  {module}: {module}@v0.157.0\n")
    copied = load_distributions(path)
    shipped = load_distributions(PROJECT_ROOT / "config" / "distributions.yaml")
    assert list(copied.distributions) == list(shipped.distributions)
    assert copied.go_replaces == {module: f"{module}@v0.157.0"}
    for name, dist in copied.distributions.items():
        original = shipped.distributions[name]
        assert dist.tags == original.tags
        ours = dist.config_file.read_bytes() if dist.config_file else None
        assert ours == (original.config_file.read_bytes() if original.config_file else None)
