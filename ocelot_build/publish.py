"""Publish built layers into a Pulumi stack through the Automation API (the CLI's default).

The stack's program (``infra/``) declares ``ocelot:distributions`` x ``ocelot:architectures``
in each region, so publishing *adds* the built distributions and architectures to those lists
and runs ``pulumi up``: the program declares the union, and the stack's other layers keep their
inputs (neither replaced nor removed). Settings that would rebuild every layer (upstream repo
and ref, layer name, distributions file, component registry, runtimes) must match the stack's;
a stack without distributions yet adopts the request's. docs/publishing.md has the details.

``StackDriver`` (opened by ``open_stack``) is the one seam tests replace; ``pulumi.automation``
is imported only behind it, after the CLI has been found on PATH.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build import api, proc
from ocelot_build.api import BuildRequest, LayerArtifact
from ocelot_build.automation import Progress, StackDriver, open_automation_stack
from ocelot_build.errors import PublishError, UsageError
from ocelot_build.files import PROJECT_ROOT
from ocelot_build.model import Architecture
from ocelot_build.proc import redact

NS = "ocelot"
DEFAULT_CONFIG_FILE = "config/distributions.yaml"
DEFAULT_COMPONENTS = "config/components.yaml"


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


def publish_layers(
    artifacts: Sequence[LayerArtifact],
    *,
    request: BuildRequest,
    stack: str | None,
    work_dir: Path | None = None,
    public: bool = False,
    runtimes: Sequence[str] = (),
    progress: Progress | None = None,
    open_stack: OpenStack | None = None,
) -> PublishResult:
    """Add ``artifacts`` to ``stack`` and run ``pulumi up`` there; return their ARNs.

    ``public`` and ``runtimes`` are stack-wide settings: when given they must match the
    stack's (a fresh stack adopts them); when not given the stack's own apply.
    """
    if not stack:
        raise UsageError("publishing needs --stack NAME (or pass --skip-publish)")
    if not artifacts:
        raise UsageError("nothing to publish")
    if open_stack is None:
        require_pulumi()
        open_stack = open_automation_stack
    project = work_dir or find_project_dir()
    driver = open_stack(stack, project)
    changes = merge_into_stack(driver, artifacts, request, stack, project)
    changes += _check_options(driver, stack, public=public, runtimes=runtimes)
    outputs = driver.up(progress or (lambda line: None))
    return PublishResult(stack, collect_published(outputs, artifacts, stack), tuple(changes))


def merge_into_stack(
    driver: StackDriver,
    artifacts: Sequence[LayerArtifact],
    request: BuildRequest,
    stack: str,
    project: Path,
) -> list[str]:
    """Add the artifacts' distributions and architectures to the stack's lists."""
    config = driver.config()
    current = _list(config, "distributions", stack)
    changes = _adopt_or_check(driver, config, request, stack, project, fresh=not current)
    wanted = list(dict.fromkeys(a.distribution for a in artifacts))
    added = [d for d in wanted if d not in current]
    if added:
        driver.set_list(f"{NS}:distributions", [*current, *added])
        changes.append(f"{NS}:distributions += {', '.join(added)}")
    arches = _list(config, "architectures", stack)
    have = [Architecture.parse(a) for a in arches] if arches or not current else list(Architecture)
    new_arches = [a for a in dict.fromkeys(x.architecture for x in artifacts) if a not in have]
    if new_arches:  # a fresh stack gets exactly the built architectures, not the default both
        driver.set_list(f"{NS}:architectures", [a.value for a in (*have, *new_arches)])
        changes.append(f"{NS}:architectures += {', '.join(a.value for a in new_arches)}")
    return changes


def _adopt_or_check(
    driver: StackDriver,
    config: dict[str, str],
    request: BuildRequest,
    stack: str,
    project: Path,
    *,
    fresh: bool,
) -> list[str]:
    """A fresh stack takes the request's build settings; an existing one must match them."""
    changes = []
    for key, (value, default) in _request_settings(request, project).items():
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
        driver.set_text(f"{NS}:{key}", value)
        changes.append(f"{NS}:{key} = {value}")
    return changes


def _check_options(
    driver: StackDriver, stack: str, *, public: bool, runtimes: Sequence[str]
) -> list[str]:
    """``--public`` and ``--runtimes`` against the stack's ``ocelot:public``/``runtimes``.

    Both concern every layer of the stack (runtimes even replace them), so an existing stack
    is never changed from here; only a stack that has no setting yet takes the request's.
    """
    config = driver.config()
    changes = []
    if public and config.get(f"{NS}:public", "false").strip().lower() != "true":
        if f"{NS}:public" in config or f"{NS}:organizationId" in config:
            raise UsageError(
                f"stack {stack!r} is not public (see {NS}:public, {NS}:organizationId); "
                f"change that on the stack to share all its layers, or drop --public"
            )
        driver.set_text(f"{NS}:public", "true")
        changes.append(f"{NS}:public = true")
    have = sorted(_list(config, "runtimes", stack))
    if runtimes and have != sorted(runtimes):
        if have:
            raise UsageError(
                f"stack {stack!r} declares {NS}:runtimes={have} but --runtimes gave "
                f"{sorted(runtimes)}; changing them replaces every layer of the stack, so "
                f"change {NS}:runtimes on the stack or drop --runtimes"
            )
        driver.set_list(f"{NS}:runtimes", sorted(runtimes))
        changes.append(f"{NS}:runtimes = {' '.join(sorted(runtimes))}")
    return changes


def publish_from_cli(
    artifacts: Sequence[LayerArtifact],
    args: Any,
    *,
    work_dir: Path | None = None,
    open_stack: OpenStack | None = None,
) -> PublishResult:
    """The CLI's publish step: its parsed options in, a table of ARNs on stdout.

    ``args`` is the CLI's argparse namespace (stack, public, runtimes, upstream_*, layer_name,
    config, components, verbose); Pulumi's own output goes to stderr with ``-v``.
    """
    import sys

    request = BuildRequest(
        distributions=tuple(dict.fromkeys(a.distribution for a in artifacts)),
        architectures=tuple(dict.fromkeys(a.architecture for a in artifacts)),
        upstream_repo=args.upstream_repo,
        upstream_ref=args.upstream_ref,
        layer_name=args.layer_name,
        config_path=args.config,
        registry_path=getattr(args, "components", None),
    )
    verbose = bool(getattr(args, "verbose", False))
    result = publish_layers(
        artifacts,
        request=request,
        stack=args.stack,
        public=bool(args.public),
        runtimes=tuple(str(args.runtimes or "").split()),
        progress=(lambda line: print(line, file=sys.stderr)) if verbose else None,
        work_dir=work_dir,
        open_stack=open_stack,
    )
    for change in result.config_changes:
        print(f"stack {result.stack}: {change}", file=sys.stderr)
    for layer in result.layers:
        print(f"{layer.region}  {layer.distribution}  {layer.architecture}  {layer.arn}")
    return result


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
        value = json.loads(raw) if raw.strip().startswith("[") else raw.split(",")
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
