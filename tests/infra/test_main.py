"""``infra/__main__.py`` as Pulumi runs it: config from the engine, errors as RunError."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pulumi
import pytest
from pulumi_harness import LAYER, FakeBuilder, RecordingMocks

from ocelot_build import api

MAIN = Path(__file__).resolve().parents[2] / "infra" / "__main__.py"
pytestmark = pytest.mark.usefixtures("moto")  # the program reads STS and SSM before building


def _run_main(config: dict, monkeypatch, builder, root: Path) -> RecordingMocks:
    monkeypatch.setattr(api, "build_layers", builder)
    # Pulumi.yaml's directory, as the engine reports it (the mocks' own is a placeholder)
    (root / "Pulumi.yaml").write_text("name: ocelot\nruntime: python\n")
    monkeypatch.setattr(pulumi.runtime, "get_root_directory", lambda: str(root))
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(
        mocks, project="ocelot", stack="dev", preview=False, organization="organization"
    )
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(wire))  # how the engine passes config
    pulumi.runtime.set_all_config({})

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(MAIN), run_name="__main__")

    program()
    return mocks


def test_main_declares_the_stack_from_engine_config(monkeypatch, base_config, tmp_path):
    builder = FakeBuilder()
    mocks = _run_main(base_config, monkeypatch, builder, tmp_path)
    assert len(mocks.of_type(LAYER)) == 4
    assert builder.calls[0].output_dir == tmp_path / "build" / "pulumi" / "dev"


def test_main_reports_every_config_error_without_a_traceback(monkeypatch, base_config, tmp_path):
    bad = {**base_config, "ocelot:architectures": ["sparc"], "ocelot:pubic": "true"}
    with pytest.raises(pulumi.RunError) as caught:
        _run_main(bad, monkeypatch, FakeBuilder(), tmp_path)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("ocelot:pubic: unknown key (did you mean: ocelot:public)")
    assert lines[1].startswith("ocelot:architectures: unknown architecture 'sparc'")


def test_main_reports_a_failed_boot_check_with_the_collector_lines(
    monkeypatch, base_config, tmp_path
):
    with pytest.raises(pulumi.RunError) as caught:
        broken = FakeBuilder(broken=frozenset({"minimal"}))
        _run_main(base_config, monkeypatch, broken, tmp_path)
    text = str(caught.value)
    assert "boot check failed" in text and "error type: failed to start the collector" in text
    assert '{"level":"error","msg":"failed to build pipelines"}' in text


def test_main_refuses_credentials_outside_the_allowed_accounts(
    monkeypatch, base_config, tmp_path, moto
):
    """STS (moto on 127.0.0.1) says 123456789012: nothing is built or declared."""
    builder = FakeBuilder()
    config = {**base_config, "aws:allowedAccountIds": ["111122223333"]}
    with pytest.raises(pulumi.RunError, match="not in aws:allowedAccountIds"):
        _run_main(config, monkeypatch, builder, tmp_path)
    assert builder.calls == []
    mocks = _run_main({**config, "aws:allowedAccountIds": ["123456789012"]}, monkeypatch,
                      builder, tmp_path)  # fmt: skip
    assert len(mocks.of_type(LAYER)) == 4


def test_a_second_stack_claiming_a_layer_name_is_refused_before_any_build(
    monkeypatch, base_config, tmp_path
):
    """Stack team-a owns ocel-minimal-arm64 in eu-west-1 (its <slot>-owner parameter);
    stack dev declaring minimal there is refused, naming the owner, before anything is built."""
    import boto3

    owner = "organization/ocelot/team-a"
    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name="/ocelot/ocel-minimal-arm64/owner", Value=owner, Type="String"
    )
    builder = FakeBuilder()
    with pytest.raises(pulumi.RunError) as caught:
        _run_main(base_config, monkeypatch, builder, tmp_path)
    assert str(caught.value) == (
        f"layer name ocel-minimal-arm64-* in eu-west-1 belongs to stack {owner} "
        "(/ocelot/ocel-minimal-arm64/owner), not to organization/ocelot/dev; nothing was built "
        f"or published: give this stack another ocelot:layerName, or publish from {owner}"
    )
    assert builder.calls == []
    mocks = _run_main({**base_config, "ocelot:layerName": "ocb"}, monkeypatch, builder, tmp_path)
    assert len(mocks.of_type(LAYER)) == 4  # another base name: free
