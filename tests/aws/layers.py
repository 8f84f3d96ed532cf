"""Helpers for tests that publish layer versions to the moto server."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3

ACTION = "lambda:GetLayerVersion"


def lambda_client(region: str = "eu-west-1") -> Any:
    return boto3.client("lambda", region_name=region)


def tiny_zip(text: str = "x") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("extensions/collector", text)
    return buf.getvalue()


def publish(client: Any, name: str, count: int = 1) -> list[int]:
    """Publish ``count`` versions of ``name``; their numbers."""
    return [
        int(
            client.publish_layer_version(
                LayerName=name, Content={"ZipFile": tiny_zip(str(i))}, Description="ocelot test"
            )["Version"]
        )
        for i in range(count)
    ]


def sids(client: Any, name: str, version: int) -> list[str]:
    """The statement ids of one version's policy, sorted (no policy: [])."""
    try:
        policy = client.get_layer_version_policy(LayerName=name, VersionNumber=version)["Policy"]
    except client.exceptions.ResourceNotFoundException:
        return []
    return sorted(s["Sid"] for s in json.loads(policy)["Statement"])


def grant(client: Any, name: str, version: int, sid: str, principal: str = "*") -> None:
    client.add_layer_version_permission(
        LayerName=name, VersionNumber=version, StatementId=sid, Action=ACTION, Principal=principal
    )


STACK_A = "organization/ocelot/team-a"
STACK_B = "organization/ocelot/team-b"
ACCOUNT = "123456789012"  # what moto's STS answers


def claim(name: str, stack: str, region: str = "eu-west-1") -> None:
    """What a stack's ``<slot>-owner`` parameter does: own the family of ``name``."""
    from ocelot_build.publish.records import family_of, owner_parameter

    boto3.client("ssm", region_name=region).put_parameter(
        Name=owner_parameter(family_of(name)), Value=stack, Type="String", Overwrite=True
    )


def step_env(name: str, version: int | None, sharing: str, stack: str = STACK_A,
             region: str = "eu-west-1") -> dict[str, str]:  # fmt: skip
    """The sharing step's environment, as the program sets it (version None: by hand)."""
    env = {"OCELOT_LAYER_NAME": name, "OCELOT_SHARING": sharing, "OCELOT_STACK": stack,
           "AWS_REGION": region}  # fmt: skip
    if version is None:
        return {**env, "OCELOT_ACCOUNT": ACCOUNT}
    return {
        **env,
        "OCELOT_VERSION_ARN": f"arn:aws:lambda:{region}:{ACCOUNT}:layer:{name}:{version}",
    }


def stack_publishes(client: Any, name: str, sharing: str, stack: str = STACK_A) -> int:
    """One ``pulumi up`` of a slot as far as AWS sees it: a new version, then its sharing
    step (the permission resources on the current version are left out)."""
    from ocelot_build.publish import reconcile

    (version,) = publish(client, name)
    env = step_env(name, version, sharing, stack, client.meta.region_name)
    assert reconcile.main([], env=env) == 0
    return version
