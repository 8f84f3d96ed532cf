"""The reconciler against a real moto server: older versions in line with the mode, the
current one left to its permission resources, and only versions its own stack published."""

from __future__ import annotations

import json

import pytest

from ocelot_build.core.errors import UsageError
from ocelot_build.publish import reconcile
from ocelot_build.publish.reconcile import managed_names
from ocelot_build.publish.records import Record, family_of, read_record
from tests.aws.layers import (
    ACCOUNT,
    STACK_A,
    STACK_B,
    claim,
    grant,
    lambda_client,
    publish,
    sids,
    stack_publishes,
    step_env,
)

ORG = "o-abcdef1234"
NAME = "ocel-minimal-arm64-0_158_0"


def _all(client, name=NAME):
    return {v: sids(client, name, v) for v in reconcile.layer_versions(client, name)}


def _ssm():
    import boto3

    return boto3.client("ssm", region_name="eu-west-1")


@pytest.fixture
def client(moto):
    claim(NAME, STACK_A)
    return lambda_client()


def test_older_versions_follow_the_mode_and_the_current_one_holds_none_of_ours(client):
    for _ in range(3):
        stack_publishes(client, NAME, "public")
    assert _all(client) == {1: ["ocelot-public"], 2: ["ocelot-public"], 3: []}
    assert reconcile.main([], env=step_env(NAME, 3, f"org:{ORG}")) == 0
    assert _all(client) == {1: [f"ocelot-org-{ORG}"], 2: [f"ocelot-org-{ORG}"], 3: []}
    assert reconcile.main([], env=step_env(NAME, 3, "private")) == 0
    assert _all(client) == {1: [], 2: [], 3: []}


def test_the_record_lists_what_the_stack_published(client):
    stack_publishes(client, NAME, "public")
    stack_publishes(client, NAME, "public")
    record = read_record(_ssm(), family_of(NAME))
    current = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:{NAME}:2"
    assert record == Record(STACK_A, current, {NAME: [1, 2]})


def test_a_version_published_by_hand_is_never_touched(client):
    """Why: the reconciler added ocelot-public to a version described "hand-made"."""
    stack_publishes(client, NAME, "private")
    client.publish_layer_version(
        LayerName=NAME, Content={"ZipFile": b"PK\x05\x06" + b"\0" * 18}, Description="hand-made"
    )
    grant(client, NAME, 2, "partner", "555566667777")
    stack_publishes(client, NAME, "public")  # version 3
    assert reconcile.main([], env=step_env(NAME, 3, "public")) == 0
    assert _all(client) == {1: ["ocelot-public"], 2: ["partner"], 3: []}
    assert reconcile.main(["--revoke"], env=step_env(NAME, 3, "public")) == 0
    assert _all(client) == {1: [], 2: ["partner"], 3: []}


def test_another_stack_is_refused_and_changes_nothing(client, capsys):
    """Why: stack B (private) stripped ocelot-public from stack A's versions."""
    stack_publishes(client, NAME, "public")
    stack_publishes(client, NAME, "public")
    capsys.readouterr()
    env = step_env(NAME, 2, "private", stack=STACK_B)
    assert reconcile.main([], env=env) == UsageError.exit_code
    err = capsys.readouterr().err
    assert err == (
        f"ocelot reconcile: error: layer name ocel-minimal-arm64-* belongs to stack {STACK_A} "
        f"(/ocelot/ocel-minimal-arm64/owner), not to {STACK_B}; nothing was changed\n"
    )
    assert _all(client) == {1: ["ocelot-public"], 2: []}
    assert read_record(_ssm(), family_of(NAME)).stack == STACK_A


def test_statements_of_others_are_never_touched(client):
    stack_publishes(client, NAME, "public")
    stack_publishes(client, NAME, "public")
    grant(client, NAME, 1, "partner-access", "555566667777")
    grant(client, NAME, 2, "ocelot-current-public")  # the permission resource's, on current
    assert reconcile.main([], env=step_env(NAME, 2, "private")) == 0
    assert _all(client) == {1: ["partner-access"], 2: ["ocelot-current-public"]}


def test_an_ocelot_id_holding_another_grant_is_corrected(client):
    stack_publishes(client, NAME, "private")
    stack_publishes(client, NAME, "private")
    grant(client, NAME, 1, "ocelot-public", "555566667777")  # tampered: not what the id says
    assert reconcile.main([], env=step_env(NAME, 2, "public")) == 0
    current = reconcile.read_statements(client, NAME, 1)
    assert list(current) == ["ocelot-public"] and current["ocelot-public"].principal == "*"


def test_toggling_back_and_forth_never_duplicates(client):
    stack_publishes(client, NAME, "public")
    stack_publishes(client, NAME, "public")
    for token in ["private", "public", "public", "private", "public"]:
        assert reconcile.main([], env=step_env(NAME, 2, token)) == 0
    policy = client.get_layer_version_policy(LayerName=NAME, VersionNumber=1)["Policy"]
    assert [s["Sid"] for s in json.loads(policy)["Statement"]] == ["ocelot-public"]


def test_older_layer_names_of_the_slot_are_reached_through_the_previous_stdout(client, capsys):
    old, new = "ocel-minimal-arm64-0_157_0", NAME
    stack_publishes(client, old, "public")
    first = capsys.readouterr().out
    assert json.loads(first) == {"layer_names": [old], "sharing": "public", "stack": STACK_A}
    (version,) = publish(client, new)  # a new collector version: a new name, same family
    env = {**step_env(new, version, f"org:{ORG}"), "PULUMI_COMMAND_STDOUT": first}
    assert reconcile.main([], env=env) == 0
    second = capsys.readouterr().out
    assert json.loads(second)["layer_names"] == [old, new]
    assert _all(client, old) == {1: [f"ocelot-org-{ORG}"]}
    assert reconcile.main(["--revoke"], env={**env, "PULUMI_COMMAND_STDOUT": second}) == 0
    assert _all(client, old) == {1: []}
    assert read_record(_ssm(), family_of(NAME)).current == ""  # nothing declares it now


def test_managed_names_accumulate_from_the_previous_stdout():
    previous = json.dumps({"layer_names": ["ocel-m-arm64-0_157_0"], "sharing": "public"})
    assert managed_names("ocel-m-arm64-0_158_0", previous) == [
        "ocel-m-arm64-0_157_0",
        "ocel-m-arm64-0_158_0",
    ]
    assert managed_names("a", "not json") == ["a"]


def test_by_hand_the_account_is_checked_too(client, capsys):
    """Why: without OCELOT_VERSION_ARN the account check was skipped."""
    stack_publishes(client, NAME, "private")
    stack_publishes(client, NAME, "private")
    capsys.readouterr()
    env = {**step_env(NAME, None, "public"), "OCELOT_ACCOUNT": "999988887777"}
    assert reconcile.main([], env=env) == UsageError.exit_code
    err = capsys.readouterr().err
    assert "credentials are for account 123456789012" in err and "999988887777" in err
    assert err.count("\n") == 1 and _all(client) == {1: [], 2: []}
    del env["OCELOT_ACCOUNT"]
    assert reconcile.main([], env=env) == UsageError.exit_code
    assert "OCELOT_ACCOUNT is not set" in capsys.readouterr().err
    assert reconcile.main([], env=step_env(NAME, None, "public")) == 0
    assert _all(client) == {1: ["ocelot-public"], 2: []}


def test_credentials_of_another_account_are_refused_before_any_change(client, capsys):
    stack_publishes(client, NAME, "private")
    stack_publishes(client, NAME, "private")
    env = step_env(NAME, 2, "public")
    env["OCELOT_VERSION_ARN"] = env["OCELOT_VERSION_ARN"].replace(ACCOUNT, "999988887777")
    assert reconcile.main([], env=env) == UsageError.exit_code
    assert "999988887777" in capsys.readouterr().err and _all(client) == {1: [], 2: []}


def test_a_name_nobody_owns_is_refused(moto, capsys):
    client = lambda_client()
    publish(client, NAME, 1)
    assert reconcile.main([], env=step_env(NAME, 1, "public")) == UsageError.exit_code
    assert "has no owner parameter" in capsys.readouterr().err
    assert _all(client) == {1: []}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"OCELOT_SHARING": "everyone"}, "sharing 'everyone'"),
        ({"OCELOT_LAYER_NAME": ""}, "OCELOT_LAYER_NAME is not set"),
        ({"OCELOT_STACK": "dev"}, "OCELOT_STACK 'dev' is not a fully qualified stack name"),
        ({"OCELOT_VERSION_ARN": "arn:nope"}, "is not a version of OCELOT_LAYER_NAME"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(moto, capsys, change, needle):
    assert reconcile.main([], env={**step_env(NAME, 1, "public"), **change}) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_aws_failure_is_exit_1_naming_the_layer(moto, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert reconcile.main([], env=step_env(NAME, 1, "public")) == 1
    err = capsys.readouterr().err
    assert "GetCallerIdentity failed" in err and err.count("\n") == 1  # the first call


def test_an_unknown_profile_is_one_line_exit_1(moto, capsys):
    assert reconcile.main([], env={**step_env(NAME, 1, "public"), "AWS_PROFILE": "nope"}) == 1
    err = capsys.readouterr().err
    assert "nope" in err and err.count("\n") == 1
