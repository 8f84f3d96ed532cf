"""``python -m infra.ci``: the workflow's build matrix and per-stack settings, from real files."""

from __future__ import annotations

import json

import pytest
import yaml

from infra import ci
from ocelot_build.errors import UsageError


@pytest.fixture
def project(tmp_path, dist_file, standin, ocelot_cache):
    """A project dir with two stacks on the stand-in upstream (a real bare git repo)."""
    common = {"ocelot:upstreamRepo": str(standin.path), "ocelot:configFile": dist_file.name}
    stacks = {
        "prod-eu": {"aws:region": "eu-west-1", "ocelot:distributions": ["minimal"], **common},
        "prod-us": {"aws:region": "us-east-1", "ocelot:distributions": ["minimal", "tracing"],
                    "ocelot:architectures": ["arm64"], **common},
    }  # fmt: skip
    for name, values in stacks.items():
        (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": values}))
    return tmp_path


def _inputs(**env):
    return ci.RunInputs.from_env({"STACKS": "prod-eu,prod-us", **env})


def test_plan_builds_each_layer_once_from_one_commit(project, standin):
    result = ci.plan(_inputs(ARCHITECTURES="all"), project)
    jobs = sorted((j["distribution"], j["architecture"]) for j in result["matrix"])
    assert jobs == [("minimal", "amd64"), ("minimal", "arm64"), ("tracing", "arm64")]
    assert {j["commit"] for j in result["matrix"]} == {standin.main_commit}
    assert {j["config"] for j in result["matrix"]} == {"distributions.yaml"}
    assert result["stacks"] == [
        {"stack": "prod-eu", "region": "eu-west-1", "commit": standin.main_commit},
        {"stack": "prod-us", "region": "us-east-1", "commit": standin.main_commit},
    ]


def test_run_inputs_add_to_each_stack(project, standin):
    inputs = _inputs(DISTRIBUTIONS="tracing", ARCHITECTURES="amd64", UPSTREAM_REF=standin.tag_name)
    result = ci.plan(inputs, project)
    jobs = sorted((j["distribution"], j["architecture"]) for j in result["matrix"])
    # prod-eu has the default architectures (both); prod-us gains amd64
    assert jobs == [(d, a) for d in ("minimal", "tracing") for a in ("amd64", "arm64")]
    assert {s["commit"] for s in result["stacks"]} == {standin.tag_commit}


def test_apply_pins_the_commit_and_spells_out_the_run(project, standin):
    path = ci.apply("prod-us", standin.main_commit, _inputs(DISTRIBUTIONS="all"), project)
    config = yaml.safe_load(path.read_text())["config"]
    assert config["ocelot:upstreamRef"] == standin.main_commit
    assert config["ocelot:distributions"] == ["minimal", "tracing", "full"]
    assert config["ocelot:architectures"] == ["arm64"]


def test_bad_stack_config_is_reported_with_the_stack_and_key(project):
    (project / "Pulumi.prod-eu.yaml").write_text(
        yaml.safe_dump({"config": {"aws:region": "eu-west-1", "ocelot:distribution": ["x"]}})
    )
    with pytest.raises(UsageError, match=r"stack 'prod-eu': ocelot:distribution: unknown key"):
        ci.plan(_inputs(), project)


def test_unknown_stack_and_bad_names_are_usage_errors(project):
    with pytest.raises(UsageError, match=r"has no Pulumi\.staging\.yaml"):
        ci.plan(ci.RunInputs.from_env({"STACKS": "staging"}), project)
    with pytest.raises(UsageError, match="is not a Pulumi stack name"):
        ci.RunInputs.from_env({"STACKS": "dev; rm -rf /"})
    with pytest.raises(UsageError, match="STACKS is empty"):
        ci.RunInputs.from_env({})


def test_main_prints_github_output_lines(project, monkeypatch, capsys):
    monkeypatch.setenv("STACKS", "prod-eu")
    assert ci.main(["plan"], project) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["matrix", "stacks"]
    assert len(json.loads(lines[0].split("=", 1)[1])) == 2
    monkeypatch.setenv("STACKS", "nope")
    assert ci.main(["plan"], project) == 2
