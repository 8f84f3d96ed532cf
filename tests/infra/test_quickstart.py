"""docs/quickstart.md, run as far as it goes offline: its stack file under Pulumi's mocks
(the ARN it yields), its ``pulumi config set`` lines against that file, ``pulumi up`` as the
program under mocks that create its resources in a moto server, its AWS CLI lines against
that server, and its SAM, CDK and Terraform snippets checked for what they must
say. The build command runs against the stand-in in tests/engine/test_quickstart_build.py."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from typing import Any

import boto3
import pytest
import yaml
from moto_engine import MotoMocks
from pulumi_harness import FakeBuilder, run_program

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.publish.stack_config import parse_stack_config
from ocelot_build.stages.config import DEFAULT_CONFIG

PAGE = (PROJECT_ROOT / "docs" / "quickstart.md").read_text()
CAPTURE = re.compile(r"[A-Z_]+=\$\((.*)\)")
ARN = re.compile(r"arn:aws:lambda:eu-west-1:\d{12}:layer:ocel-minimal-arm64-[0-9_]+:\d+")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", PAGE, re.DOTALL)


def commands(prefix: str) -> list[list[str]]:
    """The page's shell lines that start with ``prefix``, split; ``NAME=$(command)`` counts as
    its command."""
    lines = [line for block in blocks("sh") for line in block.splitlines()]
    unwrapped = [captured.group(1) if (captured := CAPTURE.fullmatch(ln)) else ln for ln in lines]
    return [shlex.split(line, comments=True) for line in unwrapped if line.startswith(prefix)]


def stack_file() -> dict[str, Any]:
    return yaml.safe_load(blocks("yaml")[0])["config"]


def config_set(argv: list[str]) -> tuple[str, Any]:
    """What one ``pulumi config set`` line stores: ``--path 'key[0]' v`` a one-item list
    (the CLI stores a number as a number), else the value as a string."""
    assert argv[:3] == ["pulumi", "config", "set"] and argv[-2:] == ["--stack", "quickstart"]
    args = argv[3:-2]
    if args[0] != "--path":
        key, value = args
        return key, value
    path, value = args[1:]
    assert path.endswith("[0]")
    return path[: -len("[0]")], [int(value) if value.isdigit() else value]


def test_the_config_set_lines_write_the_stack_file_shown():
    written = dict(config_set(argv) for argv in commands("pulumi config set"))
    stack = stack_file()
    assert set(written) == set(stack)
    for key, value in written.items():
        shown = stack[key]
        as_read = value.split(",") if isinstance(value, str) and isinstance(shown, list) else value
        assert as_read == shown or [str(v) for v in as_read] == shown, key


def test_the_stack_file_publishes_one_layer_in_one_region(tmp_path):
    config = {**stack_file(), "ocelot:configFile": str(DEFAULT_CONFIG)}
    run = run_program(config, root=tmp_path, builder=FakeBuilder())
    assert list(run.output) == ["eu-west-1"]
    assert list(run.output["eu-west-1"]) == ["minimal"]
    record = run.output["eu-west-1"]["minimal"]["arm64"]
    assert list(run.output["eu-west-1"]["minimal"]) == ["arm64"]
    assert ARN.fullmatch(record["arn"])
    (get_parameter,) = commands("aws ssm get-parameter")
    assert get_parameter[get_parameter.index("--name") + 1] == record["ssm_parameter"]


def test_the_config_set_lines_alone_publish_the_same_layer(tmp_path):
    """What the CLI writes (the account id as a number, lists as plain strings) is read like
    the hand-written file: the same settings, the same one layer in the same region."""
    written = dict(config_set(argv) for argv in commands("pulumi config set"))
    assert written["aws:allowedAccountIds"] == [123456789012]
    config = {**written, "ocelot:configFile": str(DEFAULT_CONFIG)}
    by_hand = {**stack_file(), "ocelot:configFile": str(DEFAULT_CONFIG)}
    parsed = parse_stack_config(config, root=PROJECT_ROOT)
    assert parsed.allowed_accounts == ("123456789012",)
    assert parsed == parse_stack_config(by_hand, root=PROJECT_ROOT)
    run = run_program(config, root=tmp_path, builder=FakeBuilder())
    assert list(run.output) == ["eu-west-1"]
    assert list(run.output["eu-west-1"]) == ["minimal"]
    assert list(run.output["eu-west-1"]["minimal"]) == ["arm64"]


def aws(argv: list[str]) -> str:
    """One documented ``aws`` command against moto: the AWS CLI when installed, else the
    same call through boto3 (CI has no AWS CLI)."""
    if shutil.which("aws"):
        done = subprocess.run(argv, capture_output=True, text=True, env=os.environ, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()
    options = dict(zip(argv[3::2], argv[4::2], strict=False))
    if argv[1:3] == ["ssm", "get-parameter"]:
        return boto3.client("ssm").get_parameter(Name=options["--name"])["Parameter"]["Value"]
    assert argv[1:3] == ["lambda", "update-function-configuration"]
    env = dict(kv.split("=", 1) for kv in options["--environment"][11:-1].split(","))
    boto3.client("lambda").update_function_configuration(
        FunctionName=options["--function-name"],
        Layers=[options["--layers"]],
        Environment={"Variables": env},
    )
    return ""


def documented_environment() -> dict[str, str]:
    (update,) = commands("aws lambda update-function-configuration")
    shorthand = update[update.index("--environment") + 1]
    assert shorthand.startswith("Variables={") and shorthand.endswith("}")
    return dict(kv.split("=", 1) for kv in shorthand[11:-1].split(","))


def test_the_program_publishes_and_the_aws_cli_lines_attach_its_layer(moto, tmp_path):
    """``pulumi up`` as far as it goes here: the stack file's program under Pulumi's mocks,
    with each resource created in moto from its inputs (``moto_engine``). Then the page's
    two AWS CLI lines: read the ARN the program published, attach it to an arm64 function."""
    config = {**stack_file(), "ocelot:configFile": str(DEFAULT_CONFIG)}
    run = run_program(config, root=tmp_path, builder=FakeBuilder(), mocks_type=MotoMocks)
    published = run.output["eu-west-1"]["minimal"]["arm64"]["arn"]
    lam = boto3.client("lambda")
    (zip_path,) = tmp_path.rglob("ocel-minimal-arm64.zip")
    name, version = published.split(":")[-2:]
    layer = lam.get_layer_version(LayerName=name, VersionNumber=int(version))
    assert layer["CompatibleArchitectures"] == ["arm64"]
    assert layer["Content"]["CodeSize"] == zip_path.stat().st_size
    role = boto3.client("iam").create_role(
        RoleName="fn",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    lam.create_function(
        FunctionName="my-function",
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
        Architectures=["arm64"],
    )
    (get_parameter,) = commands("aws ssm get-parameter")
    layer_arn = aws(get_parameter)
    assert layer_arn == published and ARN.fullmatch(layer_arn)
    (update,) = commands("aws lambda update-function-configuration")
    aws([layer_arn if arg == "$LAYER_ARN" else arg for arg in update])
    fn = lam.get_function_configuration(FunctionName="my-function")
    assert [entry["Arn"] for entry in fn["Layers"]] == [published]
    assert fn["Environment"]["Variables"] == documented_environment()


def test_the_backend_is_set_in_the_collectors_variable_everywhere():
    """The pitfall the page explains: the backend goes in OCELOT_BACKEND_ENDPOINT, the
    variable the shipped config reads, and no OTEL_EXPORTER_OTLP_* is set (the SDK would
    then send past the collector), in all four ways of attaching the layer."""
    env = documented_environment()
    assert env == {"OCELOT_BACKEND_ENDPOINT": "https://otlp.example.com"}
    shipped = (PROJECT_ROOT / "config" / "examples" / "minimal.yaml").read_text()
    assert "${env:OCELOT_BACKEND_ENDPOINT:-" in shipped
    sam = yaml.safe_load(blocks("yaml")[1])["Resources"]["MyFunction"]["Properties"]
    assert sam["Architectures"] == ["arm64"] and ARN.fullmatch(sam["Layers"][0])
    assert sam["Environment"]["Variables"] == env
    (cdk,) = blocks("python")
    compile(cdk, "quickstart-cdk.py", "exec")
    assert "lambda_.Architecture.ARM_64" in cdk and "layers=[layer]" in cdk
    assert dict(re.findall(r'"([A-Z][A-Z_]+)": "([^"]+)"', cdk)) == env
    (hcl,) = blocks("hcl")
    assert 'architectures = ["arm64"]' in hcl and ARN.search(hcl)
    assert dict(re.findall(r"([A-Z][A-Z_]+) += \"([^\"]+)\"", hcl)) == env
    assert "OTEL_EXPORTER_OTLP" not in "".join(blocks("sh") + blocks("yaml") + [cdk, hcl])


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not installed")
def test_the_terraform_snippet_is_formatted_hcl():
    (hcl,) = blocks("hcl")
    done = subprocess.run(
        ["terraform", "fmt", "-"], input=hcl, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == hcl
