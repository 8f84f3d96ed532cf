"""Sharing reconciled against a real moto server: every version, both ways, ocelot's own only."""

from __future__ import annotations

import json

import pytest

from ocelot_build.core.errors import UsageError
from ocelot_build.publish import reconcile
from ocelot_build.publish.reconcile import managed_names, reconcile_layer
from ocelot_build.publish.sharing import Sharing
from tests.aws.layers import grant, lambda_client, publish, sids

ORG = "o-abcdef1234"
ORG_B = "o-zyxwvu9876"
NAME = "ocel-minimal-arm64-0_158_0"


def _all(client, name=NAME):
    return {v: sids(client, name, v) for v in reconcile.layer_versions(client, name)}


def test_narrowing_removes_access_from_every_version(moto):
    client = lambda_client()
    publish(client, NAME, 3)
    reconcile_layer(client, NAME, Sharing.public())
    assert _all(client) == {1: ["ocelot-public"], 2: ["ocelot-public"], 3: ["ocelot-public"]}
    reconcile_layer(client, NAME, Sharing())
    assert _all(client) == {1: [], 2: [], 3: []}


def test_switching_mode_replaces_the_statement(moto):
    client = lambda_client()
    publish(client, NAME, 2)
    reconcile_layer(client, NAME, Sharing.public())
    reconcile_layer(client, NAME, Sharing.organization(ORG))
    assert _all(client) == {v: [f"ocelot-org-{ORG}"] for v in (1, 2)}
    reconcile_layer(client, NAME, Sharing.organization(ORG_B))
    assert _all(client) == {v: [f"ocelot-org-{ORG_B}"] for v in (1, 2)}
    reconcile_layer(client, NAME, Sharing.with_accounts(("111122223333", "444455556666")))
    expected = ["ocelot-account-111122223333", "ocelot-account-444455556666"]
    assert _all(client) == {1: expected, 2: expected}


def test_toggling_back_and_forth_never_fails_and_never_duplicates(moto):
    client = lambda_client()
    publish(client, NAME, 1)
    for sharing in [Sharing.public(), Sharing(), Sharing.public(), Sharing.public()]:
        reconcile_layer(client, NAME, sharing)
    assert _all(client) == {1: ["ocelot-public"]}
    changes = reconcile_layer(client, NAME, Sharing.public())
    assert [(c.added, c.removed) for c in changes] == [([], [])]


def test_statements_of_others_are_never_touched(moto):
    client = lambda_client()
    publish(client, NAME, 1)
    grant(client, NAME, 1, "partner-access", "555566667777")
    reconcile_layer(client, NAME, Sharing.public())
    reconcile_layer(client, NAME, Sharing())
    assert _all(client) == {1: ["partner-access"]}


def test_an_ocelot_id_holding_another_grant_is_corrected(moto):
    client = lambda_client()
    publish(client, NAME, 1)
    grant(client, NAME, 1, "ocelot-public", "555566667777")  # tampered: not what the id says
    (change,) = reconcile_layer(client, NAME, Sharing.public())
    assert (change.added, change.removed) == (["ocelot-public"], ["ocelot-public"])
    current = reconcile.read_statements(client, NAME, 1)
    assert list(current) == ["ocelot-public"] and current["ocelot-public"].principal == "*"


def test_dry_run_reports_without_changing(moto):
    client = lambda_client()
    publish(client, NAME, 2)
    changes = reconcile_layer(client, NAME, Sharing.public(), apply=False)
    assert [c.line() for c in changes] == [f"{NAME}:1 +ocelot-public", f"{NAME}:2 +ocelot-public"]
    assert _all(client) == {1: [], 2: []}


def test_regions_are_separate(moto):
    eu, us = lambda_client("eu-west-1"), lambda_client("us-east-1")
    publish(eu, NAME, 1)
    publish(us, NAME, 2)
    reconcile_layer(us, NAME, Sharing.public())
    assert _all(eu) == {1: []}
    assert _all(us) == {1: ["ocelot-public"], 2: ["ocelot-public"]}


def test_managed_names_accumulate_from_the_previous_stdout():
    previous = json.dumps({"layer_names": ["ocel-m-arm64-0_157_0"], "sharing": "public"})
    assert managed_names("ocel-m-arm64-0_158_0", previous) == [
        "ocel-m-arm64-0_157_0",
        "ocel-m-arm64-0_158_0",
    ]
    assert managed_names("a", "not json") == ["a"]
    assert managed_names("", "") == []


def _main(env, *args):
    return reconcile.main(list(args), env={"AWS_REGION": "eu-west-1", **env})


def test_command_reaches_layer_names_from_earlier_runs_and_revokes_them(moto, capsys):
    client = lambda_client()
    old, new = "ocel-m-arm64-0_157_0", "ocel-m-arm64-0_158_0"
    publish(client, old, 2)
    assert _main({"OCELOT_LAYER_NAME": old, "OCELOT_SHARING": "public"}) == 0
    first = capsys.readouterr().out
    assert json.loads(first) == {"layer_names": [old], "sharing": "public"}
    publish(client, new, 1)  # a new collector version: a new layer name in the same slot
    env = {"OCELOT_LAYER_NAME": new, "OCELOT_SHARING": f"org:{ORG}", "PULUMI_COMMAND_STDOUT": first}
    assert _main(env) == 0
    second = capsys.readouterr().out
    assert json.loads(second)["layer_names"] == [old, new]
    assert _all(client, old) == {1: [f"ocelot-org-{ORG}"], 2: [f"ocelot-org-{ORG}"]}
    assert _all(client, new) == {1: [f"ocelot-org-{ORG}"]}
    # pulumi destroy: the delete command revokes ocelot's statements everywhere
    assert _main({**env, "PULUMI_COMMAND_STDOUT": second}, "--revoke") == 0
    assert _all(client, old) == {1: [], 2: []}
    assert _all(client, new) == {1: []}


@pytest.mark.parametrize(
    ("env", "args", "needle"),
    [
        ({"OCELOT_LAYER_NAME": NAME, "OCELOT_SHARING": "everyone"}, [], "sharing 'everyone'"),
        ({"OCELOT_SHARING": "public"}, [], "OCELOT_LAYER_NAME is not set"),
        ({"OCELOT_LAYER_NAME": NAME, "OCELOT_SHARING": "public"}, ["--bogus"], "unexpected"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(moto, capsys, env, args, needle):
    assert _main(env, *args) == UsageError.exit_code
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_aws_failure_is_exit_1_naming_the_layer(moto, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert _main({"OCELOT_LAYER_NAME": NAME, "OCELOT_SHARING": "public"}) == 1
    assert f"reconciling sharing of {NAME} failed" in capsys.readouterr().err


def test_credentials_of_another_account_are_refused_before_any_change(moto, capsys):
    client = lambda_client()
    publish(client, NAME, 1)
    arn = f"arn:aws:lambda:eu-west-1:999988887777:layer:{NAME}:1"
    env = {"OCELOT_LAYER_NAME": NAME, "OCELOT_SHARING": "public", "OCELOT_VERSION_ARN": arn}
    assert _main(env) == UsageError.exit_code
    err = capsys.readouterr().err
    assert "credentials are for account 123456789012" in err and "999988887777" in err
    assert err.count("\n") == 1
    assert _all(client) == {1: []}
    ours = arn.replace("999988887777", "123456789012")
    assert _main({**env, "OCELOT_VERSION_ARN": ours}) == 0
    assert _all(client) == {1: ["ocelot-public"]}


def test_an_unknown_profile_is_one_line_exit_1(moto, capsys):
    env = {"OCELOT_LAYER_NAME": NAME, "OCELOT_SHARING": "public", "AWS_PROFILE": "nope"}
    assert _main(env) == 1
    err = capsys.readouterr().err
    assert "nope" in err and err.count("\n") == 1
