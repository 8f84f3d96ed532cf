"""A file-system Go module proxy holding one out-of-tree component module.

The go command reads `GOPROXY=file:///dir` with the same protocol as an HTTP proxy
(`<escaped module>/@v/list`, `.info`, `.mod`, `.zip`), so overlay code runs exactly as
against proxy.golang.org, without a network.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .model import stub_module
from .render import gomod, template

EXTRA_MODULE = "example.com/ocelotextra/exporter/extraexporter"
EXTRA_PACKAGE = "extraexporter"
EXTRA_YAML_ID = "extra"
#: Module version -> (core 1.x version it requires, publication time). v0.160.0 requires
#: newer core modules than the stand-in's v1.64.0, as a real newer contrib release would:
#: `go mod tidy` then raises the stand-in's component/exporter requirements to v1.66.0.
EXTRA_VERSIONS: dict[str, tuple[str, str]] = {
    "v0.158.0": ("v1.64.0", "2026-07-28T10:00:00Z"),
    "v0.160.0": ("v1.66.0", "2026-09-08T10:00:00Z"),
}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class GoProxy:
    """A GOPROXY directory and the module it serves."""

    root: Path
    url: str
    module: str
    versions: tuple[str, ...]
    yaml_id: str = EXTRA_YAML_ID
    package: str = EXTRA_PACKAGE

    def core_version(self, version: str) -> str:
        """The go.opentelemetry.io/collector/{component,exporter} version `version` needs."""
        return EXTRA_VERSIONS[version][0]


def escape_module_path(path: str) -> str:
    """Go's case-encoding for proxy paths: each upper-case letter becomes '!' + lower."""
    return "".join(f"!{ch.lower()}" if ch.isupper() else ch for ch in path)


def make_goproxy(root: Path) -> GoProxy:
    """Write the proxy tree under `root` (deterministic bytes) and describe it."""
    base = root / escape_module_path(EXTRA_MODULE) / "@v"
    base.mkdir(parents=True, exist_ok=True)
    for version, (_, published) in EXTRA_VERSIONS.items():
        files = module_files(version)
        (base / f"{version}.mod").write_text(files["go.mod"])
        info = {"Version": version, "Time": published}
        (base / f"{version}.info").write_text(json.dumps(info) + "\n")
        _write_zip(base / f"{version}.zip", f"{EXTRA_MODULE}@{version}", files)
    (base / "list").write_text("".join(f"{v}\n" for v in EXTRA_VERSIONS))
    return GoProxy(
        root=root, url=root.as_uri(), module=EXTRA_MODULE, versions=tuple(EXTRA_VERSIONS)
    )


def module_files(version: str) -> dict[str, str]:
    """The files of the extra module at `version`, relative to the module root."""
    core = EXTRA_VERSIONS[version][0]
    requires = [(stub_module("component"), core), (stub_module("exporter"), core)]
    return {
        "go.mod": gomod(EXTRA_MODULE, requires),
        f"{EXTRA_PACKAGE}.go": template(
            "extra/extraexporter.go.tmpl", module=EXTRA_MODULE, version=version
        ),
        "internal/metadata/generated_status.go": template(
            "component/generated_status.go.tmpl", yaml_id=EXTRA_YAML_ID, module=EXTRA_MODULE
        ),
    }


def extra_wrapper(name: str = EXTRA_YAML_ID) -> str:
    """A lambdacomponents/exporter/<name>.go file linking the extra module, guarded by
    the usual custom-build tags; it is what an overlay adds next to upstream's files."""
    return template(
        "lambdacomponents/component.go.tmpl",
        kind="exporter",
        name=name,
        module=EXTRA_MODULE,
        package=EXTRA_PACKAGE,
        args="",
    )


def _write_zip(target: Path, prefix: str, files: dict[str, str]) -> None:
    """A module zip: every entry under `module@version/`, sorted, fixed time and modes."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{prefix}/{rel}", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, files[rel], compresslevel=9)
