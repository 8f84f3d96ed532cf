"""python -m ocelot_build.costs on the stand-in: minimal and minimal + X for every component
outside minimal, with sizes, modules and a chart; bad input is one line, exit 2."""

from __future__ import annotations

import json

import pytest

from ocelot_build.audit import costs

from .conftest import messages


@pytest.fixture
def args(standin, dists_file, empty_registry, tmp_path, ocelot_cache) -> list[str]:
    return [
        *("-r", str(standin.path), "-c", str(dists_file), "--components", str(empty_registry)),
        *("-o", str(tmp_path / "costs"), "--runs", "2"),
    ]


def test_every_component_outside_minimal_gets_a_row_and_a_chart(args, tmp_path, capsys):
    assert costs.main(args) == 0, capsys.readouterr().err
    out = tmp_path / "costs"
    data = json.loads((out / "component-costs.json").read_text())
    tags = {r["tag"] for r in data["rows"]}
    # the stand-in's components, less minimal's own (otlp, batch, otlphttp)
    assert sorted(tags) == [
        "connector.spanmetrics",
        "exporter.debug",
        "exporter.otlp",
        "extension.basicauth",
        "processor.coldstart",
        "processor.decouple",
        "processor.memorylimiter",
        "receiver.telemetryapi",
    ]
    rows = {r["tag"]: r for r in data["rows"]}
    spanmetrics = rows["connector.spanmetrics"]
    assert spanmetrics["kind"] == "connector" and spanmetrics["source"] == "upstream"
    assert spanmetrics["zip_mib"] > 0 and spanmetrics["unzipped_mib"] > 0
    assert any("spanmetricsconnector" in m for m in spanmetrics["modules_added"])
    # the stand-in's collector is not a real one: its boot check fails, which the row says
    assert spanmetrics["init_ms"] is None and "boot check failed" in spanmetrics["note"]
    assert data["base"]["amd64"]["zip_size"] > 0
    assert data["memory_mb"] == [128, 1769] and len(data["load"]) == 2
    assert data["upstream"] == "a local copy"  # -r was a local path: kept off the page
    assert {r["memory_mb"] for r in data["rows"]} == {128, 1769}  # a row per size
    table = (out / "component-costs.md").read_text()
    assert "| `connector.spanmetrics` | connector | upstream |" in table
    assert "### amd64, 128 MB" in table and "### amd64, 1,769 MB" in table
    assert (out / "component-costs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_another_architecture_gets_sizes_only(args, tmp_path, capsys):
    argv = [*args, "-a", "arm64", "--only", "exporter.debug", "--no-chart"]
    assert costs.main(argv) == 0, capsys.readouterr().err
    data = json.loads((tmp_path / "costs" / "component-costs.json").read_text())
    [row] = data["rows"]
    assert row["architecture"] == "arm64" and row["zip_mib"] > 0
    assert row["init_ms"] is None and row["note"].startswith("sizes only")
    assert data["base"]["arm64"]["boots"] is None and row["memory_mb"] is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--runs", "0"], "--runs: needs a whole number of at least 1, got '0'"),
        (["--memory-mb", "64"], "--memory-mb must be a whole number of MB from 128 to 10240"),
        (["--memory-mb", ","], "--memory-mb needs at least one size"),
        (["--only", "exporter.nope"], "--only: exporter.nope not a component outside minimal"),
        (["-a", "s390x"], "unknown architecture 's390x'"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, tmp_path, capsys, extra, message):
    assert costs.main([*args, "--no-chart", *extra]) == 2
    err = messages(capsys.readouterr().err)
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "costs").exists()
