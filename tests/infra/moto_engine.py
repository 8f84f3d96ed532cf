"""Pulumi's mocks with AWS behind them: the program's resources are created in moto.

There is no Pulumi CLI (and so no engine or AWS provider) here. ``MotoMocks`` stands in for
the provider's create step: for each resource the program registers it makes the AWS call
the provider would make, with boto3 against the moto server and from the resource's own
inputs (layer name, zip bytes, architectures, description, licence, SSM name and value), and
answers with what AWS answered. The sharing step (``command:local:Command``) runs its real
command line with its environment. So an ARN the program exports, or an SSM parameter it
writes, is one that AWS (moto) issued for the bytes the program declared.

Only the resource types a one-region, inline-upload stack declares are created; any other
type fails the run, so a new one cannot be silently faked.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pulumi
from pulumi_harness import COMMAND, COMPONENT, LAYER, PARAMETER, RecordingMocks

from ocelot_build.core.files import PROJECT_ROOT


class MotoMocks(RecordingMocks):
    """``RecordingMocks`` whose new resources are created in moto (never in a preview)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        resource_id, state = super().new_resource(args)
        if self.preview or args.typ == COMPONENT:
            return resource_id, state
        create = CREATORS.get(args.typ)
        if create is None:
            raise AssertionError(f"MotoMocks cannot create {args.typ} ({args.name})")
        return resource_id, {**state, **create(dict(args.inputs))}


def _client(service: str, region: str) -> Any:
    """A client of its own per call: the mock monitor calls from several threads."""
    return boto3.session.Session().client(service, region_name=region)


def _layer_version(inputs: dict[str, Any]) -> dict[str, Any]:
    """PublishLayerVersion, as the provider calls it for an inline ``code`` archive."""
    optional = {
        "CompatibleRuntimes": inputs.get("compatibleRuntimes"),
        "Description": inputs.get("description"),
        "LicenseInfo": inputs.get("licenseInfo"),
    }
    published = _client("lambda", inputs["region"]).publish_layer_version(
        LayerName=inputs["layerName"],
        Content={"ZipFile": Path(inputs["code"].path).read_bytes()},
        CompatibleArchitectures=inputs["compatibleArchitectures"],
        **{key: value for key, value in optional.items() if value},
    )
    return {
        "arn": published["LayerVersionArn"],
        "layerArn": published["LayerArn"],
        "version": str(published["Version"]),
        "codeSha256": published["Content"]["CodeSha256"],
    }


def _parameter(inputs: dict[str, Any]) -> dict[str, Any]:
    """PutParameter (a String; ``insecureValue`` is its plain-text value)."""
    ssm = _client("ssm", inputs["region"])
    ssm.put_parameter(
        Name=inputs["name"],
        Value=inputs["insecureValue"],
        Type=inputs["type"],
        Description=inputs.get("description", ""),
    )
    found = ssm.get_parameter(Name=inputs["name"])["Parameter"]
    return {"arn": found["ARN"], "version": found["Version"]}


def _command(inputs: dict[str, Any]) -> dict[str, Any]:
    """The sharing step: its ``create`` command line, run in the project directory with its
    environment over ours (where AWS_ENDPOINT_URL points at moto)."""
    done = subprocess.run(
        inputs["create"],
        shell=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **inputs.get("environment", {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"{inputs['create']} failed: {done.stderr[-2000:]}")
    json.loads(done.stdout)  # the step's one JSON line, which Pulumi keeps as its stdout
    return {"stdout": done.stdout.strip(), "stderr": done.stderr}


CREATORS = {LAYER: _layer_version, PARAMETER: _parameter, COMMAND: _command}
