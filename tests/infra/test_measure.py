"""``python -m infra.measure``: the program's figures for a stack, with the real engine."""

from __future__ import annotations

import re

import yaml

from infra import measure


def test_measure_prints_runs_and_declared_resources(tmp_path, standin_stack, capsys):
    (tmp_path / "Pulumi.bench.yaml").write_text(yaml.safe_dump({"config": standin_stack}))
    assert measure.main(["--stack", "bench", "--runs", "2"], tmp_path) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"run 1: [\d.]+ s \(engine [\d.]+ s\), 0/1 layers from the cache", out[0])
    assert re.fullmatch(r"run 2: [\d.]+ s \(engine [\d.]+ s\), 1/1 layers from the cache", out[1])
    assert "   2  aws:lambda/layerVersion:LayerVersion" in out
    assert "   2  ocelot:index:CollectorLayer" in out
    assert out[-2:] == ["      minimal-amd64-eu-west-1", "      minimal-amd64-us-east-1"]


def test_measure_reports_bad_config_as_exit_2(tmp_path, capsys):
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": {"aws:region": "x"}}))
    assert measure.main(["--stack", "bad"], tmp_path) == 2
    assert "ocelot:distributions: is required" in capsys.readouterr().err
