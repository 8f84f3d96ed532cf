"""The layer manifest ``<layer>-<distribution>-<arch>.json``: one frozen type, one writer.

The engine, the verify CLI, ``diff``, the Pulumi program and the tests all read and write
it through :class:`LayerManifest`, so its shape is defined here and nowhere else;
docs/architecture.md shows :func:`example` (a test keeps the two equal).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.core.files import write_json
from ocelot_build.core.model import Architecture

# 2: config_providers and cold_start (schema 1 manifests read with both unknown, None)
MANIFEST_SCHEMA = 2


class ManifestError(ValueError):
    """The JSON is not a layer manifest; the message names the missing or wrong fields."""


@dataclass(frozen=True)
class Upstream:
    repo: str
    ref: str
    commit: str


@dataclass(frozen=True)
class LayerZip:
    file: str
    sha256: str
    size: int


@dataclass(frozen=True)
class LayerManifest:
    """What one layer is and how it was made. Only ``verify`` and ``build_seconds`` are not
    pure functions of the build inputs (no timestamps)."""

    layer_name: str
    distribution: str
    description: str
    architecture: Architecture
    upstream: Upstream
    collector_version: str
    go_version: str
    build_tags: tuple[str, ...]
    go_replaces: Mapping[str, str]
    # The distribution's cold-start options as built (both None: unknown, a schema-1 file):
    config_providers: tuple[str, ...] | None  # config URI schemes linked, sorted; None: unread
    cold_start: tuple[str, ...] | None  # start-up cuts applied, sorted; () upstream's start
    components: Mapping[str, tuple[str, ...]]  # kind → tag names, sorted
    component_ids: Mapping[str, tuple[str, ...]]  # kind → YAML ids
    modules: tuple[Mapping[str, str], ...]  # {"path", "version"[, "replace"]}
    config_sha256: str
    zip: LayerZip
    unzipped_size: int
    cache_key: str
    go_env: Mapping[str, str] | None = None
    build_seconds: float | None = None
    verify: Mapping[str, Any] | None = None  # the boot check's report, when one ran
    failed: str | None = None  # why its checks failed; the zip is then <stem>.failed.zip
    schema: int = MANIFEST_SCHEMA

    @property
    def lambda_architecture(self) -> str:
        return self.architecture.lambda_name

    def component_names(self) -> tuple[str, ...]:
        """Every linked component as ``kind/name``, sorted."""
        return tuple(sorted(f"{k}/{n}" for k, names in self.components.items() for n in names))

    def with_verify(self, verify: Mapping[str, Any]) -> LayerManifest:
        return dataclasses.replace(self, verify=dict(verify))

    def to_json(self) -> dict[str, Any]:
        """The JSON object, keys in the documented order."""
        return {
            "schema": self.schema,
            "layer_name": self.layer_name,
            "distribution": self.distribution,
            "description": self.description,
            "architecture": self.architecture.value,
            "lambda_architecture": self.lambda_architecture,
            "upstream": dataclasses.asdict(self.upstream),
            "collector_version": self.collector_version,
            "go_version": self.go_version,
            "build_tags": list(self.build_tags),
            "go_replaces": dict(self.go_replaces),
            "config_providers": _names(self.config_providers),
            "cold_start": _names(self.cold_start),
            "components": {k: list(v) for k, v in self.components.items()},
            "component_ids": {k: list(v) for k, v in self.component_ids.items()},
            "modules": [dict(m) for m in self.modules],
            "config_sha256": self.config_sha256,
            "go_env": None if self.go_env is None else dict(self.go_env),
            "zip": dataclasses.asdict(self.zip),
            "unzipped_size": self.unzipped_size,
            "cache_key": self.cache_key,
            "build_seconds": self.build_seconds,
            "verify": None if self.verify is None else dict(self.verify),
        } | ({} if self.failed is None else {"failed": self.failed})

    @classmethod
    def from_json(cls, data: object) -> LayerManifest:
        """Parse a manifest object; :class:`ManifestError` names every missing field."""
        if not isinstance(data, dict):
            raise ManifestError(f"missing {', '.join(REQUIRED)}")
        missing = [k for k in REQUIRED if k not in data]
        if missing:
            raise ManifestError(f"missing {', '.join(missing)}")
        try:
            return cls(
                layer_name=str(data["layer_name"]),
                distribution=str(data["distribution"]),
                description=str(data.get("description", "")),
                architecture=Architecture(data["architecture"]),
                upstream=Upstream(**data["upstream"]),
                collector_version=str(data["collector_version"]),
                go_version=str(data.get("go_version", "")),
                build_tags=tuple(data.get("build_tags", ())),
                go_replaces=dict(data.get("go_replaces") or {}),
                config_providers=_read_names(data, "config_providers"),
                cold_start=_read_names(data, "cold_start"),
                components={k: tuple(v) for k, v in data["components"].items()},
                component_ids={k: tuple(v) for k, v in (data.get("component_ids") or {}).items()},
                modules=tuple(dict(m) for m in data["modules"]),
                config_sha256=str(data.get("config_sha256", "")),
                zip=LayerZip(**data["zip"]),
                unzipped_size=int(data["unzipped_size"]),
                cache_key=str(data.get("cache_key", "")),
                go_env=data.get("go_env"),
                build_seconds=data.get("build_seconds"),
                verify=data.get("verify"),
                failed=data.get("failed"),
                schema=int(data.get("schema", MANIFEST_SCHEMA)),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise ManifestError(f"malformed ({exc})") from None

    @classmethod
    def read(cls, path: Path) -> LayerManifest:
        """Read a manifest file; :class:`ManifestError` when it is not JSON or not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(f"not valid JSON ({exc})") from None
        return cls.from_json(data)

    def write(self, path: Path) -> None:
        """The one writer: atomic, the same serializer for the engine and the verify CLI."""
        write_json(path, self.to_json())


def _names(names: tuple[str, ...] | None) -> list[str] | None:
    return None if names is None else list(names)


def _read_names(data: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    """A list of names read back; absent (a schema-1 file) or null is None, unknown rather
    than a guess; anything but a list of strings is malformed."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{key} is not a list of names")
    return tuple(value)


REQUIRED = (
    "collector_version",
    "upstream",
    "components",
    "modules",
    "zip",
    "unzipped_size",
    "layer_name",
    "distribution",
    "architecture",
)


def example() -> LayerManifest:
    """The manifest docs/architecture.md shows (a test checks the doc against it)."""
    return LayerManifest(
        layer_name="ocel",
        distribution="minimal",
        description="OTLP in, OTLP/HTTP out",
        architecture=Architecture.AMD64,
        upstream=Upstream("open-telemetry/opentelemetry-lambda", "main", "<40 hex>"),
        collector_version="v0.158.0",
        go_version="go1.26.6",
        build_tags=("lambdacomponents.custom", "lambdacomponents.receiver.otlp"),
        go_replaces={},
        config_providers=("env", "file", "http", "https", "yaml"),
        cold_start=("gc-off", "sleep-wait"),
        components={
            "connector": (),
            "exporter": ("otlphttp",),
            "extension": (),
            "processor": ("batch", "decouple"),
            "receiver": ("otlp",),
        },
        component_ids={"exporter": ("otlphttp",), "processor": ("batch", "decouple")},
        modules=(
            {"path": "go.opentelemetry.io/collector/receiver/otlpreceiver", "version": "v0.158.0"},
        ),
        config_sha256="<hex of collector-config/config.yaml>",
        go_env={"CGO_ENABLED": "0", "GOARCH": "amd64", "GOOS": "linux"},
        zip=LayerZip("ocel-minimal-amd64.zip", "<hex>", 12345678),
        unzipped_size=34567890,
        cache_key="<hex>",
        build_seconds=95.2,
        verify=_EXAMPLE_VERIFY,
    )


# What ``--verify`` records (``VerifyReport.to_dict()`` plus the bundled-config check), at
# the distribution's memory size; figures of the real minimal layer at 128 MB.
_EXAMPLE_VERIFY: dict[str, Any] = {
    "status": "passed",
    "reason": "",
    "architecture": "amd64",
    "emulated": False,
    "config": "generated",
    "memory_mb": 128,
    "cpu_share": 0.0724,
    "limits": "cgroup-v1",
    "not_enforced": [],
    "init_ms": 812.4,
    "init_cpu_ms": 57.6,
    "cpu_ms": 84.3,
    "peak_memory_kb": 50028,
    "startup_duration_ms": 61.3,
    "shutdown_ms": 3.1,
    "peak_rss_kb": 34012,
    "zip_size": 12345678,
    "unzipped_size": 34567890,
    "signals": ["traces", "metrics", "logs"],
    "error_type": None,
    "collector_error": None,
    "exit_code": 0,
    "budget_violations": [],
    "notes": [],
    "sandbox": "bwrap",
    "bundled_config": {
        "status": "passed",
        "reason": "",
        "init_ms": 790.2,
        "init_cpu_ms": 55.0,
        "startup_duration_ms": 58.0,
    },
}
