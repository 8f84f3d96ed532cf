"""Path options: an empty one is bad input (one line, exit 2), never the current directory."""

from __future__ import annotations

import pytest

from ocelot_build import cli
from ocelot_build.audit import costs


@pytest.mark.parametrize("option", ["-o", "-c", "--components"])
def test_an_empty_path_option_is_refused_and_nothing_is_written(
    option, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["-d", "minimal", option, "", "--skip-publish"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith(f"ocelot: error: argument {option}")
    assert "is empty; give a path" in err
    assert list(tmp_path.iterdir()) == []


def test_costs_refuses_an_empty_output_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert costs.main(["-o", ""]) == 2
    assert "-o/--output-dir: is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
