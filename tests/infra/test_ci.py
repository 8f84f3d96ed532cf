"""``python -m infra.ci plan``: the workflow's build matrix and stacks, from committed files.

CI records desired state in git: the one input selects stacks; a run never edits
``Pulumi.<stack>.yaml``, so a run after any other run of the same commit plans the same."""

from __future__ import annotations

import json

import pytest
import yaml

from infra import ci
from ocelot_build.core.errors import UsageError

COMMIT = "c72580eb31f561c6cac4770cd274ea1e06e0b4b0"


@pytest.fixture
def project(tmp_path, dist_file):
    """A project dir with two committed stacks pinned to one commit."""
    common = {"ocelot:configFile": dist_file.name, "ocelot:upstreamRef": COMMIT}
    stacks = {
        "prod-eu": {"aws:region": "eu-west-1", "ocelot:distributions": ["minimal"], **common},
        "prod-us": {"aws:region": "us-east-1",
                    "ocelot:distributions": ["minimal", "tracing", "full/arm64"],
                    "ocelot:architectures": ["amd64"], **common},
    }  # fmt: skip
    for name, values in stacks.items():
        (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": values}))
    return tmp_path


def _inputs(**env):
    return ci.RunInputs.from_env({"STACKS": "prod-eu,prod-us", **env})


def test_plan_builds_each_committed_layer_once_at_the_pinned_commit(project):
    result = ci.plan(_inputs(), project)
    jobs = sorted((j["distribution"], j["architecture"]) for j in result["matrix"])
    assert jobs == [("full", "arm64"), ("minimal", "amd64"), ("minimal", "arm64"),
                    ("tracing", "amd64")]  # fmt: skip
    assert {j["commit"] for j in result["matrix"]} == {COMMIT}
    assert {j["config"] for j in result["matrix"]} == {"distributions.yaml"}
    repo = "open-telemetry/opentelemetry-lambda"
    assert result["stacks"] == [
        {"stack": "prod-eu", "region": "eu-west-1", "repo": repo},
        {"stack": "prod-us", "region": "us-east-1", "repo": repo},
    ]


def test_a_run_never_changes_the_committed_stack_files(project):
    before = {p.name: p.read_bytes() for p in project.glob("Pulumi.*.yaml")}
    first = ci.plan(_inputs(), project)
    assert {p.name: p.read_bytes() for p in project.glob("Pulumi.*.yaml")} == before
    assert ci.plan(_inputs(), project) == first


def test_only_stacks_can_be_chosen_at_run_time():
    """Distributions, architectures or a ref given as inputs would publish what git does not
    record; the workflow has no such inputs and the plan reads none."""
    inputs = ci.RunInputs.from_env(
        {"STACKS": "prod-eu", "DISTRIBUTIONS": "full", "UPSTREAM_REF": "main"}
    )
    assert inputs == ci.RunInputs(stacks=("prod-eu",))


def test_a_stack_on_a_branch_is_refused(project):
    path = project / "Pulumi.prod-eu.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["ocelot:upstreamRef"] = "main"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UsageError, match=r"ocelot:upstreamRef 'main' is not a full commit SHA"):
        ci.plan(_inputs(), project)


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


def test_build_jobs_get_a_url_they_can_clone_and_credentials_never_come_from_git(project):
    """Why: the build jobs got the redacted URL (``https://***@host/…``), which no one can
    clone. The URL now goes as committed; one with credentials in it is refused, because the
    token belongs in the OCELOT_UPSTREAM_TOKEN secret, not in a committed file."""
    path = project / "Pulumi.prod-eu.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["ocelot:upstreamRepo"] = "https://git.example.com/acme/lambda.git"
    path.write_text(yaml.safe_dump(data))
    result = ci.plan(ci.RunInputs(("prod-eu",)), project)
    assert {j["repo"] for j in result["matrix"]} == {"https://git.example.com/acme/lambda.git"}
    assert result["stacks"][0]["repo"] == "https://git.example.com/acme/lambda.git"
    data["config"]["ocelot:upstreamRepo"] = "https://bot:s3cret@git.example.com/acme/lambda.git"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UsageError) as caught:
        ci.plan(ci.RunInputs(("prod-eu",)), project)
    assert str(caught.value) == (
        "stack 'prod-eu': ocelot:upstreamRepo 'https://***@git.example.com/acme/lambda.git' "
        "carries credentials in Pulumi.prod-eu.yaml; commit the URL without them and put the "
        "token in the repository secret OCELOT_UPSTREAM_TOKEN"
    )
    assert "s3cret" not in str(caught.value)
