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
