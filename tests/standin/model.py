"""What the stand-in upstream contains, as data.

Everything the templates render is derived from these constants and the component list,
so tests can compute expectations (tags, YAML ids, module paths) instead of hard-coding
them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS: tuple[str, ...] = ("connector", "exporter", "extension", "processor", "receiver")

#: Same module path as upstream, so module-path logic in the engine is identical.
COLLECTOR_MODULE = "github.com/open-telemetry/opentelemetry-lambda/collector"
LAMBDACOMPONENTS_MODULE = f"{COLLECTOR_MODULE}/lambdacomponents"
GO_DIRECTIVE = "1.26.1"
COLLECTOR_VERSION = "v0.158.0"
#: Version of core modules that are on the 1.x line upstream (component, receiver, ...).
CORE_STABLE_VERSION = "v1.64.0"
#: What `go mod tidy` writes for a required module that only exists through `replace`.
LOCAL_VERSION = "v0.0.0-00010101000000-000000000000"

#: Local stub modules standing in for go.opentelemetry.io/collector/*: dir name -> version.
STUBS: dict[str, str] = {
    "component": CORE_STABLE_VERSION,
    "connector": COLLECTOR_VERSION,
    "exporter": CORE_STABLE_VERSION,
    "extension": CORE_STABLE_VERSION,
    "otelcol": COLLECTOR_VERSION,
    "processor": CORE_STABLE_VERSION,
    "receiver": CORE_STABLE_VERSION,
}

TAG_NAME = "layer-collector/0.1.0"
BRANCH = "main"

_NAME = re.compile(r"^[a-z][a-z0-9]*$")
_YAML_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def stub_module(name: str) -> str:
    """Module path of a stub, e.g. go.opentelemetry.io/collector/otelcol."""
    return f"go.opentelemetry.io/collector/{name}"


@dataclass(frozen=True)
class Component:
    """One stand-in component: a tag name, its YAML id and its own Go module."""

    kind: str
    name: str
    yaml_id: str
    default: bool = True
    #: Lambda-specific components (telemetryapi) take the extension id and import
    #: collector/internal, which makes their module require the collector module.
    lambda_specific: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; allowed: {', '.join(KINDS)}")
        if not _NAME.match(self.name):
            raise ValueError(f"component name {self.name!r} must match {_NAME.pattern}")
        if not _YAML_ID.match(self.yaml_id):
            raise ValueError(f"YAML id {self.yaml_id!r} must match {_YAML_ID.pattern}")

    @property
    def package(self) -> str:
        """Go package name, e.g. memorylimiterprocessor (unique across kinds)."""
        return f"{self.name}{self.kind}"

    @property
    def directory(self) -> str:
        """Module directory relative to collector/."""
        return f"components/{self.kind}/{self.package}"

    @property
    def module(self) -> str:
        return f"{COLLECTOR_MODULE}/{self.directory}"

    @property
    def tag(self) -> str:
        """The build tag that links this component into a custom build."""
        return f"lambdacomponents.{self.kind}.{self.name}"


def _c(kind: str, name: str, yaml_id: str | None = None, **kw: bool) -> Component:
    return Component(kind, name, yaml_id or name, **kw)


#: The tagged commit's components; the default build links all but connector.spanmetrics.
TAGGED_COMPONENTS: tuple[Component, ...] = (
    _c("connector", "spanmetrics", default=False),
    _c("exporter", "debug"),
    _c("exporter", "otlp"),
    _c("exporter", "otlphttp"),
    _c("extension", "basicauth"),
    _c("processor", "batch"),
    _c("processor", "decouple"),
    _c("processor", "memorylimiter", "memory_limiter"),
    _c("receiver", "otlp"),
    _c("receiver", "telemetryapi", lambda_specific=True),
)

#: Added by the commit after the tag, so the tag and main differ in their catalogues.
MAIN_ONLY_COMPONENTS: tuple[Component, ...] = (_c("processor", "coldstart"),)


def by_kind(components: tuple[Component, ...] | list[Component]) -> dict[str, list[str]]:
    """Kind -> sorted tag names, with every kind present."""
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for comp in components:
        out[comp.kind].append(comp.name)
    return {kind: sorted(names) for kind, names in out.items()}
