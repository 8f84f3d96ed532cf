"""The component list's figures come from a costs report when there is one (amd64 first),
and its absence or damage costs only the figures."""

from __future__ import annotations

import json

from ocelot_build.audit.components import ComponentRow, measured_costs, render


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
