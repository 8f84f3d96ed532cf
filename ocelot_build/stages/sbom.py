"""A CycloneDX 1.6 SBOM of one layer, made from its binary's Go build info.

Build info is what the linker recorded, so the SBOM lists what the layer really contains,
not what a go.mod asked for. The document is a pure function of the build info and the
zip's sha256, byte for byte: the serial number is derived from the zip's sha256 and the
optional ``metadata.timestamp`` is left out (a timestamp would make every rebuild differ
and would claim a date the bytes do not carry).

Property names follow the CycloneDX property taxonomy where it has one (``cdx:gomod:…``);
the rest are ours (``ocelot:…``). ``ocelot:go:sum`` is the module's go.sum hash as Go
records it (``h1:`` + base64 SHA-256 of Go's dirhash of the module's files). It is not the
hash of any one file, so it is kept as a property rather than passed off as a CycloneDX
``hashes`` entry, which scanners would take for a file digest.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from ocelot_build.stages.buildinfo import BuildInfo, is_local_dir
from ocelot_build.stages.sbom_id import ZIP_SHA256_PROPERTY

# Build settings that the CycloneDX taxonomy names; every other setting is ``ocelot:go:build:``.
TAXONOMY_ENV = ("GOARCH", "GOOS", "CGO_ENABLED")


def render_sbom(info: BuildInfo, *, zip_sha256: str, collector_version: str, commit: str) -> bytes:
    """The SBOM as canonical JSON bytes (sorted keys, two-space indent, final newline)."""
    root = _root_component(info, zip_sha256, collector_version, commit)
    modules = [_stdlib(info.go_version), *(_module(info, path) for path in sorted(info.modules))]
    bom = Bom(
        serial_number=uuid.UUID(bytes=bytes.fromhex(zip_sha256)[:16], version=5),
        metadata=BomMetaData(
            component=root,
            tools=ToolRepository(
                components=[
                    Component(type=ComponentType.APPLICATION, name="ocelot", bom_ref="ocelot")
                ]
            ),
        ),
        components=modules,
    )
    bom.register_dependency(root, modules)
    data = json.loads(JsonV1Dot6(bom).output_as_string())
    data["metadata"].pop("timestamp", None)
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _root_component(
    info: BuildInfo, zip_sha256: str, collector_version: str, commit: str
) -> Component:
    """The collector binary: the main module at the upstream commit, versioned as the
    binary reports itself (``main.Version``)."""
    return Component(
        type=ComponentType.APPLICATION,
        name=info.main_module,
        version=collector_version,
        bom_ref="layer",
        properties=[
            Property(name=ZIP_SHA256_PROPERTY, value=zip_sha256),
            Property(name="ocelot:upstream:commit", value=commit),
            *_build_properties(info),
        ],
    )


def _build_properties(info: BuildInfo) -> Iterator[Property]:
    yield Property(name="cdx:gomod:build:env:GOVERSION", value=info.go_version)
    for tag in sorted(t for t in info.settings.get("-tags", "").split(",") if t):
        yield Property(name="cdx:gomod:build:tag", value=tag)
    for key, value in sorted(info.settings.items()):
        if key in TAXONOMY_ENV:
            yield Property(name=f"cdx:gomod:build:env:{key}", value=value)
        elif key != "-tags":
            yield Property(name=f"ocelot:go:build:{key}", value=value)


def _stdlib(go_version: str) -> Component:
    """The Go standard library, named the way vulnerability databases name it."""
    purl = go_purl("stdlib", go_version.removeprefix("go"))
    return Component(
        type=ComponentType.LIBRARY,
        name="stdlib",
        version=go_version,
        purl=purl,
        bom_ref=purl.to_string(),
    )


def go_purl(module: str, version: str) -> PackageURL:
    """``pkg:golang/<module>@<version>``: the module path's last element is the purl name."""
    namespace, _, name = module.rpartition("/")
    return PackageURL("golang", namespace=namespace or None, name=name, version=version)


def _module(info: BuildInfo, path: str) -> Component:
    """One dependency module as compiled: the replacement when it is replaced by another
    module, the original (without a purl: no published module has that code) when it is
    replaced by a local directory."""
    name, version = path, info.modules[path]
    replace = info.replaced.get(path, "")
    local = bool(replace) and is_local_dir(replace)
    properties = []
    if replace:
        properties.append(Property(name="ocelot:go:replaces", value=f"{path} {version}"))
    if local:
        properties.append(Property(name="ocelot:go:replace:dir", value=replace))
    elif replace:
        name, _, version = replace.partition(" ")
    if path in info.sums:
        properties.append(Property(name="ocelot:go:sum", value=info.sums[path]))
    purl = None if local else go_purl(name, version)
    return Component(
        type=ComponentType.LIBRARY,
        name=name,
        version=version,
        purl=purl,
        bom_ref=purl.to_string() if purl else f"local:{path}",
        properties=properties,
    )
