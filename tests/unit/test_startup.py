"""Cold-start options: parsing, and the edits of upstream's collector.go they make."""

from __future__ import annotations

from pathlib import Path

import pytest
from standin.fixtures import write_dists

from ocelot_build.core.errors import ConfigError
from ocelot_build.stages import startup
from ocelot_build.stages.config import DEFAULT_CONFIG, load_distributions
from ocelot_build.stages.startup import AnchorMissing, StartOptions

MODULE = "example.com/lambda/collector"
# The shape of upstream's internal/collector/collector.go (imports, provider list, the wait
# for the running state), written for this test.
COLLECTOR_GO = """package collector

import (
\t"context"
\t"fmt"

\t"example.com/contrib/confmap/provider/s3provider"
\t"example.com/contrib/confmap/provider/secretsmanagerprovider"
\t"example.com/core/confmap/provider/envprovider"
\t"example.com/core/confmap/provider/fileprovider"
\t"example.com/core/confmap/provider/httpprovider"
\t"example.com/core/confmap/provider/httpsprovider"
\t"example.com/core/confmap/provider/yamlprovider"
\t"example.com/core/otelcol"
)

func settings() []confmap.ProviderFactory {
\treturn confmap.ResolverSettings{
$FACTORIES
\t}
}

func (c *Collector) Start(ctx context.Context) error {
\tfor {
\t\tswitch c.svc.GetState() {
\t\tcase otelcol.StateStarting:
\t\t\t// NoOp
\t\tcase otelcol.StateRunning:
\t\t\treturn nil
\t\tdefault:
\t\t\treturn fmt.Errorf("state")
\t\t}
\t}
}
""".replace(
    "$FACTORIES",
    "\\t\\tProviderFactories: []confmap.ProviderFactory{"
    + ", ".join(f"{p}provider.NewFactory()" for p in ("file", "env", "yaml", "https", "http"))
    + ", s3provider.NewFactory(), secretsmanagerprovider.NewFactory()},",
)


def _tree(tmp_path: Path, text: str = COLLECTOR_GO) -> Path:
    path = tmp_path / startup.COLLECTOR_GO
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return tmp_path


def test_upstream_options_leave_the_tree_alone(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    startup.apply(root, StartOptions(), MODULE)
    assert (root / startup.COLLECTOR_GO).read_text() == COLLECTOR_GO
    assert not (root / startup.STARTUP_PACKAGE).exists()
    assert StartOptions().key() is None


def test_dropped_providers_lose_their_factory_and_import(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    startup.apply(root, StartOptions(providers=("file", "env", "yaml", "http", "https")), MODULE)
    text = (root / startup.COLLECTOR_GO).read_text()
    assert "s3provider" not in text and "secretsmanagerprovider" not in text
    assert (
        "{fileprovider.NewFactory(), envprovider.NewFactory(), yamlprovider.NewFactory(), "
        "httpsprovider.NewFactory(), httpprovider.NewFactory()}" in text
    )
    assert '"example.com/core/confmap/provider/fileprovider"' in text


def test_cuts_hook_the_start_and_write_the_package(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    startup.apply(root, StartOptions(cuts=("sleep-wait", "gc-off")), MODULE)
    text = (root / startup.COLLECTOR_GO).read_text()
    assert f'import (\n\t"{MODULE}/internal/ocelotstartup"\n' in text
    assert "error {\n\tdefer ocelotstartup.Done()\n" in text
    assert "case otelcol.StateStarting:\n\t\t\tocelotstartup.Pause()\n" in text
    assert "// NoOp" not in text
    source = (root / startup.STARTUP_PACKAGE / "ocelotstartup.go").read_text()
    assert "const holdGC = true" in source


def test_without_sleep_wait_the_busy_loop_stays(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    startup.apply(root, StartOptions(cuts=("gc-off",)), MODULE)
    text = (root / startup.COLLECTOR_GO).read_text()
    assert "// NoOp" in text and "Pause" not in text
    assert "defer ocelotstartup.Done()" in text


@pytest.mark.parametrize(
    ("text", "options", "why"),
    [
        (
            COLLECTOR_GO.replace("ProviderFactories", "Providers"),
            StartOptions(providers=("file",)),
            "no ProviderFactories",
        ),
        (
            COLLECTOR_GO.replace("\t\t\t// NoOp\n", ""),
            StartOptions(cuts=("sleep-wait",)),
            "StateStarting",
        ),
        (
            COLLECTOR_GO.replace("(c *Collector) Start", "(c *Collector) Begin"),
            StartOptions(cuts=("gc-off",)),
            "Collector.Start",
        ),
        (
            COLLECTOR_GO.replace(", s3provider.NewFactory()", ""),
            StartOptions(providers=("s3",)),
            "no s3 provider",
        ),
    ],
)
def test_a_missing_anchor_names_what_is_missing(
    tmp_path: Path, text: str, options: StartOptions, why: str
) -> None:
    root = _tree(tmp_path, text)
    with pytest.raises(AnchorMissing, match=why):
        startup.apply(root, options, MODULE)


def test_parse_takes_known_names_in_canonical_order() -> None:
    found, errors = startup.parse(
        {"config-providers": ["yaml", "file"], "cold-start": ["gc-off", "sleep-wait"]}, "d.x"
    )
    assert errors == []
    assert found == {"config-providers": ("file", "yaml"), "cold-start": ("sleep-wait", "gc-off")}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"config-providers": ["file", "s4"]},
            "d.x.config-providers: unknown 's4'; allowed: file, env",
        ),
        ({"config-providers": "file"}, "d.x.config-providers must be a list"),
        ({"config-providers": []}, "must name at least one provider"),
        (
            {"cold-start": ["gc"]},
            "d.x.cold-start: unknown 'gc'; allowed: sleep-wait, gc-off",
        ),
    ],
)
def test_parse_rejects_bad_values_with_what_is_allowed(
    entry: dict[str, object], message: str
) -> None:
    _, errors = startup.parse(entry, "d.x")
    assert len(errors) == 1 and message in errors[0]


def test_the_edits_match_what_was_measured():
    """The constants are the only difference between the repository's Go source and what a
    layer compiles, and the cache key follows them."""
    source = startup.startup_source(("gc-off",))
    assert source.replace("holdGC = true", "holdGC = false") == startup.GO_SOURCE.read_text()
    keys = {StartOptions(cuts=c).key()["go"] for c in [("gc-off",), ("sleep-wait",)]}  # type: ignore[index]
    assert len(keys) == 2


def test_options_are_inherited_and_overridden(tmp_path):
    path = write_dists(
        tmp_path / "d.yaml",
        {
            "base": {
                "description": "b",
                "config-providers": ["file", "env"],
                "cold-start": ["gc-off"],
            },
            "child": {"description": "c", "base": "base", "cold-start": ["sleep-wait"]},
            "plain": {"description": "p"},
        },
    )
    dists = load_distributions(path).distributions
    assert dists["child"].start == StartOptions(("file", "env"), ("sleep-wait",))
    assert dists["base"].start == StartOptions(("file", "env"), ("gc-off",))
    assert dists["plain"].start.is_upstream


def test_bad_options_fail_the_file_with_their_field(tmp_path):
    path = write_dists(
        tmp_path / "d.yaml",
        {"x": {"description": "x", "cold-start": ["no-gc"], "config-providers": ["s3", "ftp"]}},
    )
    with pytest.raises(ConfigError) as err:
        load_distributions(path)
    text = str(err.value)
    assert "distributions.x.cold-start: unknown 'no-gc'; allowed: sleep-wait, gc-off" in text
    assert "distributions.x.config-providers: unknown 'ftp'" in text
    assert err.value.exit_code == 2


def test_the_project_minimal_layers_use_the_cuts_and_default_stays_upstream():
    dists = load_distributions(DEFAULT_CONFIG).distributions
    assert dists["default"].start.is_upstream
    assert dists["full"].start.is_upstream
    assert dists["minimal"].start == StartOptions(
        ("file", "env", "yaml", "http", "https"), startup.CUTS
    )
    forwarder = dists["minimal-forwarder"].start
    assert "secretsmanager" in forwarder.providers  # its config may read secrets


def test_cold_start_alone_keeps_upstreams_providers_whatever_they_are(tmp_path: Path) -> None:
    """Before, a distribution setting only cold-start was refused on an upstream without,
    say, the s3 provider: the default "all seven" was applied as an edit. Now the list is
    left as upstream wrote it, the manifest names what it links, and the key says so."""
    without_s3 = COLLECTOR_GO.replace(", s3provider.NewFactory()", "").replace(
        '\t"example.com/contrib/confmap/provider/s3provider"\n', ""
    )
    root = _tree(tmp_path, without_s3)
    options = StartOptions(cuts=("sleep-wait",))
    startup.apply(root, options, MODULE)
    text = (root / startup.COLLECTOR_GO).read_text()
    assert "secretsmanagerprovider.NewFactory()}" in text and "s3provider" not in text
    assert "defer ocelotstartup.Done()" in text
    linked = startup.linked_providers(without_s3, options)
    assert linked == ("file", "env", "yaml", "https", "http", "secretsmanager")
    key = options.key()
    assert key is not None and key["config-providers"] == "upstream's"
    cut = StartOptions(providers=("file", "env"), cuts=("sleep-wait",))
    assert startup.linked_providers(without_s3, cut) == ("file", "env")
    with pytest.raises(AnchorMissing, match="upstream links no s3 provider"):
        startup.edit(without_s3, StartOptions(providers=("file", "s3")), MODULE)
