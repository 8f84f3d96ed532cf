"""``ocelot_build.publish.prune`` against a real moto server: only what the owning stack
published, never what is in use, revoked then deleted beyond the newest N."""

from __future__ import annotations

import boto3
import pytest

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.publish import prune
from ocelot_build.publish.reconcile import layer_versions
from ocelot_build.publish.records import family_of, read_record
from tests.aws.layers import (
    ACCOUNT,
    STACK_A,
    claim,
    grant,
    lambda_client,
    sids,
    stack_publishes,
    tiny_zip,
)

A = "ocel-minimal-arm64-0_158_0"
B = "ocel-tracing-amd64-0_158_0"
POINTER = "/ocelot/ocel/minimal/arm64/latest"


def _stack(client, name, count, sharing="public", region="eu-west-1", stack=STACK_A):
    claim(name, stack, region)
    return [stack_publishes(client, name, sharing, stack) for _ in range(count)]


def _arn(name, version, region="eu-west-1"):
    return f"arn:aws:lambda:{region}:{ACCOUNT}:layer:{name}:{version}"


def _point(name, version):
    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name=POINTER, Value=_arn(name, version), Type="String", Overwrite=True
    )


def test_dry_run_says_what_it_keeps_and_why_and_changes_nothing(moto, capsys):
    client = lambda_client()
    dev = "organization/ocelot/dev"
    _stack(client, A, 4, stack=dev)
    client.publish_layer_version(LayerName=A, Content={"ZipFile": tiny_zip()}, Description="hand")
    _point(A, 4)
    capsys.readouterr()
    assert prune.main(["--region", "eu-west-1", "--keep", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"eu-west-1 {A}:5 kept: not published by stack {dev} (by hand, or another stack)",
        f"eu-west-1 {A}:4 kept: named by {POINTER}",
        f"eu-west-1 {A}:3 kept: one of the newest 2 of stack {dev}",
        f"eu-west-1 {A}:2 would delete after removing ocelot-public",
        f"eu-west-1 {A}:1 would delete after removing ocelot-public",
        "2 version(s) beyond the newest 2 (dry run; --apply to delete)",
    ]
    assert f"```\n{out}```" in (PROJECT_ROOT / "docs" / "publishing.md").read_text()
    assert layer_versions(client, A) == [1, 2, 3, 4, 5]
    assert sids(client, A, 1) == ["ocelot-public"]


def test_the_version_a_latest_pointer_names_is_never_deleted(moto, capsys):
    """Why: prune --keep 3 --apply deleted the version /ocelot/…/latest named."""
    client = lambda_client()
    _stack(client, A, 5)
    _point(A, 1)  # e.g. a failed up left the pointer behind
    args = ["--region", "eu-west-1", "--keep", "3", "--apply", "--account", ACCOUNT]
    assert prune.main(args) == 0
    assert layer_versions(client, A) == [1, 3, 4, 5]
    assert f"{A}:1 kept: named by {POINTER}" in capsys.readouterr().out


def test_the_version_the_state_declares_is_never_deleted(moto, capsys):
    client = lambda_client()
    _stack(client, A, 3)
    assert read_record(boto3.client("ssm"), family_of(A)).current == _arn(A, 3)
    client.publish_layer_version(LayerName=A, Content={"ZipFile": tiny_zip()}, Description="x")
    assert prune.main(["--keep", "1", "--apply", "--account", ACCOUNT]) == 0
    assert layer_versions(client, A) == [3, 4]  # 3 is declared and the newest listed


def test_apply_revokes_deletes_and_drops_from_the_record(moto, capsys):
    client = lambda_client()
    _stack(client, A, 4)
    _stack(client, B, 2, sharing="private")
    assert (
        prune.main(["--region", "eu-west-1", "--keep", "1", "--apply", "--account", ACCOUNT]) == 0
    )
    assert layer_versions(client, A) == [4] and layer_versions(client, B) == [2]
    out = capsys.readouterr().out
    assert f"eu-west-1 {A}:1 deleted after removing ocelot-public" in out
    assert f"eu-west-1 {B}:1 deleted\n" in out and "4 version(s) beyond the newest 1\n" in out
    assert read_record(boto3.client("ssm"), family_of(A)).versions == {A: [4]}


def test_hand_made_versions_and_other_layers_are_never_touched(moto):
    client = lambda_client()
    _stack(client, A, 2)
    client.publish_layer_version(
        LayerName=A, Content={"ZipFile": tiny_zip()}, Description="ocelot x"
    )
    grant(client, A, 3, "partner", "555566667777")
    client.publish_layer_version(LayerName="mine", Content={"ZipFile": tiny_zip()})
    client.publish_layer_version(LayerName="mine", Content={"ZipFile": tiny_zip()})
    assert prune.main(["--keep", "1", "--apply", "--account", ACCOUNT]) == 0
    assert layer_versions(client, A) == [2, 3] and sids(client, A, 3) == ["partner"]
    assert layer_versions(client, "mine") == [1, 2]


def test_layer_and_region_selection(moto):
    eu, us = lambda_client("eu-west-1"), lambda_client("us-east-1")
    _stack(eu, A, 3)
    _stack(eu, B, 3)
    _stack(us, A, 2, region="us-east-1")
    args = ["--keep", "1", "--apply", "--account", ACCOUNT]
    assert prune.main(["--region", "eu-west-1", "--layer", "ocel-minimal-*", *args]) == 0
    assert layer_versions(eu, A) == [3] and layer_versions(eu, B) == [1, 2, 3]
    assert layer_versions(us, A) == [1, 2]  # another region
    assert prune.main(["--region", "us-east-1", "--region", "eu-west-1", *args]) == 0
    assert layer_versions(us, A) == [2] and layer_versions(eu, B) == [3]


def test_apply_checks_the_account_before_any_change(moto, capsys):
    """Why: prune checked no account at all."""
    client = lambda_client()
    _stack(client, A, 3)
    capsys.readouterr()
    assert prune.main(["--keep", "1", "--apply"]) == 2
    assert capsys.readouterr().err == (
        "ocelot prune: error: --apply needs --account <12-digit id>: the account to prune\n"
    )
    assert prune.main(["--keep", "1", "--apply", "--account", "111122223333"]) == 2
    err = capsys.readouterr().err
    assert f"credentials are for account {ACCOUNT}" in err and "111122223333" in err
    assert layer_versions(client, A) == [1, 2, 3]


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_region_comes_from_the_environment(moto, capsys, monkeypatch, variable):
    """Why: with AWS_REGION set (as --help says) prune said "no region"."""
    _stack(lambda_client("eu-west-1"), A, 2)
    capsys.readouterr()
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv(variable, "eu-west-1")
    assert prune.main(["--keep", "1"]) == 0
    assert f"eu-west-1 {A}:1 would delete" in capsys.readouterr().out


def test_help_shows_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit):
        prune.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option, default in [
        ("--apply", "default: off"),
        ("--account", "default: none"),
        ("--keep", "default: 3"),
        ("--region", "default: AWS_REGION, else AWS_DEFAULT_REGION"),
        ("--layer", "default: every layer name a stack's record lists"),
    ]:
        assert option in text and default in text, option


def test_bad_input_is_one_line_exit_2(moto, capsys, monkeypatch):
    assert prune.main(["--keep", "0"]) == 2
    assert capsys.readouterr().err == (
        "ocelot prune: error: argument --keep: needs a whole number of at least 1, got '0' "
        "(see python -m ocelot_build.prune --help)\n"
    )
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert prune.main([]) == 2
    assert "no region: give --region, or set AWS_REGION" in capsys.readouterr().err


def test_aws_failure_is_exit_1(moto, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert prune.main(["--region", "eu-west-1"]) == 1
    assert "pruning in eu-west-1 failed" in capsys.readouterr().err
