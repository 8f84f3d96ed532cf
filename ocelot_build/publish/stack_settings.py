"""The build settings a stack pins, compared with a request's; the published layers read back.

A ``--stack`` publish may add layers only when they were built with the stack's settings
(upstream, ref, layer name, files, runtimes): otherwise every other layer of the stack would
be rebuilt with the next ``pulumi up``. Split from ``ocelot_build.publish.stack`` so each
holds one concern.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ocelot_build import api
from ocelot_build.api import BuildRequest
from ocelot_build.core.errors import UsageError
from ocelot_build.core.files import split_commas
from ocelot_build.core.model import Architecture
from ocelot_build.core.proc import redact

NS = "ocelot"
DEFAULT_CONFIG_FILE = "config/distributions.yaml"
DEFAULT_COMPONENTS = "config/components.yaml"


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


def stack_settings(
    config: dict[str, str], request: PublishRequest, project: Path, *, fresh: bool
) -> dict[str, str | list[str]]:
    """Build settings and ``--public``/``--runtimes``: a fresh stack adopts the request's;
    an existing one must already have them (changing them replaces every layer of it)."""
    updates: dict[str, str | list[str]] = {}
    stack = request.stack
    for key, (value, default) in request_settings(request.build, project).items():
        have = config.get(f"{NS}:{key}")
        effective = default if have is None else have
        if same_setting(key, effective, value, project):
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
    runtimes = sorted(list_setting(config, "runtimes", stack))
    if request.runtimes and runtimes != sorted(request.runtimes):
        if runtimes:
            raise UsageError(
                f"stack {stack!r} declares {NS}:runtimes={runtimes} but --runtimes gave "
                f"{sorted(request.runtimes)}; changing them replaces every layer of the stack, "
                f"so change {NS}:runtimes on the stack or drop --runtimes"
            )
        updates[f"{NS}:runtimes"] = sorted(request.runtimes)
    return updates


def label(layer: tuple[str, Architecture]) -> str:
    return f"{layer[0]}/{layer[1].value}"


def request_settings(request: BuildRequest, project: Path) -> dict[str, tuple[str, str]]:
    """key → (the request's value, the stack's default) for the build-deciding keys."""
    return {
        "upstreamRepo": (redact(request.upstream_repo), api.DEFAULT_UPSTREAM_REPO),
        "upstreamRef": (request.upstream_ref, api.DEFAULT_UPSTREAM_REF),
        "layerName": (request.layer_name, api.DEFAULT_LAYER_NAME),
        "configFile": (project_path(request.config_path, project, DEFAULT_CONFIG_FILE),
                       DEFAULT_CONFIG_FILE),
        "componentsFile": (project_path(request.registry_path, project, DEFAULT_COMPONENTS),
                           DEFAULT_COMPONENTS),
    }  # fmt: skip


def project_path(path: Path | None, project: Path, default: str) -> str:
    """A path as the stack config spells it: relative to the project when inside it."""
    if path is None:
        return default
    resolved, root = path.resolve(), project.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def same_setting(key: str, left: str, right: str, project: Path) -> bool:
    if key.endswith("File"):  # relative to the project; absolute paths stay as they are
        return (project / left).resolve() == (project / right).resolve()
    return left == right


def list_setting(config: dict[str, str], key: str, stack: str) -> list[str]:
    raw = config.get(f"{NS}:{key}")
    if raw is None:
        return []
    try:
        value = json.loads(raw) if raw.strip().startswith("[") else split_commas(raw)
    except json.JSONDecodeError:
        raise UsageError(f"stack {stack!r}: {NS}:{key} is not a list: {raw!r}") from None
    return [str(v).strip() for v in value if str(v).strip()]
