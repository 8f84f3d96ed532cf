"""The component list's figures come from a costs report when there is one (amd64 first),
and its absence or damage costs only the figures."""

from __future__ import annotations

import json

from ocelot_build.audit.components import ComponentRow, cost_fields, measured_costs, render


def test_costs_are_read_per_short_tag_amd64_first(tmp_path):
    path = tmp_path / "c.json"
    rows = [
        {"tag": "exporter.awss3", "architecture": "arm64", "zip_mib": 9.0, "init_ms": 9.0},
        {"tag": "lambdacomponents.exporter.awss3", "architecture": "amd64", "zip_mib": 0.13},
    ]
    path.write_text(json.dumps({"rows": rows}))
    assert measured_costs(path)["exporter.awss3"]["zip_mib"] == 0.13


def test_a_missing_or_damaged_costs_file_means_no_figures(tmp_path):
    assert measured_costs(tmp_path / "absent.json") == {}
    (tmp_path / "bad.json").write_text("{not json")
    assert measured_costs(tmp_path / "bad.json") == {}


def test_the_table_names_ids_modules_and_figures():
    rows = [
        ComponentRow(
            "processor", "processor.memorylimiter", ("memory_limiter",), "go.x/m", "upstream"
        ),
        ComponentRow("exporter", "exporter.awss3", (), "g.com/awss3", "overlay", 0.134, 3.0),
    ]
    lines = render(rows, ["all", "custom"], "ab" * 20).splitlines()
    assert lines[1].split() == [
        "processor",
        "processor.memorylimiter",
        "memory_limiter",
        "go.x/m",
        "-",
        "-",
    ]
    assert lines[2].split() == [
        "exporter",
        "exporter.awss3",
        "?",
        "g.com/awss3",
        "(overlay)",
        "+0.13",
        "+3",
    ]
    assert "2 component tags at upstream commit abababababab; also: all, custom" in lines[-2]


def test_a_cost_within_noise_is_marked_and_the_base_says_so(tmp_path):
    """Before, '-' ("not measured") stood for minimal's own components and a -73 ms init
    whose interval straddles 0 read as a saving."""
    path = tmp_path / "c.json"
    rows = [
        {"tag": "connector.spaneventtolog", "architecture": "amd64", "zip_mib": 0.02,
         "init_ms": -73.0, "measurable": "no"},
        {"tag": "exporter.awss3", "architecture": "amd64", "zip_mib": 2.07,
         "init_ms": 177.0, "measurable": "CPU"},
        {"tag": "processor.filter", "architecture": "amd64", "zip_mib": 2.56,
         "init_ms": 163.0, "measurable": "wall, CPU"},
    ]  # fmt: skip
    path.write_text(json.dumps({"rows": rows, "base_tags": ["custom", "receiver.otlp"]}))
    costs = measured_costs(path)
    assert costs["receiver.otlp"] == {"in_minimal": True}
    table = [ComponentRow("k", t, (), "m", "upstream", **cost_fields(c)) for t, c in costs.items()]
    rendered = render(table, [], "ab" * 20).split("\n")[1:6]
    lines = {line.split()[1]: line.split()[-2:] for line in rendered}
    assert lines["connector.spaneventtolog"] == ["+0.02", "-73?"]
    assert lines["exporter.awss3"] == ["+2.07", "+177?"]
    assert lines["processor.filter"] == ["+2.56", "+163"]
    (base,) = [line for line in rendered if "receiver.otlp" in line]
    assert base.split()[-4:] == ["in", "minimal", "in", "minimal"]
