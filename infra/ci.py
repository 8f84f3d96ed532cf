"""The plan step of ``.github/workflows/publish.yml``: which layers to build, which stacks.

    python -m infra.ci plan        # → GITHUB_OUTPUT lines: matrix=…, stacks=…

CI records desired state in git. The workflow's one input, ``STACKS`` (from the
environment, never pasted into a script), only *selects* stacks; what each stack publishes
is its committed ``Pulumi.<stack>.yaml``, unchanged on the runner. To add a layer, change
that file in a pull request (by hand, or with ``python -m ocelot_build … --stack S`` locally,
which edits it) and run the workflow after the merge. So a run repeats exactly what the
previous run of the same commit did, and a local ``pulumi up`` agrees with CI.

For the same reason a stack published from CI must pin ``ocelot:upstreamRef`` to a full
commit SHA: a branch would make two runs of one commit publish different layers. The
parallel build jobs and every stack's preview and up then use that commit, and the deploy
jobs find every layer in the cache the build jobs carried over.

Credentials never live in a committed stack file: an ``ocelot:upstreamRepo`` URL with a
user or token in it is refused. The jobs get the URL as committed, which clones as is, and
a private upstream's token comes from the repository secret ``OCELOT_UPSTREAM_TOKEN``, which
the workflow hands to git's credential store (never to a command line or a log).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ocelot_build.core.errors import OcelotError, OptionParser, UsageError, command_main
from ocelot_build.core.files import PROJECT_ROOT, split_list
from ocelot_build.core.proc import redact
from ocelot_build.publish.stack_config import StackConfig, parse_stack_config

PROJECT = PROJECT_ROOT
_STACK_RE = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}")
_COMMIT_RE = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class RunInputs:
    """The workflow_dispatch inputs, as the environment hands them over: stacks only."""

    stacks: tuple[str, ...]

    @classmethod
    def from_env(cls, env: dict[str, str]) -> RunInputs:
        stacks = split_list(env.get("STACKS", ""))
        if not stacks:
            raise UsageError("STACKS is empty; name at least one Pulumi stack")
        for stack in stacks:
            if not _STACK_RE.fullmatch(stack):
                raise UsageError(f"stack name {stack!r} is not a Pulumi stack name")
        return cls(stacks=stacks)


def stack_file(stack: str, project: Path = PROJECT) -> Path:
    return project / f"Pulumi.{stack.split('/')[-1]}.yaml"


def stack_values(stack: str, project: Path = PROJECT) -> dict[str, Any]:
    """The ``config:`` block of the committed ``Pulumi.<stack>.yaml`` (YAML values)."""
    path = stack_file(stack, project)
    if not path.is_file():
        raise UsageError(f"stack {stack!r} has no {path.name}; commit one (see Pulumi.dev.yaml)")
    data = yaml.safe_load(path.read_text()) or {}
    values = data.get("config") or {}
    if not isinstance(values, dict):
        raise UsageError(f"{path.name}: 'config' must be a mapping")
    return dict(values)


def load_stack(stack: str, project: Path = PROJECT) -> StackConfig:
    """The committed stack config, checked as the program checks it, pinned to a commit."""
    try:
        config = parse_stack_config(stack_values(stack, project), root=project)
    except OcelotError as exc:
        raise UsageError(f"stack {stack!r}: {exc}".replace("\n", "; ")) from None
    if redact(config.upstream_repo) != config.upstream_repo:
        raise UsageError(
            f"stack {stack!r}: ocelot:upstreamRepo {redact(config.upstream_repo)!r} carries "
            f"credentials in {stack_file(stack, project).name}; commit the URL without them "
            "and put the token in the repository secret OCELOT_UPSTREAM_TOKEN"
        )
    if not _COMMIT_RE.fullmatch(config.upstream_ref):
        raise UsageError(
            f"stack {stack!r}: ocelot:upstreamRef {config.upstream_ref!r} is not a full commit "
            "SHA; CI publishes only what git records, so pin it in "
            f"{stack_file(stack, project).name} (a branch can move between two runs)"
        )
    return config


def plan(inputs: RunInputs, project: Path = PROJECT) -> dict[str, list[dict[str, str]]]:
    """Build jobs (one per distinct layer to build) and deploy jobs (one per stack)."""
    builds: dict[tuple, dict[str, str]] = {}
    stacks = []
    for stack in inputs.stacks:
        config = load_stack(stack, project)
        stacks.append({"stack": stack, "region": config.regions[0], "repo": config.upstream_repo})
        files = {"config": _relative(config.config_file, project),
                 "components": _relative(config.components_file, project)}  # fmt: skip
        for dist, arch in config.layers:
            job = {"distribution": dist, "architecture": arch.value,
                   "repo": config.upstream_repo, "commit": config.upstream_ref,
                   "layer-name": config.layer_name, **files}  # fmt: skip
            builds[tuple(job.values())] = job
    return {"matrix": list(builds.values()), "stacks": stacks}


def _relative(path: Path | None, project: Path) -> str:
    """A file for the build job's command line: relative to the checkout, or "" (default)."""
    if path is None:
        return ""
    return str(path.relative_to(project)) if path.is_relative_to(project) else str(path)


def main(argv: list[str] | None = None, project: Path = PROJECT) -> int:
    return command_main("ocelot ci", lambda: _run(argv, project))


def _run(argv: list[str] | None, project: Path) -> int:
    parser = OptionParser(prog="python -m infra.ci")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plan", help="print the build and deploy matrices as GITHUB_OUTPUT lines")
    parser.parse_args(argv)
    inputs = RunInputs.from_env(dict(os.environ))
    for key, value in plan(inputs, project).items():
        print(f"{key}={json.dumps(value, separators=(',', ':'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
