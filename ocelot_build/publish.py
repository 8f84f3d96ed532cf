"""Publish built layers into a Pulumi stack through the Automation API (the CLI's default).

The CLI resolves its options once into a frozen ``PublishRequest``. ``prepare`` opens the
stack and, before anything is built, works out the stack's new config with the one rule for
adding layers (``infra.stack_config.add_layers``: exactly the built layers, no siblings in
other architectures) and checks it with the program's own parser. ``publish`` then writes
that config and updates the stack. Settings that would rebuild every layer (upstream repo
and ref, layer name, distributions file, component registry, runtimes) must match the
stack's; a stack without distributions yet adopts the request's. Nothing here prints: the
CLI reports the returned data. docs/publishing.md has the details.

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

from infra.plan_check import requested_slots, steps_from_events, unexpected_steps
from infra.stack_config import StackConfig, StackConfigError, add_layers, parse_stack_config
from ocelot_build import api, proc
from ocelot_build.api import BuildRequest, LayerArtifact
from ocelot_build.automation import Progress, StackDriver, open_automation_stack
from ocelot_build.aws_guard import check_account
from ocelot_build.errors import PublishError, UsageError
from ocelot_build.files import PROJECT_ROOT, split_commas
from ocelot_build.model import Architecture
from ocelot_build.proc import redact

NS = "ocelot"
DEFAULT_CONFIG_FILE = "config/distributions.yaml"
DEFAULT_COMPONENTS = "config/components.yaml"


OpenStack = Callable[[str, Path], StackDriver]


@dataclass(frozen=True)
class PublishRequest:
    """Everything ``--stack`` publishing needs, resolved once by the CLI before any build.

    ``distributions`` are names (``all`` already read from the distributions file): the
    layers to publish are exactly ``distributions`` x ``build.architectures``, in every
    region of the stack.
    """

    stack: str
    build: BuildRequest
    distributions: tuple[str, ...]
    public: bool = False
    runtimes: tuple[str, ...] = ()
    work_dir: Path | None = None  # the Pulumi project; None: found from the cwd upwards

    @property
    def layers(self) -> tuple[tuple[str, Architecture], ...]:
        return tuple((d, a) for d in self.distributions for a in self.build.architectures)


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
    fresh = not _list(before, "distributions", request.stack)
    for key, value in _settings(before, request, project, fresh=fresh).items():
        updates[key] = value
        changes.append(f"{key} = {' '.join(value) if isinstance(value, list) else value}")
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in updates.items()}
    after = {**before, **wire}
    try:
        config = parse_stack_config(after, root=project)
    except StackConfigError as exc:
        raise UsageError(
            f"stack {request.stack!r} with {', '.join(_label(x) for x in request.layers)} "
            f"added: {'; '.join(exc.errors)}"
        ) from None
    if config.allowed_accounts:  # wrong credentials fail here, not after the build
        check_account(config.allowed_accounts, _aws_session())
    return PreparedPublish(request, driver, project, before, updates, tuple(changes), config)


def _aws_session() -> Any:
    import boto3

    return boto3.Session()


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
            f"built {', '.join(sorted(map(_label, built)))} but asked to publish "
            f"{', '.join(map(_label, request.layers))}"
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
            f"({', '.join(map(_label, prepared.request.layers))}); nothing was applied and "
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


def _settings(
    config: dict[str, str], request: PublishRequest, project: Path, *, fresh: bool
) -> dict[str, str | list[str]]:
    """Build settings and ``--public``/``--runtimes``: a fresh stack adopts the request's;
    an existing one must already have them (changing them replaces every layer of it)."""
    updates: dict[str, str | list[str]] = {}
    stack = request.stack
    for key, (value, default) in _request_settings(request.build, project).items():
        have = config.get(f"{NS}:{key}")
        effective = default if have is None else have
        if _same_setting(key, effective, value, project):
            continue
        if not fresh:
            raise UsageError(
                f"stack {stack!r} publishes with {NS}:{key}={effective!r} but this build used "
                f"{value!r}; build with the stack's setting, or change {NS}:{key} on the "
                f"stack (that rebuilds and replaces every layer in it)"
            )
        updates[f"{NS}:{key}"] = value
    if request.public and config.get(f"{NS}:public", "false").strip().lower() != "true":
        if f"{NS}:public" in config or f"{NS}:organizationId" in config:
            raise UsageError(
                f"stack {stack!r} is not public (see {NS}:public, {NS}:organizationId); "
                f"change that on the stack to share all its layers, or drop --public"
            )
        updates[f"{NS}:public"] = "true"
    runtimes = sorted(_list(config, "runtimes", stack))
    if request.runtimes and runtimes != sorted(request.runtimes):
        if runtimes:
            raise UsageError(
                f"stack {stack!r} declares {NS}:runtimes={runtimes} but --runtimes gave "
                f"{sorted(request.runtimes)}; changing them replaces every layer of the stack, "
                f"so change {NS}:runtimes on the stack or drop --runtimes"
            )
        updates[f"{NS}:runtimes"] = sorted(request.runtimes)
    return updates


def _label(layer: tuple[str, Architecture]) -> str:
    return f"{layer[0]}/{layer[1].value}"


def _request_settings(request: BuildRequest, project: Path) -> dict[str, tuple[str, str]]:
    """key → (the request's value, the stack's default) for the build-deciding keys."""
    return {
        "upstreamRepo": (redact(request.upstream_repo), api.DEFAULT_UPSTREAM_REPO),
        "upstreamRef": (request.upstream_ref, api.DEFAULT_UPSTREAM_REF),
        "layerName": (request.layer_name, api.DEFAULT_LAYER_NAME),
        "configFile": (_project_path(request.config_path, project, DEFAULT_CONFIG_FILE),
                       DEFAULT_CONFIG_FILE),
        "componentsFile": (_project_path(request.registry_path, project, DEFAULT_COMPONENTS),
                           DEFAULT_COMPONENTS),
    }  # fmt: skip


def _project_path(path: Path | None, project: Path, default: str) -> str:
    """A path as the stack config spells it: relative to the project when inside it."""
    if path is None:
        return default
    resolved, root = path.resolve(), project.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def _same_setting(key: str, left: str, right: str, project: Path) -> bool:
    if key.endswith("File"):  # relative to the project; absolute paths stay as they are
        return (project / left).resolve() == (project / right).resolve()
    return left == right


def _list(config: dict[str, str], key: str, stack: str) -> list[str]:
    raw = config.get(f"{NS}:{key}")
    if raw is None:
        return []
    try:
        value = json.loads(raw) if raw.strip().startswith("[") else split_commas(raw)
    except json.JSONDecodeError:
        raise UsageError(f"stack {stack!r}: {NS}:{key} is not a list: {raw!r}") from None
    return [str(v).strip() for v in value if str(v).strip()]


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
