"""The overlay registry: which of our build tags need which wrapper files and Go modules.

Selection is by tag, never by file-name glob (the reference tool's glob silently skipped
wrappers whose file name did not contain the tag). The project's registry lives in
``config/components.yaml``; a distributions file may register more under ``components:``,
with paths relative to that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.core import gobuildexpr
from ocelot_build.core.errors import ConfigError
from ocelot_build.core.files import PROJECT_ROOT, not_a_file
from ocelot_build.core.localpaths import inside
from ocelot_build.core.yamlio import did_you_mean, load_yaml, raise_all
from ocelot_build.stages.config import TAG_PREFIX, full_tag

PROJECT_REGISTRY = PROJECT_ROOT / "config" / "components.yaml"
KINDS = ("connector", "exporter", "extension", "processor", "receiver")
COMPONENT_KEYS = ("description", "id", "files", "modules")
MODULE_KEYS = ("path", "version", "local")
SEMVER = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class ModuleSpec:
    path: str
    version: str | None  # None: the upstream collector version
    local: Path | None  # a directory: wired with a replace, copied into the work tree


@dataclass(frozen=True)
class ComponentSpec:
    tag: str  # full tag, e.g. lambdacomponents.exporter.clickhouse
    kind: str
    name: str
    yaml_id: str | None
    description: str
    files: tuple[Path, ...]
    modules: tuple[ModuleSpec, ...]

    def build_lines(self) -> dict[Path, str]:
        """Each wrapper file's ``//go:build`` expression."""
        return {f: gobuildexpr.constraint(f.read_text()) for f in self.files}


def load_registry(
    extra: dict[str, Any] | None = None,
    extra_base: Path | None = None,
    path: Path = PROJECT_REGISTRY,
) -> dict[str, ComponentSpec]:
    """The project registry plus a distributions file's own ``components:`` section."""
    specs: dict[str, ComponentSpec] = {}
    problem = not_a_file(path)
    if path != PROJECT_REGISTRY and problem:
        raise ConfigError(f"component registry {path} {problem}")
    if path.is_file():
        data = load_yaml(path, "component registry") or {}
        root = (path.parent / str(data.get("root", "."))).resolve()
        specs.update(_parse(data.get("components") or {}, root, path))
    if extra:
        specs.update(_parse(extra, (extra_base or Path.cwd()).resolve(), extra_base or Path()))
    return specs


def _parse(entries: Any, root: Path, source: Path) -> dict[str, ComponentSpec]:
    if not isinstance(entries, dict):
        raise ConfigError(f"{source}: 'components' must be a mapping of tag → entry")
    errors: list[str] = []
    specs = {}
    for tag, entry in entries.items():
        spec = _parse_one(str(tag), entry, root, errors)
        if spec is not None:
            specs[spec.tag] = spec
    raise_all(errors, source)
    return specs


def _parse_one(tag: str, entry: Any, root: Path, errors: list[str]) -> ComponentSpec | None:
    where = f"components.{tag}"
    full = full_tag(tag)
    parts = full.removeprefix(TAG_PREFIX).split(".")
    if len(parts) != 2 or parts[0] not in KINDS or not re.fullmatch(r"[a-z0-9]+", parts[1]):
        errors.append(
            f"{where}: a component tag is <kind>.<name> with kind one of "
            f"{', '.join(KINDS)} and a lower-case alphanumeric name"
        )
        return None
    if not isinstance(entry, dict):
        errors.append(f"{where} must be a mapping")
        return None
    for key in entry:
        if key not in COMPONENT_KEYS:
            errors.append(f"{where}: unknown key {key!r}{did_you_mean(str(key), COMPONENT_KEYS)}")
    for key in ("id", "description"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            errors.append(f"{where}.{key} must be a string, got {entry[key]!r}")
    files = _files(entry.get("files"), root, where, errors)
    modules = _modules(entry.get("modules") or [], root, where, errors)
    spec = ComponentSpec(
        full, parts[0], parts[1], entry.get("id"), str(entry.get("description", "")), files, modules
    )
    for f, line in spec.build_lines().items() if files else ():
        if full not in re.findall(r"[\w.]+", line):
            errors.append(
                f"{where}: {f.name} has //go:build {line or '(none)'!r}, which does not name {full}"
            )
    return spec


def _files(raw: Any, root: Path, where: str, errors: list[str]) -> tuple[Path, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) for f in raw):
        errors.append(f"{where}.files must list at least one wrapper .go file path")
        return ()
    try:
        paths = tuple(inside(root, f, f"{where}.files") for f in raw)
    except ConfigError as exc:
        errors.append(str(exc))
        return ()
    for p in paths:
        if not p.is_file() or p.suffix != ".go":
            errors.append(f"{where}.files: {p} is not an existing .go file")
    return paths if all(p.is_file() for p in paths) else ()


def _modules(raw: Any, root: Path, where: str, errors: list[str]) -> tuple[ModuleSpec, ...]:
    if not isinstance(raw, list):
        errors.append(f"{where}.modules must be a list")
        return ()
    specs = []
    for i, item in enumerate(raw):
        at = f"{where}.modules[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            errors.append(f"{at} must be a mapping with a module 'path'")
            continue
        errors.extend(f"{at}: unknown key {k!r}" for k in item if k not in MODULE_KEYS)
        version = item.get("version")
        if item.get("local") is not None and not isinstance(item["local"], str):
            errors.append(f"{at}.local must be a directory path, got {item['local']!r}")
            continue
        if version is not None and not (isinstance(version, str) and SEMVER.match(version)):
            errors.append(f"{at}.version {version!r} is not a Go module version like v1.2.3")
        try:
            local = inside(root, item["local"], f"{at}.local") if item.get("local") else None
        except ConfigError as exc:
            errors.append(str(exc))
            continue
        if local is not None and not (local / "go.mod").is_file():
            errors.append(f"{at}.local: {local} has no go.mod")
        specs.append(ModuleSpec(item["path"], str(version) if version else None, local))
    return tuple(specs)
