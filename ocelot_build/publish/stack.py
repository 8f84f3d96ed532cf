"""Publish built layers into a Pulumi stack through the Automation API (the CLI's default).

The CLI resolves its options once into a frozen ``PublishRequest``. ``prepare`` opens the
stack and, before anything is built, works out the stack's new config with the one rule for
adding layers (``ocelot_build.publish.stack_layers.add_layers``: exactly the built layers,
no siblings in other architectures) and checks it with the program's own parser.
``publish`` then writes that config and updates the stack. Settings that would rebuild
every layer (upstream repo and ref, layer name, distributions file, component registry,
runtimes) must match the stack's; a stack without distributions yet adopts the request's.
Nothing here prints: the CLI reports the returned data. docs/publishing.md has the details.

This is the one module of ``ocelot_build`` that imports ``infra`` (the stack config's
parser and merge rule), since publishing *is* the bridge into the stack; ``infra`` never
imports it back. ``StackDriver`` (opened by ``open_stack``) is the one seam tests replace;
``pulumi.automation`` is imported only behind it, after the CLI has been found on PATH.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ocelot_build.api import LayerArtifact
from ocelot_build.core import proc
from ocelot_build.core.errors import PublishError, UsageError
from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.publish.automation import Progress, StackDriver, open_automation_stack
from ocelot_build.publish.aws_guard import check_account
from ocelot_build.publish.plan_check import requested_slots, steps_from_events, unexpected_steps
from ocelot_build.publish.records import check_owners
from ocelot_build.publish.stack_config import (
    StackConfig,
    StackConfigError,
    parse_stack_config,
)
from ocelot_build.publish.stack_layers import add_layers
from ocelot_build.publish.stack_settings import (
    PublishRequest,
    label,
    list_setting,
    stack_settings,
)

OpenStack = Callable[[str, Path], StackDriver]


@dataclass(frozen=True)
class PublishedLayer:
    region: str
    distribution: str
    architecture: str
    arn: str  # ends in :<version>
    version: int
    sha256: str


@dataclass(frozen=True)
class PublishResult:
    stack: str
    layers: tuple[PublishedLayer, ...]  # the requested layers, in each region of the stack
    config_changes: tuple[str, ...]  # e.g. "ocelot:distributions += full"


@dataclass(frozen=True)
class PreparedPublish:
    """A stack opened and its new config worked out and validated, nothing written yet."""

    request: PublishRequest
    driver: StackDriver
    project: Path
    before: dict[str, str]  # the stack's config as it was
    updates: dict[str, str | list[str]]  # key → new value (text or list)
    changes: tuple[str, ...]
    config: StackConfig  # the stack config after the updates, as the program will parse it


def require_pulumi() -> str:
    """The pulumi CLI's path, or ToolMissingError (exit 2) saying how to get it."""
    return proc.require_pulumi("pass --skip-publish")


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest directory holding Pulumi.yaml: ``start`` (default cwd) or a parent, else
    the checkout this package lives in."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents, PROJECT_ROOT):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    raise UsageError(f"no Pulumi.yaml in {here} or its parents; run from the ocelot checkout")


def prepare(request: PublishRequest, *, open_stack: OpenStack | None = None) -> PreparedPublish:
    """Open the stack and check, before anything is built, that the requested layers can
    join it: the build settings match the stack's, and the stack config with the layers
    added passes every check the program makes (names, regions, layer-name length…)."""
    if not request.layers:
        raise UsageError("nothing to publish")
    if open_stack is None:
        require_pulumi()
        open_stack = open_automation_stack
    project = request.work_dir or find_project_dir()
    driver = open_stack(request.stack, project)
    before = driver.config()
    lists, changes = add_layers(before, request.layers, stack=request.stack)
    updates: dict[str, str | list[str]] = dict(lists)
    fresh = not list_setting(before, "distributions", request.stack)
    for key, value in stack_settings(before, request, project, fresh=fresh).items():
        updates[key] = value
        changes.append(f"{key} = {' '.join(value) if isinstance(value, list) else value}")
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in updates.items()}
    after = {**before, **wire}
    try:
        config = parse_stack_config(after, root=project)
    except StackConfigError as exc:
        raise UsageError(
            f"stack {request.stack!r} with {', '.join(label(x) for x in request.layers)} "
            f"added: {'; '.join(exc.errors)}"
        ) from None
    session = _aws_session(config.aws_profile)  # wrong credentials fail here, not after the build
    if config.allowed_accounts:
        check_account(config.allowed_accounts, session)
    check_owners(session, config.regions, config.families, request.stack, project_name(project))
    return PreparedPublish(request, driver, project, before, updates, tuple(changes), config)


def _aws_session(profile: str | None) -> Any:
    import boto3

    return boto3.Session(profile_name=profile)


def project_name(project: Path) -> str | None:
    """The ``name:`` of the project's Pulumi.yaml (None without one), which the owner
    parameters' fully qualified stack names carry."""
    path = project / "Pulumi.yaml"
    data = yaml.safe_load(path.read_text()) if path.is_file() else None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def publish(
    prepared: PreparedPublish,
    artifacts: Sequence[LayerArtifact],
    *,
    progress: Progress | None = None,
) -> PublishResult:
    """Write the stack's new config, run ``pulumi up``, and return the requested layers' ARNs."""
    request = prepared.request
    built = {(a.distribution, a.architecture) for a in artifacts}
    if built != set(request.layers):
        raise PublishError(
            f"built {', '.join(sorted(map(label, built)))} but asked to publish "
            f"{', '.join(map(label, request.layers))}"
        )
    say = progress or (lambda line: None)
    _write(prepared.driver, prepared.updates)
    with tempfile.TemporaryDirectory(prefix="ocelot-plan-") as scratch:
        plan = Path(scratch) / "plan.json"
        try:
            _check_plan(prepared, prepared.driver.preview(plan, say))
        except BaseException:
            _restore(prepared.driver, prepared.before, prepared.updates)
            raise
        outputs = prepared.driver.up(say, plan)
    layers = collect_published(outputs, artifacts, request.stack)
    return PublishResult(request.stack, layers, prepared.changes)


def _check_plan(prepared: PreparedPublish, events: list[Any]) -> None:
    """Refuse (exit 1) a plan that does more than create or replace the built layers."""
    slots = requested_slots(prepared.request.layers, prepared.config.regions)
    problems = unexpected_steps(steps_from_events(events), slots)
    if problems:
        raise PublishError(
            f"stack {prepared.request.stack!r} has changes pending beyond the layers built here "
            f"({', '.join(map(label, prepared.request.layers))}); nothing was applied and "
            f"its config is as it was. Review them with `pulumi preview --diff --stack "
            f"{prepared.request.stack}` and apply them there first:",
            detail="\n".join(f"  {line}" for line in problems),
        )


def _write(driver: StackDriver, updates: dict[str, str | list[str]]) -> None:
    for key, value in updates.items():
        if isinstance(value, list):
            driver.set_list(key, value)
        else:
            driver.set_text(key, value)


def _restore(driver: StackDriver, before: dict[str, str], updates: dict[str, Any]) -> None:
    """Put back the keys ``updates`` changed, as ``before`` had them."""
    for key in updates:
        if key not in before:
            driver.remove(key)
        elif before[key].strip().startswith("["):
            driver.set_list(key, [str(v) for v in json.loads(before[key])])
        else:
            driver.set_text(key, before[key])


def collect_published(
    outputs: dict[str, Any], artifacts: Sequence[LayerArtifact], stack: str
) -> tuple[PublishedLayer, ...]:
    """The requested layers as the stack now has them, checked against what was built."""
    tree = outputs.get("layers")
    if not isinstance(tree, dict):
        raise PublishError(f"stack {stack!r} has no 'layers' output after pulumi up")
    found = []
    for region in sorted(tree):
        for artifact in artifacts:
            dist, arch = artifact.distribution, artifact.architecture.value
            record = tree[region].get(dist, {}).get(arch)
            if record is None:
                raise PublishError(f"stack {stack!r} did not declare {dist}/{arch} in {region}")
            if record["sha256"] != artifact.sha256:
                raise PublishError(
                    f"stack {stack!r} published {dist}/{arch} with sha256 "
                    f"{record['sha256'][:12]}, not the {artifact.sha256[:12]} built here; "
                    "the upstream ref has probably moved between the two builds"
                )
            version = int(record["version"])
            found.append(
                PublishedLayer(region, dist, arch, record["arn"], version, artifact.sha256)
            )
    return tuple(found)
