"""The tag catalogue: every valid build tag, read from ``//go:build`` lines at the commit.

Nothing here is hard-coded: a component tag upstream adds tomorrow is valid tomorrow, and a
misspelt tag (the reference tool's ``processor.memory_limiter``) is caught before Go
silently ignores it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from ocelot_build.core import gobuildexpr
from ocelot_build.core.yamlio import closest
from ocelot_build.stages.config import CUSTOM_TAG, TAG_PREFIX, short_tag
from ocelot_build.stages.registry import KINDS, ComponentSpec
from ocelot_build.stages.upstream import UpstreamSource

COMPONENTS_DIR = "collector/lambdacomponents"
IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)\)", re.MULTILINE | re.DOTALL)
IMPORT_ONE = re.compile(r'^import\s+(?:[\w.]+\s+)?"([^"]+)"', re.MULTILINE)
QUOTED = re.compile(r'"([^"]+)"')
PLATFORM = frozenset({"linux", "unix", "gc"})


@dataclass(frozen=True)
class GoFile:
    path: str
    constraint: str
    imports: frozenset[str]


@dataclass(frozen=True)
class Component:
    tag: str
    kind: str
    name: str
    source: str  # "upstream" or "overlay"
    file: GoFile
    factory_imports: frozenset[str]


@dataclass(frozen=True)
class TagCatalogue:
    components: dict[str, Component]
    known_tags: frozenset[str]
    files: tuple[GoFile, ...]
    upstream_kinds: frozenset[str]  # the kind packages upstream has at this commit

    def check(self, tags: tuple[str, ...], where: str) -> list[str]:
        """Problems with a tag set: unknown tags (with the nearest valid ones), no custom, an
        overlay component whose kind package upstream lacks (its wrapper has nowhere to go)."""
        problems = []
        for tag in tags:
            if tag not in self.known_tags:
                problems.append(
                    f"{where}: unknown build tag {short_tag(tag)!r}; "
                    f"nearest valid: {', '.join(self.nearest(tag))}"
                )
        for comp in self.overlay_selected(tags):
            if comp.kind not in self.upstream_kinds:
                problems.append(
                    f"{where}: overlay component {short_tag(comp.tag)!r} is a {comp.kind}, "
                    f"but upstream has no {COMPONENTS_DIR}/{comp.kind}/ at this commit "
                    f"(it has {', '.join(sorted(self.upstream_kinds))})"
                )
        if tags and CUSTOM_TAG not in tags:
            problems.append(
                f"{where}: component tags need {short_tag(CUSTOM_TAG)!r} "
                "(without it upstream's default set is built and the tags ignored)"
            )
        return problems

    def nearest(self, tag: str, n: int = 3) -> list[str]:
        names = sorted(short_tag(t) for t in self.known_tags)
        close = closest(short_tag(tag), names, n=n, cutoff=0.0)
        return close or names[:n]

    def intended(self, tags: tuple[str, ...]) -> dict[str, list[str]]:
        """The components a build with these tags registers, per kind.

        Component files count when their constraint holds; any other selected file (upstream's
        ``default.go``) contributes the components whose factory packages it imports.
        """
        active = frozenset(tags) | PLATFORM
        chosen: set[str] = set()
        for gofile in self.files:
            if not gobuildexpr.satisfied(gofile.constraint, active):
                continue
            for comp in self.components.values():
                if comp.file == gofile or (
                    comp.factory_imports and comp.factory_imports <= gofile.imports
                ):
                    chosen.add(comp.tag)
        return by_kind(self.components[t] for t in chosen)

    def overlay_selected(self, tags: tuple[str, ...]) -> list[Component]:
        active = frozenset(tags) | PLATFORM
        return [
            c
            for c in self.components.values()
            if c.source == "overlay" and gobuildexpr.satisfied(c.file.constraint, active)
        ]


def members(components: dict[str, Component], names: dict[str, list[str]]) -> list[Component]:
    """The catalogue components named in a kind → names mapping (e.g. an intended set)."""
    return [c for c in components.values() if c.name in names.get(c.kind, ())]


def by_kind(components: object) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {k: [] for k in KINDS}
    for comp in components:  # type: ignore[attr-defined]
        grouped[comp.kind].append(comp.name)
    return {k: sorted(v) for k, v in grouped.items()}


def read_catalogue(source: UpstreamSource, overlay: dict[str, ComponentSpec]) -> TagCatalogue:
    """Build the catalogue from the upstream tree at the commit plus our overlay wrappers."""
    upstream_files = {
        p: parse_go(p, text) for p, text in source.read_tree(COMPONENTS_DIR, ".go").items()
    }
    kind_imports = _kind_imports(upstream_files)
    components: dict[str, Component] = {}
    for gofile in upstream_files.values():
        comp = _as_component(gofile, "upstream", kind_imports)
        if comp:
            components[comp.tag] = comp
    for spec in overlay.values():
        for path in spec.files:
            gofile = parse_go(f"{COMPONENTS_DIR}/{spec.kind}/{path.name}", path.read_text())
            components[spec.tag] = Component(
                spec.tag,
                spec.kind,
                spec.name,
                "overlay",
                gofile,
                gofile.imports - kind_imports.get(spec.kind, set()),
            )
    overlay_files = [c.file for c in components.values() if c.source == "overlay"]
    files = (*upstream_files.values(), *overlay_files)
    known = {
        t for f in files for t in gobuildexpr.identifiers(f.constraint) if t.startswith(TAG_PREFIX)
    }
    kinds = frozenset(PurePosixPath(p).parts[2] for p in upstream_files if p.count("/") == 3)
    return TagCatalogue(components, frozenset(known), files, kinds)


def parse_go(path: str, text: str) -> GoFile:
    imports = set(IMPORT_ONE.findall(text))
    for block in IMPORT_BLOCK.findall(text):
        imports.update(QUOTED.findall(block))
    return GoFile(path, gobuildexpr.constraint(text), frozenset(imports))


def _kind_imports(files: dict[str, GoFile]) -> dict[str, set[str]]:
    """What every component of a kind imports anyway (the kind's own pkg.go imports)."""
    result: dict[str, set[str]] = {}
    for path, gofile in files.items():
        parts = PurePosixPath(path).parts
        if len(parts) == 4 and parts[2] in KINDS and parts[3] == "pkg.go":
            result[parts[2]] = set(gofile.imports)
    return result


def _as_component(
    gofile: GoFile, source: str, kind_imports: dict[str, set[str]]
) -> Component | None:
    parts = PurePosixPath(gofile.path).parts
    if len(parts) != 4 or parts[2] not in KINDS:
        return None
    kind = parts[2]
    tags = [
        t
        for t in gobuildexpr.identifiers(gofile.constraint)
        if t.startswith(f"{TAG_PREFIX}{kind}.") and not t.endswith(".all")
    ]
    if len(tags) != 1:
        return None
    name = tags[0].rsplit(".", 1)[1]
    return Component(
        tags[0], kind, name, source, gofile, gofile.imports - kind_imports.get(kind, set())
    )
