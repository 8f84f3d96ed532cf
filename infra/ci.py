"""The two Python steps of ``.github/workflows/publish.yml``: plan the matrix, apply a run.

    python -m infra.ci plan                 # → GITHUB_OUTPUT lines: matrix=…, stacks=…
    python -m infra.ci apply --stack NAME --commit SHA

Inputs come from the environment only (STACKS, DISTRIBUTIONS, ARCHITECTURES, UPSTREAM_REF),
never from text pasted into a shell script. ``plan`` reads each stack's ``Pulumi.<stack>.yaml``,
adds the run's distributions and architectures, validates the result with the same parser
the program uses, and resolves each upstream ref to one commit, so the parallel build jobs
and every stack's ``pulumi up`` use the same commit and the deploy jobs find every layer in
the cache. ``apply`` writes that run's settings (the union of distributions/architectures,
the pinned commit) into the runner's copy of ``Pulumi.<stack>.yaml`` before ``pulumi up``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.stack_config import StackConfig, parse_stack_config
from ocelot_build.errors import OcelotError, UsageError
from ocelot_build.files import PROJECT_ROOT, split_list
from ocelot_build.proc import redact

PROJECT = PROJECT_ROOT
_STACK_RE = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}")


@dataclass(frozen=True)
class RunInputs:
    """The workflow_dispatch inputs, as the environment hands them over."""

    stacks: tuple[str, ...]
    distributions: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ()
    upstream_ref: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str]) -> RunInputs:
        stacks = _split(env.get("STACKS", ""))
        if not stacks:
            raise UsageError("STACKS is empty; name at least one Pulumi stack")
        for stack in stacks:
            if not _STACK_RE.fullmatch(stack):
                raise UsageError(f"stack name {stack!r} is not a Pulumi stack name")
        arches = _split(env.get("ARCHITECTURES", ""))
        return cls(
            stacks=stacks,
            distributions=_split(env.get("DISTRIBUTIONS", "")),
            architectures=() if arches == ("all",) else arches,
            upstream_ref=env.get("UPSTREAM_REF", "").strip(),
        )


_split = split_list


def stack_file(stack: str, project: Path = PROJECT) -> Path:
    return project / f"Pulumi.{stack.split('/')[-1]}.yaml"


def stack_values(stack: str, project: Path = PROJECT) -> dict[str, Any]:
    """The ``config:`` block of ``Pulumi.<stack>.yaml`` (YAML values, not wire strings)."""
    path = stack_file(stack, project)
    if not path.is_file():
        raise UsageError(f"stack {stack!r} has no {path.name}; commit one (see Pulumi.dev.yaml)")
    data = yaml.safe_load(path.read_text()) or {}
    values = data.get("config") or {}
    if not isinstance(values, dict):
        raise UsageError(f"{path.name}: 'config' must be a mapping")
    return dict(values)


def with_inputs(values: dict[str, Any], inputs: RunInputs) -> dict[str, Any]:
    """The stack's values plus this run's distributions and architectures and ref."""
    merged = dict(values)
    if inputs.distributions == ("all",):
        merged["ocelot:distributions"] = ["all"]
    elif inputs.distributions:
        have = _as_list(merged.get("ocelot:distributions"))
        merged["ocelot:distributions"] = list(dict.fromkeys([*have, *inputs.distributions]))
    if inputs.architectures and "ocelot:architectures" in merged:
        have = _as_list(merged["ocelot:architectures"])
        merged["ocelot:architectures"] = list(dict.fromkeys([*have, *inputs.architectures]))
    if inputs.upstream_ref:
        merged["ocelot:upstreamRef"] = inputs.upstream_ref
    return merged


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return list(_split(str(value)))


def load_run(stack: str, inputs: RunInputs, project: Path = PROJECT) -> tuple[dict, StackConfig]:
    values = with_inputs(stack_values(stack, project), inputs)
    try:
        return values, parse_stack_config(values, root=project)
    except OcelotError as exc:
        raise UsageError(f"stack {stack!r}: {exc}".replace("\n", "; ")) from None


def resolve_commit(config: StackConfig) -> str:
    """The one commit this run builds for ``config`` (fetched into the ocelot cache)."""
    from ocelot_build.cache import Cache
    from ocelot_build.upstream import fetch_upstream

    return fetch_upstream(config.upstream_repo, config.upstream_ref, Cache()).commit


def plan(inputs: RunInputs, project: Path = PROJECT) -> dict[str, list[dict[str, str]]]:
    """Build jobs (one per distinct layer to build) and deploy jobs (one per stack)."""
    builds: dict[tuple, dict[str, str]] = {}
    stacks = []
    for stack in inputs.stacks:
        _, config = load_run(stack, inputs, project)
        commit = resolve_commit(config)
        stacks.append({"stack": stack, "region": config.regions[0], "commit": commit})
        files = {"config": _relative(config.config_file, project),
                 "components": _relative(config.components_file, project)}  # fmt: skip
        for dist, arch in config.layers:
            if True:
                job = {"distribution": dist, "architecture": arch.value,
                       "repo": redact(config.upstream_repo), "commit": commit,
                       "layer-name": config.layer_name, **files}  # fmt: skip
                builds[tuple(job.values())] = job
    return {"matrix": list(builds.values()), "stacks": stacks}


def _relative(path: Path | None, project: Path) -> str:
    """A file for the build job's command line: relative to the checkout, or "" (default)."""
    if path is None:
        return ""
    return str(path.relative_to(project)) if path.is_relative_to(project) else str(path)


def apply(stack: str, commit: str, inputs: RunInputs, project: Path = PROJECT) -> Path:
    """Write the run's settings into the runner's ``Pulumi.<stack>.yaml``."""
    values, config = load_run(stack, inputs, project)
    values["ocelot:distributions"] = list(config.distributions)  # "all" spelled out
    values["ocelot:upstreamRef"] = commit
    path = stack_file(stack, project)
    data = yaml.safe_load(path.read_text()) or {}
    data["config"] = values
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def main(argv: list[str] | None = None, project: Path = PROJECT) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.ci")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plan", help="print the build and deploy matrices as GITHUB_OUTPUT lines")
    apply_cmd = sub.add_parser("apply", help="write a run's settings into Pulumi.<stack>.yaml")
    apply_cmd.add_argument("--stack", required=True)
    apply_cmd.add_argument("--commit", required=True)
    args = parser.parse_args(argv)
    try:
        inputs = RunInputs.from_env(dict(os.environ))
        if args.command == "plan":
            for key, value in plan(inputs, project).items():
                print(f"{key}={json.dumps(value, separators=(',', ':'))}")
        else:
            path = apply(args.stack, args.commit, inputs, project)
            print(f"wrote {path.name}", file=sys.stderr)
    except OcelotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
