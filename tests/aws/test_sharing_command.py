"""The sharing step's command lines, run the way pulumi-command runs them (``/bin/sh -c`` in
the project directory, the step's environment added, the previous stdout passed back), as
real processes against the moto server: create, update to a new layer name, delete."""

from __future__ import annotations

import os
import subprocess

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.publish.reconcile import COMMAND, REVOKE, command_environment
from ocelot_build.publish.sharing import Sharing
from tests.aws.layers import STACK_A, claim, lambda_client, publish, sids

OLD, NEW = "ocel-minimal-arm64-0_157_0", "ocel-minimal-arm64-0_158_0"


def _run(line: str, env: dict[str, str], previous: str = "") -> str:
    full = {**os.environ, **env, "PULUMI_COMMAND_STDOUT": previous}
    done = subprocess.run(
        ["/bin/sh", "-c", line], cwd=PROJECT_ROOT, env=full, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_create_update_delete_as_the_command_provider_runs_them(moto):
    client = lambda_client("us-east-1")
    claim(OLD, STACK_A, "us-east-1")
    publish(client, OLD, 2)
    arn = f"arn:aws:lambda:us-east-1:123456789012:layer:{OLD}:"
    env = command_environment(OLD, Sharing.public(), "us-east-1", f"{arn}1", STACK_A)
    created = _run(COMMAND, env)
    env = command_environment(OLD, Sharing.public(), "us-east-1", f"{arn}2", STACK_A)
    updated = _run(COMMAND, env, created)
    assert [sids(client, OLD, v) for v in (1, 2)] == [["ocelot-public"], []]
    publish(client, NEW, 1)  # a new collector release replaces the slot's version
    org = Sharing.organization("o-abcdef1234")
    new_arn = f"arn:aws:lambda:us-east-1:123456789012:layer:{NEW}:1"
    env = command_environment(NEW, org, "us-east-1", new_arn, STACK_A)
    updated = _run(COMMAND, env, updated)
    for name, version in [(OLD, 1), (OLD, 2)]:
        assert sids(client, name, version) == ["ocelot-org-o-abcdef1234"]
    assert sids(client, NEW, 1) == []  # the current version's grants are resources
    _run(REVOKE, env, updated)
    for name, version in [(OLD, 1), (OLD, 2), (NEW, 1)]:
        assert sids(client, name, version) == []
