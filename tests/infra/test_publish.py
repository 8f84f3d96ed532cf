"""The CLI's publish path: config merge, the Automation API seam, and the no-CLI error."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from fake_engine import FakeEngine
from pulumi_harness import LAYER, FakeBuilder, run_program

from ocelot_build.api import BuildRequest
from ocelot_build.core.errors import PublishError, ToolMissingError, UsageError
from ocelot_build.core.files import PROJECT_ROOT as ROOT
from ocelot_build.core.model import Architecture
from ocelot_build.publish import automation
from ocelot_build.publish import stack as publish

MOTO = "123456789012"  # the account moto's STS answers for
pytestmark = pytest.mark.usefixtures("moto")  # prepare reads STS and SSM before the build


class FakeStack:
    """A StackDriver whose preview and up run the real program under Pulumi mocks; a small
    engine stand-in (``fake_engine``) turns each run into a real preview's engine events.

    ``deployed`` is the config the stack was last updated with (its state), if any.
    """

    def __init__(
        self,
        config: dict,
        *,
        root: Path,
        builder: FakeBuilder | None = None,
        deployed: dict | None = None,
    ) -> None:
        self.values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
        self.root = root
        self.builder = builder or FakeBuilder()
        self.calls: list[tuple] = []
        self.runs: list = []
        self.engine = FakeEngine()
        self.planned: list = []
        if deployed is not None:
            self.engine.commit(run_program(deployed, root=root, builder=self.builder))

    def remove(self, key) -> None:
        self.calls.append(("remove", key))
        del self.values[key]

    def preview(self, plan, on_output):
        self.calls.append(("preview",))
        run = run_program(self.values, root=self.root, builder=self.builder)
        self.planned = self.engine.diff(run)
        plan.write_text(json.dumps([e.resource_pre_event.metadata.urn for e in self.planned]))
        return self.planned

    def config(self) -> dict[str, str]:
        return dict(self.values)

    def set_list(self, key, values) -> None:
        self.calls.append(("set_list", key, list(values)))
        self.values[key] = json.dumps(list(values))

    def set_text(self, key, value) -> None:
        self.calls.append(("set_text", key, value))
        self.values[key] = value

    def up(self, on_output, plan):
        self.calls.append(("up",))
        run = run_program(self.values, root=self.root, builder=self.builder)
        assert sorted(json.loads(plan.read_text())) == sorted(  # up --plan: as previewed
            e.resource_pre_event.metadata.urn for e in self.engine.diff(run)
        )
        self.engine.commit(run)
        self.runs.append(run)
        on_output(f"Resources: {len(run.names(LAYER))} layer versions")
        return {"layers": run.output}


def _built(tmp_path, dist_file, dists=("tracing",), arches=(Architecture.ARM64,), **kw):
    """What the CLI would have built before publishing."""
    request = BuildRequest(
        distributions=dists, architectures=arches, config_path=dist_file,
        output_dir=tmp_path / "cli-build", **kw,
    )  # fmt: skip
    return request, FakeBuilder()(request)


def _publish(stack, request, artifacts, tmp_path, *, name="dev", progress=None, **kw):
    """prepare + publish, as the CLI runs them (the stack opened through the test seam)."""
    wanted = publish.PublishRequest(
        stack=name, build=request, distributions=request.distributions, work_dir=tmp_path, **kw
    )
    prepared = publish.prepare(wanted, open_stack=lambda n, wd: stack)
    return publish.publish(prepared, artifacts, progress=progress)


def _fingerprints(run, prefix: str) -> dict:
    return {
        r.name: (r.inputs["layerName"], r.inputs["description"], r.archive_sha256)
        for r in run.mocks.of_type(LAYER)
        if r.name.startswith(prefix)
    }


def test_publish_adds_a_layer_without_replacing_the_stack_others(tmp_path, base_config, dist_file):
    config = {**base_config, "ocelot:distributions": ["minimal"]}
    before = run_program(config, root=tmp_path, builder=FakeBuilder())
    stack = FakeStack(config, root=tmp_path, deployed=config)
    request, artifacts = _built(tmp_path, dist_file)
    lines: list[str] = []
    result = _publish(stack, request, artifacts, tmp_path, progress=lines.append)
    # the stack has both architectures: tracing joins for arm64 only, as built
    assert result.config_changes == ("ocelot:distributions += tracing/arm64",)
    assert stack.calls == [
        ("set_list", "ocelot:distributions", ["minimal", "tracing/arm64"]),
        ("preview",),
        ("up",),
    ]
    (layer,) = result.layers
    assert (layer.region, layer.distribution, layer.architecture) == (
        "eu-west-1",
        "tracing",
        "arm64",
    )
    assert layer.arn.endswith(":layer:ocel-tracing-arm64-0_158_0:1") and layer.version == 1
    assert layer.sha256 == artifacts[0].sha256
    after = stack.runs[-1]
    assert _fingerprints(after, "minimal-") == _fingerprints(before, "minimal-")
    # no amd64 sibling of the arm64 layer built here
    assert after.names(LAYER) == [
        "minimal-amd64-eu-west-1", "minimal-arm64-eu-west-1", "tracing-arm64-eu-west-1"
    ]  # fmt: skip
    assert lines == ["Resources: 3 layer versions"]


def test_fresh_stack_adopts_the_build_settings(tmp_path, dist_file):
    stack = FakeStack({"aws:region": "us-east-1"}, root=tmp_path)
    request, artifacts = _built(tmp_path, dist_file, upstream_ref="v2")
    result = _publish(stack, request, artifacts, tmp_path, name="new")
    assert json.loads(stack.values["ocelot:distributions"]) == ["tracing"]
    assert json.loads(stack.values["ocelot:architectures"]) == ["arm64"]
    assert stack.values["ocelot:upstreamRef"] == "v2"
    assert stack.values["ocelot:configFile"] == "distributions.yaml"  # relative to the project
    assert "ocelot:upstreamRepo" not in stack.values  # defaults are left alone
    assert stack.runs[-1].names(LAYER) == ["tracing-arm64-us-east-1"]
    assert [x.region for x in result.layers] == ["us-east-1"]


def test_a_new_architecture_joins_for_the_built_distribution_only(tmp_path, base_config, dist_file):
    config = {**base_config, "ocelot:architectures": ["amd64"]}  # minimal and tracing
    stack = FakeStack(config, root=tmp_path, deployed=config)
    request, artifacts = _built(tmp_path, dist_file)
    result = _publish(stack, request, artifacts, tmp_path)
    assert result.config_changes == ("ocelot:distributions += tracing/arm64",)
    assert json.loads(stack.values["ocelot:architectures"]) == ["amd64"]  # not for minimal
    assert stack.runs[-1].names(LAYER) == [
        "minimal-amd64-eu-west-1", "tracing-amd64-eu-west-1", "tracing-arm64-eu-west-1"
    ]  # fmt: skip


def test_a_different_upstream_ref_is_refused_before_touching_the_stack(
    tmp_path, base_config, dist_file
):
    stack = FakeStack(base_config, root=tmp_path)
    request, artifacts = _built(tmp_path, dist_file, upstream_ref="v2")
    with pytest.raises(UsageError) as caught:
        _publish(stack, request, artifacts, tmp_path)
    assert caught.value.exit_code == 2
    assert "ocelot:upstreamRef='main' but this build used 'v2'" in str(caught.value)
    assert stack.calls == []


def test_published_bytes_must_be_the_ones_built(tmp_path, base_config, dist_file):
    stack = FakeStack(
        base_config, root=tmp_path, builder=FakeBuilder(sizes={"tracing": 7}), deployed=base_config
    )
    request, artifacts = _built(tmp_path, dist_file)
    with pytest.raises(PublishError, match="published tracing/arm64 with sha256"):
        _publish(stack, request, artifacts, tmp_path)


def test_publishing_needs_a_stack_name():
    from ocelot_build import cli

    with pytest.raises(UsageError, match=r"needs --stack NAME \(or pass --skip-publish\)"):
        cli.parse_request(["-d", "minimal"])


def test_without_pulumi_cli_exit_2_says_how_to_install_or_skip(tmp_path, dist_file, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    request, _ = _built(tmp_path, dist_file)
    wanted = publish.PublishRequest("dev", request, request.distributions, work_dir=tmp_path)
    with pytest.raises(ToolMissingError) as caught:
        publish.prepare(wanted)
    assert caught.value.exit_code == 2
    pinned = re.search(r'"pulumi==([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pinned is not None
    assert str(caught.value) == (  # the CLI at the version pyproject.toml pins for the SDK
        "pulumi CLI not found; install it (curl -fsSL https://get.pulumi.com | sh -s -- "
        f"--version {pinned.group(1)}) or pass --skip-publish"
    )


class _AutoStack:
    """Records what the driver asks of ``pulumi.automation.Stack``."""

    name = "dev"

    def __init__(self, config: dict[str, str]) -> None:
        self.config = {k: SimpleNamespace(value=v) for k, v in config.items()}
        self.calls: list[tuple] = []

    def get_all_config(self):
        return self.config

    def remove_config(self, key):
        self.calls.append(("remove_config", key))

    def set_all_config(self, items, path=False):
        self.calls.append(("set_all_config", {k: v.value for k, v in items.items()}, path))

    def set_config(self, key, value):
        self.calls.append(("set_config", key, value.value))

    def preview(self, on_output=None, on_event=None, plan=None):
        self.calls.append(("preview", plan))
        on_event("event")

    def up(self, on_output=None, plan=None):
        self.calls.append(("up", plan))
        return SimpleNamespace(outputs={"layers": SimpleNamespace(value={"eu-west-1": {}})})


def test_automation_driver_writes_yaml_lists_by_path():
    auto = _AutoStack({"ocelot:distributions": '["minimal"]'})
    driver = automation._AutomationStack(auto)
    assert driver.config() == {"ocelot:distributions": '["minimal"]'}
    driver.set_list("ocelot:distributions", ["minimal", "full"])
    driver.set_list("ocelot:architectures", ["arm64"])
    driver.set_text("ocelot:upstreamRef", "v2")
    driver.remove("ocelot:public")
    assert driver.preview(Path("/p/plan.json"), print) == ["event"]
    assert driver.up(print, Path("/p/plan.json")) == {"layers": {"eu-west-1": {}}}
    assert auto.calls == [
        ("remove_config", "ocelot:distributions"),
        (
            "set_all_config",
            {"ocelot:distributions[0]": "minimal", "ocelot:distributions[1]": "full"},
            True,
        ),
        ("set_all_config", {"ocelot:architectures[0]": "arm64"}, True),
        ("set_config", "ocelot:upstreamRef", "v2"),
        ("remove_config", "ocelot:public"),
        ("preview", "/p/plan.json"),
        ("up", "/p/plan.json"),
    ]


def test_project_dir_is_found_upwards_or_in_the_checkout(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: ocelot\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert publish.find_project_dir(tmp_path / "a" / "b") == tmp_path
    checkout = Path(publish.__file__).resolve().parents[2]
    assert publish.find_project_dir(tmp_path.parent) == checkout


def test_public_is_adopted_by_a_fresh_stack_and_refused_on_a_private_one(tmp_path, dist_file, moto):
    request, artifacts = _built(tmp_path, dist_file)
    fresh = FakeStack({"aws:region": "us-east-1"}, root=tmp_path)
    with pytest.raises(UsageError, match="aws:allowedAccountIds: required for a public stack"):
        _publish(fresh, request, artifacts, tmp_path, name="new", public=True)
    assert fresh.calls == []  # refused before the build and before any write
    fresh = FakeStack({"aws:region": "us-east-1", "aws:allowedAccountIds": [MOTO]}, root=tmp_path)
    result = _publish(
        fresh, request, artifacts, tmp_path, name="new", public=True, runtimes=("python3.13",)
    )
    assert fresh.values["ocelot:public"] == "true"
    assert json.loads(fresh.values["ocelot:runtimes"]) == ["python3.13"]
    assert "ocelot:public = true" in result.config_changes
    (sharing,) = fresh.runs[-1].mocks.of_type("command:local:Command")
    assert sharing.inputs["environment"]["OCELOT_SHARING"] == "public"
    private = FakeStack(
        {"aws:region": "us-east-1", "ocelot:distributions": ["tracing"], "ocelot:public": "false",
         "ocelot:configFile": str(dist_file)},
        root=tmp_path,
    )  # fmt: skip
    with pytest.raises(UsageError, match="is not public"):
        _publish(private, request, artifacts, tmp_path, public=True)
    assert ("up",) not in private.calls


def test_other_runtimes_than_the_stacks_are_refused(tmp_path, base_config, dist_file):
    stack = FakeStack({**base_config, "ocelot:runtimes": ["nodejs22.x"]}, root=tmp_path)
    request, artifacts = _built(tmp_path, dist_file)
    with pytest.raises(UsageError, match=r"declares ocelot:runtimes=\['nodejs22.x'\]"):
        _publish(stack, request, artifacts, tmp_path, runtimes=("python3.13",))
    assert ("up",) not in stack.calls


def test_cli_options_reach_the_stack_and_arns_are_printed(tmp_path, base_config, dist_file, capsys):
    from ocelot_build import cli

    build, publishing = cli.parse_request(
        ["-d", "tracing", "-a", "arm64", "-c", str(dist_file), "--stack", "dev",
         "-o", str(tmp_path / "cli-build")]
    )  # fmt: skip
    assert publishing is not None and publishing.build == build
    assert (publishing.stack, publishing.layers) == ("dev", (("tracing", Architecture.ARM64),))
    _, artifacts = _built(tmp_path, dist_file)
    stack = FakeStack(base_config, root=tmp_path, deployed=base_config)
    wanted = dataclasses.replace(publishing, work_dir=tmp_path)
    prepared = publish.prepare(wanted, open_stack=lambda name, wd: stack)
    assert stack.calls == []  # nothing written before the build
    result = publish.publish(prepared, artifacts)
    assert capsys.readouterr().out == ""  # the library prints nothing
    cli.report_published(result)
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"eu-west-1  tracing  arm64  {result.layers[0].arn}"]
    assert out.err == ""  # tracing/arm64 was in the stack already: no config change


def test_cli_without_pulumi_exits_2_before_building(monkeypatch, tmp_path, capsys):
    from ocelot_build import cli

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("ocelot_build.api.build_layers", lambda *a, **k: pytest.fail("built"))
    assert cli.main(["-d", "minimal", "--stack", "dev"]) == 2
    err = capsys.readouterr().err
    assert "--skip-publish" in err and err.count("\n") == 1


def test_a_drifted_stack_is_refused_one_line_per_step_and_nothing_applied(
    tmp_path, base_config, dist_file, capsys
):
    """The distributions file changed minimal's tags since the stack was last updated: the
    same ``pulumi up`` would replace minimal everywhere. The CLI refuses, exit 1, and puts
    the stack's config back."""
    deployed = {**base_config, "ocelot:architectures": ["amd64"]}  # minimal, tracing
    stack = FakeStack(deployed, root=tmp_path, deployed=deployed)
    before = dict(stack.values)
    dist_file.write_text(dist_file.read_text().replace("processor.decouple]", "processor.x]"))
    request, artifacts = _built(tmp_path, dist_file)  # tracing/arm64, new to the stack
    with pytest.raises(PublishError) as caught:
        _publish(stack, request, artifacts, tmp_path)
    assert caught.value.exit_code == 1
    lines = caught.value.detail.splitlines()
    layer, command, ssm = (LAYER, "command:local:Command", "aws:ssm/parameter:Parameter")
    assert lines == [  # tracing is based on minimal: both are rebuilt, 5 steps each
        f"  {line} ({slot} was not built here)"
        for slot in ("minimal-amd64-eu-west-1", "tracing-amd64-eu-west-1")
        for line in (f"create-replacement {layer} {slot}", f"replace {layer} {slot}",
                     f"delete-replaced {layer} {slot}", f"update {ssm} {slot}-latest",
                     f"update {command} {slot}-sharing")
    ]  # fmt: skip
    assert ("up",) not in stack.calls and stack.runs == []
    assert stack.values == before  # tracing/arm64 taken out again
    shown = f"ocelot: error: {caught.value.message}\n{caught.value.detail}\n"
    docs = (Path(__file__).resolve().parents[2] / "docs" / "publishing.md").read_text()
    assert f"```\n{shown}```" in docs, shown  # the docs show what the CLI prints


def test_a_sibling_declared_but_never_built_is_refused(tmp_path, base_config, dist_file):
    """The stack says minimal in both architectures but only amd64 was ever applied."""
    stack = FakeStack(
        {**base_config, "ocelot:distributions": ["minimal"]}, root=tmp_path,
        deployed={**base_config, "ocelot:distributions": ["minimal"],
                  "ocelot:architectures": ["amd64"]},
    )  # fmt: skip
    request, artifacts = _built(tmp_path, dist_file)
    with pytest.raises(PublishError) as caught:
        _publish(stack, request, artifacts, tmp_path)
    assert "  create ocelot:index:CollectorLayer minimal-arm64-eu-west-1 (" in caught.value.detail
    assert stack.values["ocelot:distributions"] == '["minimal"]'


def test_credentials_for_another_account_are_refused_before_the_build(
    tmp_path, base_config, dist_file, moto
):
    """moto's STS answers for account 123456789012; the stack allows only another one."""
    config = {**base_config, "aws:allowedAccountIds": ["111122223333"]}
    stack = FakeStack(config, root=tmp_path, deployed=config)
    request, _ = _built(tmp_path, dist_file)
    wanted = publish.PublishRequest("dev", request, request.distributions, work_dir=tmp_path)
    with pytest.raises(UsageError) as caught:
        publish.prepare(wanted, open_stack=lambda n, wd: stack)
    assert str(caught.value) == (
        f"AWS credentials are for account {MOTO}, which is not in aws:allowedAccountIds "
        "(111122223333); nothing was changed"
    )
    assert stack.calls == []
    allowed = {**config, "aws:allowedAccountIds": ["111122223333", MOTO]}
    stack = FakeStack(allowed, root=tmp_path, deployed=allowed)
    assert publish.prepare(wanted, open_stack=lambda n, wd: stack).config.allowed_accounts == (
        "111122223333", MOTO
    )  # fmt: skip


def test_a_name_another_stack_owns_is_refused_before_the_build(tmp_path, base_config, dist_file):
    """Stack team-a owns ocel-tracing-arm64 in eu-west-1; ``--stack dev`` (project ocelot)
    is refused in prepare, naming the owner, before anything is built or written."""
    import boto3

    (tmp_path / "Pulumi.yaml").write_text("name: ocelot\nruntime: python\n")
    ssm = boto3.client("ssm", region_name="eu-west-1")
    owner = "organization/ocelot/team-a"
    ssm.put_parameter(Name="/ocelot/ocel-tracing-arm64/owner", Value=owner, Type="String")
    stack = FakeStack(base_config, root=tmp_path, deployed=base_config)
    request, _ = _built(tmp_path, dist_file)
    wanted = publish.PublishRequest("dev", request, request.distributions, work_dir=tmp_path)
    with pytest.raises(UsageError) as caught:
        publish.prepare(wanted, open_stack=lambda n, wd: stack)
    assert str(caught.value) == (
        f"layer name ocel-tracing-arm64-* in eu-west-1 belongs to stack {owner} "
        "(/ocelot/ocel-tracing-arm64/owner), not to dev; nothing was built or published: "
        f"give this stack another ocelot:layerName, or publish from {owner}"
    )
    assert stack.calls == []
    ssm.put_parameter(Name="/ocelot/ocel-tracing-arm64/owner", Value="organization/ocelot/dev",
                      Type="String", Overwrite=True)  # fmt: skip
    prepared = publish.prepare(wanted, open_stack=lambda n, wd: stack)  # its own: fine
    assert prepared.config.families[-1] == "ocel-tracing-arm64"
