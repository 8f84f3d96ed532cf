"""A and B of ``python -m ocelot_build.diff``: a layer manifest or zip → :class:`LayerFacts`.

A zip is read the way a user would audit a layer someone else built: its binary's Go build
info (modules and the ``-tags`` it was built with) and its bundled config. A manifest adds
what only the build knew: the components per kind, the upstream commit, the cold-start
options (``config_providers``, ``cold_start``) and, when the boot check ran, init time and
RSS. Separate from the report so each stays one screenful of rules.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.core.errors import UsageError
from ocelot_build.core.manifest import LayerManifest, ManifestError
from ocelot_build.stages.package import CONFIG_ENTRY

KINDS = ("receiver", "processor", "exporter", "connector", "extension")
UNMEASURED = "needs a boot check"
OTELCOL_MODULE = "go.opentelemetry.io/collector/otelcol"


@dataclass(frozen=True)
class LayerFacts:
    """What a diff compares, from a manifest or a zip."""

    label: str
    collector_version: str
    commit: str  # "" for a zip: build info does not carry it
    go_version: str
    components: tuple[str, ...] | None  # "kind/name"; None: upstream's own default set
    modules: dict[str, str]  # path → version as compiled ("v1 => other v2" when replaced)
    zip_size: int
    unzipped_size: int
    config_sha256: str
    init_ms: float | None = None
    unmeasured: str = UNMEASURED  # why init_ms is None
    peak_rss_kb: int | None = None
    # Cold-start options; None (n/a) for a zip, whose build info does not say, and for a
    # manifest from before they were recorded (schema 1).
    config_providers: tuple[str, ...] | None = None
    cold_start: tuple[str, ...] | None = None


def load(path: Path) -> LayerFacts:
    """A manifest or a zip, told apart by content; anything else is bad input."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give two layer manifests (.json) or zips")
    if zipfile.is_zipfile(path):
        return _from_zip(path)
    try:
        data = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: neither a layer zip nor JSON ({exc})") from None
    return _from_manifest(path, data)


def _from_manifest(path: Path, data: Any) -> LayerFacts:
    try:
        manifest = LayerManifest.from_json(data)
    except ManifestError as exc:
        raise UsageError(
            f"{path}: not an ocelot layer manifest ({exc}); "
            "give a <layer>-<distribution>-<arch>.json or a layer zip"
        ) from None
    verify = manifest.verify or {}
    measured = verify.get("status") == "passed" and not verify.get("emulated")
    return LayerFacts(
        label=path.name,
        collector_version=manifest.collector_version,
        commit=manifest.upstream.commit,
        go_version=manifest.go_version,
        components=manifest.component_names(),
        modules={m["path"]: _compiled(m["version"], m.get("replace")) for m in manifest.modules},
        zip_size=manifest.zip.size,
        unzipped_size=manifest.unzipped_size,
        config_sha256=manifest.config_sha256,
        init_ms=verify.get("init_ms") if measured else None,
        unmeasured="booted under qemu: not measured" if verify.get("emulated") else UNMEASURED,
        peak_rss_kb=verify.get("peak_rss_kb") if measured else None,
        config_providers=manifest.config_providers,
        cold_start=manifest.cold_start,
    )


def _from_zip(path: Path) -> LayerFacts:
    from ocelot_build.core.toolchain import find_go
    from ocelot_build.stages.buildinfo import read_zip_build_info
    from ocelot_build.verify.layer import inspect_zip

    zip_size, unzipped = inspect_zip(path)
    info = read_zip_build_info(path, find_go())
    with zipfile.ZipFile(path) as zf:
        config = zf.read(CONFIG_ENTRY) if CONFIG_ENTRY in zf.namelist() else b""
    return LayerFacts(
        label=path.name,
        # -trimpath keeps -ldflags (main.Version, main.GitHash) out of build info: the
        # collector's version is its otelcol module's, as in planning; the commit is unknown.
        collector_version=info.modules.get(OTELCOL_MODULE, ""),
        commit="",
        go_version=info.go_version,
        components=components_of_tags(info.settings.get("-tags", "").split(",")),
        modules={p: _compiled(v, info.replaced.get(p)) for p, v in info.modules.items()},
        zip_size=zip_size,
        unzipped_size=unzipped,
        config_sha256=hashlib.sha256(config).hexdigest(),
    )


def components_of_tags(tags: Sequence[str]) -> tuple[str, ...] | None:
    """``kind/name`` per ``lambdacomponents.<kind>.<name>`` tag; None when the binary was
    built without ``custom`` (upstream's default set, which tags do not spell out)."""
    short = {t.removeprefix("lambdacomponents.") for t in tags if t}
    if "custom" not in short:
        return None
    found = (t.split(".", 1) for t in short if "." in t)
    return tuple(sorted(f"{kind}/{name}" for kind, name in found if kind in KINDS))


def _compiled(version: str, replace: str | None) -> str:
    return f"{version} => {replace}" if replace else version
