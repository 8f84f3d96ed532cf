"""Check that the collector config shipped in a layer only names components the layer has.

Upstream always ships its default config (otlp → debug), so a custom build without the
debug exporter fails at start with "unknown type". Component YAML ids differ from tag names
(tag ``processor.memorylimiter`` is id ``memory_limiter``), so ids are read from each
component's Go source (``component.MustNewType("…")``), or from our registry's ``id``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ocelot_build.core import proc
from ocelot_build.core.errors import BuildError, ConfigError
from ocelot_build.core.toolchain import GoToolchain
from ocelot_build.core.yamlio import parse_yaml
from ocelot_build.stages.catalogue import Component
from ocelot_build.stages.registry import KINDS, ComponentSpec

MUST_NEW_TYPE = re.compile(r'MustNewType\(\s*"([^"]+)"\s*\)')
SECTIONS = {f"{kind}s": kind for kind in KINDS}


def component_ids(
    components: list[Component],
    overlay: dict[str, ComponentSpec],
    collector_dir: Path,
    go: GoToolchain,
    env: dict[str, str],
    tags: tuple[str, ...],
) -> dict[str, dict[str, tuple[str, ...]]]:
    """kind → {tag name → accepted YAML ids, canonical first} for the given components.

    A component may accept a deprecated alias too (v0.158's ``otlp_http`` still takes
    ``otlphttp``); both are declared with ``MustNewType`` in its metadata package.
    """
    packages = sorted({p for c in components for p in c.factory_imports})
    dirs = _package_dirs(packages, collector_dir, go, env, tags) if packages else {}
    ids: dict[str, dict[str, tuple[str, ...]]] = {k: {} for k in KINDS}
    for comp in components:
        spec = overlay.get(comp.tag)
        found: list[str] = [spec.yaml_id] if spec and spec.yaml_id else []
        for package in sorted(comp.factory_imports):
            found += [t for t in _types_in(dirs.get(package)) if t not in found]
        ids[comp.kind][comp.name] = tuple(found) or (comp.name,)
    return ids


def _package_dirs(
    packages: list[str],
    collector_dir: Path,
    go: GoToolchain,
    env: dict[str, str],
    tags: tuple[str, ...],
) -> dict[str, Path]:
    argv: list[str | Path] = [go.go, "list", "-e", "-f", "{{.ImportPath}}\t{{.Dir}}"]
    if tags:
        argv += ["-tags", ",".join(tags)]
    out = proc.run([*argv, *packages], cwd=collector_dir, env=env)
    rows = (line.split("\t", 1) for line in out.splitlines() if "\t" in line)
    return {path: Path(d) for path, d in rows if d}


def _types_in(package_dir: Path | None) -> list[str]:
    """Every type a component package declares, in source order (canonical one first)."""
    if package_dir is None:
        return []
    for folder in (package_dir / "internal" / "metadata", package_dir):
        found: list[str] = []
        for source in sorted(folder.glob("*.go")) if folder.is_dir() else ():
            if not source.name.endswith("_test.go"):
                found += MUST_NEW_TYPE.findall(source.read_text(errors="replace"))
        if found:
            return list(dict.fromkeys(found))
    return []


def syntax_problems(config: bytes, where: str) -> list[str]:
    """Cheap checks done before any build: YAML that parses to a mapping."""
    try:
        data = parse_yaml(config, f"{where}: collector config")
    except ConfigError as exc:
        return [exc.message]
    return [] if isinstance(data, dict) else [f"{where}: collector config must be a mapping"]


def check_config(config: bytes, ids: dict[str, dict[str, tuple[str, ...]]], where: str) -> None:
    """Raise naming every component the config declares that the layer does not have."""
    data = parse_yaml(config, f"{where}: collector config") or {}
    if not isinstance(data, dict):
        raise BuildError(f"{where}: collector config must be a mapping")
    problems = []
    for section, kind in SECTIONS.items():
        declared = data.get(section) or {}
        if not isinstance(declared, dict):
            continue
        available = {i for accepted in ids[kind].values() for i in accepted}
        for key in declared:
            type_name = str(key).split("/", 1)[0]
            if type_name not in available:
                problems.append(
                    f"{section}.{key} (type {type_name!r}; the layer has "
                    f"{', '.join(sorted(available)) or 'no ' + section})"
                )
    if problems:
        raise BuildError(
            f"{where}: the bundled collector config names components the "
            f"layer lacks: {'; '.join(problems)}"
        )


def unused(config: bytes, ids: dict[str, dict[str, tuple[str, ...]]]) -> list[str]:
    """``kind name`` of every linked component the config's ``service`` never uses (in a
    pipeline, or as an extension): code the layer carries that its bundled config leaves
    idle. Not an error: a function may bring its own config at run time."""
    data = parse_yaml(config, "collector config") or {}
    service = data.get("service") if isinstance(data, dict) else None
    used = _service_types(service if isinstance(service, dict) else {})
    return [
        f"{kind} {name}"
        for kind, names in ids.items()
        for name, accepted in sorted(names.items())
        if not used.intersection(accepted)
    ]


def _service_types(service: dict[str, object]) -> set[str]:
    """The component types ``service`` names: pipelines' members and extensions."""
    named: list[object] = list(_as_list(service.get("extensions")))
    pipelines = service.get("pipelines")
    for pipeline in pipelines.values() if isinstance(pipelines, dict) else ():
        if isinstance(pipeline, dict):
            for role in ("receivers", "processors", "exporters"):
                named += _as_list(pipeline.get(role))
    return {str(n).split("/", 1)[0] for n in named}


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []
