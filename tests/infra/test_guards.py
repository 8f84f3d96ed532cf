"""Guards that hold before anything is built (issue 10, point 7): each test reproduces a
finding of the review: a misspelt region, a layer name that only fails after every build,
``[all, minimal]``, and Pulumi's ``root_directory`` placeholder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pulumi
import pytest
from pulumi_harness import LAYER, FakeBuilder, run_program

from infra import program
from ocelot_build import cli
from ocelot_build.core.errors import UsageError
from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.core.runtimes import lambda_regions, layer_name_limit, region_problem
from ocelot_build.publish import naming
from ocelot_build.publish.stack_config import StackConfigError, parse_stack_config


def _errors(raw: dict, root: Path) -> list[str]:
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config(wire, root=root)
    return list(caught.value.errors)


def test_lambda_regions_come_from_botocore_endpoint_data():
    regions = lambda_regions()
    assert {"eu-west-1", "us-east-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"} <= set(
        regions
    )
    assert not [r for r in regions if r.startswith("fips-")]  # endpoint variants, not regions
    assert region_problem("eu-west-1") is None


def test_a_misspelt_region_is_refused_with_did_you_mean(tmp_path, base_config):
    errors = _errors({**base_config, "ocelot:regions": ["eu-westt-1", "us-east-1"]}, tmp_path)
    assert errors == [
        "ocelot:regions: unknown AWS region 'eu-westt-1' (did you mean: eu-west-1, us-west-1, "
        "eu-west-3)"
    ]
    errors = _errors({**base_config, "aws:region": "us-esat-1"}, tmp_path)
    assert errors[0].startswith("aws:region: unknown AWS region 'us-esat-1' (did you mean: ")
    assert "us-east-1" in errors[0]


def test_all_with_other_names_says_so_instead_of_unknown_all(tmp_path, base_config):
    errors = _errors({**base_config, "ocelot:distributions": ["all", "minimal"]}, tmp_path)
    assert errors == [
        "ocelot:distributions: 'all' already means every distribution; give it alone or name "
        "distributions"
    ]
    with pytest.raises(UsageError, match="'all' already means every distribution"):
        cli.parse_request(["-d", "all,minimal", "--skip-publish"])


def test_layer_name_that_fits_only_without_the_version_fails_before_any_build(
    tmp_path, base_config
):
    """The published name is ``<base>-<dist>-<arch>-<version>``; the check keeps room for
    the version, so the program refuses the stack before its builder runs."""
    base = "b" * (layer_name_limit() - len("-minimal-amd64") - 2)  # fits without the version
    builder = FakeBuilder()
    with pytest.raises(StackConfigError) as caught:
        run_program({**base_config, "ocelot:layerName": base}, root=tmp_path, builder=builder)
    assert builder.calls == []
    (line,) = caught.value.errors
    assert line.startswith(f"ocelot:layerName: layer name {base!r} is too long: with the suffix ")
    assert f"'-minimal-amd64{naming.VERSION_RESERVE}'" in line
    fits = "b" * (layer_name_limit() - len("-minimal-amd64" + naming.VERSION_RESERVE))
    run = run_program({**base_config, "ocelot:layerName": fits}, root=tmp_path, builder=builder)
    assert len(run.names(LAYER)) == 4


def test_cli_checks_the_layer_name_against_every_distribution_all_stands_for(dist_file):
    dist_file.write_text(
        dist_file.read_text()
        + "  tracing-with-long-name:\n    description: x\n    base: tracing\n    build-tags: []\n"
    )
    base = "b" * (layer_name_limit() - len("-tracing-with-long-name-amd64") + 1)
    with pytest.raises(UsageError, match="too long: with the suffix '-tracing-with-long-name-"):
        cli.parse_request(["-d", "all", "-c", str(dist_file), "-l", base, "--skip-publish"])


def test_project_root_ignores_the_mocks_placeholder(tmp_path, monkeypatch):
    """Under Pulumi's mocks ``get_root_directory()`` is the string ``root_directory``: taking
    it would write ``root_directory/build/…`` into the working directory."""
    monkeypatch.chdir(tmp_path)
    pulumi.runtime.set_mocks(FakeMocks(), project="ocelot", stack="dev", preview=False)
    assert pulumi.runtime.get_root_directory() == "root_directory"
    assert program.project_root() == PROJECT_ROOT
    (tmp_path / "Pulumi.yaml").write_text("name: ocelot\n")
    monkeypatch.setattr(pulumi.runtime, "get_root_directory", lambda: str(tmp_path))
    assert program.project_root() == tmp_path
    monkeypatch.setattr(pulumi.runtime, "get_root_directory", lambda: "root_directory")
    assert program.project_root() == PROJECT_ROOT
    assert not os.path.exists(tmp_path / "root_directory")


class FakeMocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args):
        return {}


def test_public_stacks_must_name_their_accounts(tmp_path, base_config):
    public = {**base_config, "ocelot:public": "true"}
    assert _errors(public, tmp_path) == [
        "aws:allowedAccountIds: required for a public stack: list the account ids it may "
        "publish into (the provider and ocelot refuse credentials for any other account)"
    ]
    assert _errors({**public, "aws:allowedAccountIds": ["12345"]}, tmp_path) == [
        "aws:allowedAccountIds: '12345' is not a list of 12-digit AWS account ids; set each "
        "with `pulumi config set --path 'aws:allowedAccountIds[0]' 123456789012` (and [1], [2] …)"
    ]
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in public.items()}
    wire["aws:allowedAccountIds"] = '["222233334444", "111122223333"]'  # as Pulumi passes it
    config = parse_stack_config(wire, root=tmp_path)
    assert config.allowed_accounts == ("111122223333", "222233334444")


def test_account_ids_stored_as_numbers_are_accepted(tmp_path, base_config):
    """Why: ``pulumi config set --path 'aws:allowedAccountIds[0]' 123456789012`` stores a
    number, and the program refused ``[123456789012]``. A number also loses an id's leading
    zeros, which are put back; ``ocelot:accounts`` set the same way reads the same."""
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in base_config.items()}
    wire["ocelot:public"] = "true"
    wire["aws:allowedAccountIds"] = "[123456789012, 12345678901]"  # as Pulumi passes it
    config = parse_stack_config(wire, root=tmp_path)
    assert config.allowed_accounts == ("012345678901", "123456789012")
    del wire["ocelot:public"]
    wire["ocelot:accounts"] = "[111122223333]"
    assert parse_stack_config(wire, root=tmp_path).accounts == ("111122223333",)
    wire["ocelot:accounts"] = "[1111222233334444]"
    with pytest.raises(StackConfigError, match="'1111222233334444' is not a 12-digit"):
        parse_stack_config(wire, root=tmp_path)
