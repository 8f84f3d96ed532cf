"""``ocelot_build.publish.prune`` against a real moto server: revoke, then delete,
beyond the newest N."""

from __future__ import annotations

from ocelot_build.publish import prune
from ocelot_build.publish.reconcile import layer_versions, reconcile_layer
from ocelot_build.publish.sharing import Sharing
from tests.aws.layers import grant, lambda_client, publish, sids, tiny_zip

A = "ocel-minimal-arm64-0_158_0"
B = "ocel-tracing-amd64-0_158_0"


def test_dry_run_changes_nothing_and_says_what_it_would_do(moto, capsys):
    client = lambda_client()
    publish(client, A, 4)
    reconcile_layer(client, A, Sharing.public())
    assert prune.main(["--region", "eu-west-1", "--keep", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"eu-west-1 {A}:1 would delete after removing ocelot-public",
        f"eu-west-1 {A}:2 would delete after removing ocelot-public",
        "2 version(s) beyond the newest 2 (dry run; --apply to delete)",
    ]
    assert layer_versions(client, A) == [1, 2, 3, 4]
    assert sids(client, A, 1) == ["ocelot-public"]


def test_apply_revokes_then_deletes_beyond_the_newest_n_per_layer(moto, capsys):
    client = lambda_client()
    publish(client, A, 4)
    publish(client, B, 2)
    reconcile_layer(client, A, Sharing.public())
    assert prune.main(["--region", "eu-west-1", "--keep", "1", "--apply"]) == 0
    assert layer_versions(client, A) == [4]
    assert layer_versions(client, B) == [2]
    assert sids(client, A, 4) == ["ocelot-public"]  # kept versions keep their sharing
    out = capsys.readouterr().out
    assert f"eu-west-1 {A}:1 deleted after removing ocelot-public" in out
    assert f"eu-west-1 {B}:1 deleted\n" in out
    assert "4 version(s) beyond the newest 1\n" in out


def test_layer_and_region_selection(moto, capsys):
    eu, us = lambda_client("eu-west-1"), lambda_client("us-east-1")
    publish(eu, A, 3)
    publish(eu, B, 3)
    publish(us, A, 3)
    assert (
        prune.main(["--region", "eu-west-1", "--layer", "ocel-minimal-*", "--keep", "1", "--apply"])
        == 0
    )
    assert layer_versions(eu, A) == [3]
    assert layer_versions(eu, B) == [1, 2, 3]  # not selected
    assert layer_versions(us, A) == [1, 2, 3]  # other region
    assert (
        prune.main(["--region", "us-east-1", "--region", "eu-west-1", "--keep", "2", "--apply"])
        == 0
    )
    assert layer_versions(us, A) == [2, 3]
    assert layer_versions(eu, B) == [2, 3]


def test_versions_ocelot_did_not_publish_are_never_touched(moto):
    client = lambda_client()
    publish(client, A, 2)
    client.publish_layer_version(LayerName=A, Content={"ZipFile": tiny_zip()}, Description="hand")
    grant(client, A, 3, "partner", "555566667777")
    assert prune.main(["--region", "eu-west-1", "--keep", "1", "--apply"]) == 0
    assert layer_versions(client, A) == [2, 3]  # 3 is not ocelot's; 2 is ocelot's newest
    assert sids(client, A, 3) == ["partner"]


def test_region_defaults_to_the_environment(moto, capsys):
    publish(lambda_client("eu-west-1"), A, 2)
    assert prune.main(["--keep", "1"]) == 0  # AWS_DEFAULT_REGION=eu-west-1 from the fixture
    assert f"eu-west-1 {A}:1 would delete" in capsys.readouterr().out


def test_bad_input_is_one_line_exit_2(moto, capsys, monkeypatch):
    assert prune.main(["--keep", "0"]) == 2
    assert capsys.readouterr().err == (
        "ocelot prune: error: --keep 0: keep at least 1 version (the newest)\n"
    )
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert prune.main([]) == 2
    assert "no region: give --region or set AWS_REGION" in capsys.readouterr().err


def test_aws_failure_is_exit_1(moto, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert prune.main(["--region", "eu-west-1"]) == 1
    assert "pruning in eu-west-1 failed" in capsys.readouterr().err
