"""The stack's ``ocelot:`` configuration, parsed once into a frozen ``StackConfig``.

Pulumi's usual style scatters ``config.get()`` calls through a program; here every key is read
in one place, every problem is collected (not just the first), each message names its key,
and unknown ``ocelot:`` keys are errors with a "did you mean", so a typo such as
``ocelot:architecture`` cannot silently fall back to a default.

``parse_stack_config`` is pure (a dict of raw values in, a ``StackConfig`` out) so tests need
no Pulumi runtime; ``load_stack_config`` feeds it the running program's config.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocelot_build import api
from ocelot_build.config import load_distributions
from ocelot_build.errors import ConfigError, UsageError
from ocelot_build.model import Architecture
from ocelot_build.runtimes import allowed_runtimes

NAMESPACE = "ocelot"
_REGION_RE = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d+")
_ORG_RE = re.compile(r"o-[a-z0-9]{10,32}")
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_LAYER_BASE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_RUNTIMES = 15  # Lambda's CompatibleRuntimes limit

KEYS = (
    "distributions", "architectures", "layerName", "upstreamRepo", "upstreamRef", "runtimes",
    "public", "organizationId", "regions", "configFile", "componentsFile", "verify", "s3Buckets",
)  # fmt: skip


@dataclass(frozen=True)
class StackConfig:
    """Everything the program needs from the stack, validated and with defaults applied."""

    distributions: tuple[str, ...]
    regions: tuple[str, ...]
    architectures: tuple[Architecture, ...] = (Architecture.AMD64, Architecture.ARM64)
    layer_name: str = api.DEFAULT_LAYER_NAME
    upstream_repo: str = api.DEFAULT_UPSTREAM_REPO
    upstream_ref: str = api.DEFAULT_UPSTREAM_REF
    runtimes: tuple[str, ...] = ()
    public: bool = False
    organization_id: str | None = None
    config_file: Path | None = None  # None: the project's config/distributions.yaml
    components_file: Path | None = None  # None: the project's config/components.yaml
    verify: bool = True
    s3_buckets: tuple[tuple[str, str], ...] = field(default=())  # (region, bucket), sorted

    @property
    def shared(self) -> bool:
        """Whether each version gets a LayerVersionPermission."""
        return self.public or self.organization_id is not None

    def s3_bucket(self, region: str) -> str | None:
        """The configured bucket for big layers in ``region``, if any."""
        return dict(self.s3_buckets).get(region)


class StackConfigError(ConfigError):
    """All the problems of one stack config; each line names its ``ocelot:`` key."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = tuple(errors)


def raw_config() -> dict[str, Any]:
    """Every config key the running Pulumi program received, as ``namespace:key`` → value.

    Pulumi passes config through the PULUMI_CONFIG environment variable (and tests through
    ``set_all_config``); ``pulumi.Config`` can only look keys up, not list them, which the
    unknown-key check needs.
    """
    from pulumi.runtime import config as runtime_config

    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return {_normalise_key(key): value for key, value in merged.items()}


def _normalise_key(key: str) -> str:
    """Old engines spell keys ``ns:config:key``; reduce them to ``ns:key``."""
    parts = key.split(":")
    if len(parts) == 3 and parts[1] == "config":
        return f"{parts[0]}:{parts[2]}"
    return key


def load_stack_config(root: Path) -> StackConfig:
    """Parse the running program's config; relative paths resolve against ``root``."""
    return parse_stack_config(raw_config(), root=root)


def parse_stack_config(raw: Mapping[str, Any], *, root: Path) -> StackConfig:
    """Validate ``raw`` (``namespace:key`` → string or decoded value) into a StackConfig.

    Raises StackConfigError listing every problem found.
    """
    reader = _Reader(raw)
    for key in sorted(k.split(":", 1)[1] for k in raw if k.startswith(f"{NAMESPACE}:")):
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            suffix = f"; did you mean ocelot:{hint[0]}?" if hint else ""
            reader.error(key, f"unknown key{suffix} (known: {', '.join(KEYS)})")
    regions = _regions(reader, raw.get("aws:region"))
    values = {
        "distributions": _distributions(reader),
        "regions": regions,
        "architectures": _architectures(reader),
        "layer_name": reader.pattern("layerName", _LAYER_BASE_RE, api.DEFAULT_LAYER_NAME),
        "upstream_repo": reader.text("upstreamRepo", api.DEFAULT_UPSTREAM_REPO),
        "upstream_ref": reader.text("upstreamRef", api.DEFAULT_UPSTREAM_REF),
        "runtimes": _runtimes(reader),
        "public": reader.flag("public", False),
        "organization_id": reader.pattern("organizationId", _ORG_RE, None),
        "config_file": _file(reader, "configFile", root),
        "components_file": _file(reader, "componentsFile", root),
        "verify": reader.flag("verify", True),
        "s3_buckets": _s3_buckets(reader, regions),
    }
    values["distributions"] = _check_distributions(reader, values)
    if values["public"] and values["organization_id"]:
        reader.error("organizationId", "cannot be combined with ocelot:public=true; choose one")
    if reader.errors:
        raise StackConfigError(reader.errors)
    return StackConfig(**values)


class _Reader:
    """Reads one ``ocelot:`` key at a time, decoding JSON and collecting errors."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.errors: list[str] = []

    def error(self, key: str, problem: str) -> None:
        self.errors.append(f"{NAMESPACE}:{key}: {problem}")

    def get(self, key: str) -> Any:
        return self.raw.get(f"{NAMESPACE}:{key}")

    def text(self, key: str, default: str) -> str:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"must be a non-empty string, got {value!r}")
            return default
        return value.strip()

    def pattern(self, key: str, regex: re.Pattern[str], default: Any) -> Any:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not regex.fullmatch(value.strip()):
            self.error(key, f"{value!r} does not match {regex.pattern}")
            return default
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.error(key, f"must be true or false, got {value!r}")
        return default

    def strings(self, key: str) -> list[str] | None:
        """A list of strings: a YAML list (JSON on the wire), or ``a,b`` from the CLI."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = _decode(value)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.error(key, f"must be a list of non-empty strings, got {value!r}")
            return None
        seen = [v.strip() for v in value]
        for dup in sorted({v for v in seen if seen.count(v) > 1}):
            self.error(key, f"lists {dup!r} more than once")
        return seen

    def mapping(self, key: str) -> dict[str, str] | None:
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = _decode(value)
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.error(key, f"must be a map of region to bucket name, got {value!r}")
            return None
        return value


def _decode(text: str) -> Any:
    """JSON if it is JSON (Pulumi's wire form of YAML lists), else a comma-separated list."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return text
    return [part.strip() for part in stripped.split(",") if part.strip()]


def _distributions(reader: _Reader) -> tuple[str, ...]:
    names = reader.strings("distributions")
    if names is None and reader.get("distributions") is None:
        reader.error("distributions", "is required: a list of distribution names")
    elif names == []:
        reader.error("distributions", "must name at least one distribution")
    return tuple(names or ())


def _check_distributions(reader: _Reader, values: dict[str, Any]) -> tuple[str, ...]:
    """Names must exist in the distributions file; ``all`` means every one, in file order."""
    names = values["distributions"]
    if not names or any(e.startswith(f"{NAMESPACE}:configFile") for e in reader.errors):
        return names
    try:
        known = load_distributions(values["config_file"]).distributions
    except UsageError as exc:
        reader.error("configFile", str(exc))
        return names
    if names == ("all",):
        return tuple(known)
    for name in names:
        if name not in known:
            hint = difflib.get_close_matches(name, list(known), n=1)
            suffix = f"; did you mean {hint[0]}?" if hint else ""
            reader.error(
                "distributions",
                f"unknown distribution {name!r}{suffix} (allowed: {', '.join(known)}, all)",
            )
    return names


def _architectures(reader: _Reader) -> tuple[Architecture, ...]:
    names = reader.strings("architectures")
    if names is None:
        return (Architecture.AMD64, Architecture.ARM64)
    if not names:
        reader.error(
            "architectures", f"must name at least one of {', '.join(Architecture.names())}"
        )
    parsed: list[Architecture] = []
    for name in names:
        try:
            arch = Architecture.parse(name)
        except UsageError as exc:
            reader.error("architectures", str(exc))
            continue
        if arch in parsed:
            reader.error("architectures", f"lists {arch.value} more than once")
        parsed.append(arch)
    return tuple(parsed)


def _regions(reader: _Reader, provider_region: Any) -> tuple[str, ...]:
    names = reader.strings("regions")
    if names is None and reader.get("regions") is None:
        if isinstance(provider_region, str) and provider_region:
            names = [provider_region]
        else:
            reader.error("regions", "not set, and the stack has no aws:region to default to")
            return ()
    for name in names or []:
        if not _REGION_RE.fullmatch(name):
            reader.error("regions", f"{name!r} is not an AWS region name such as eu-west-1")
    if names == []:
        reader.error("regions", "must name at least one region")
    return tuple(names or ())


def _runtimes(reader: _Reader) -> tuple[str, ...]:
    names = reader.strings("runtimes") or []
    if len(names) > MAX_RUNTIMES:
        reader.error(
            "runtimes", f"lists {len(names)} runtimes; Lambda allows at most {MAX_RUNTIMES}"
        )
    allowed = allowed_runtimes()  # Lambda's names, read from botocore's service model
    for name in names:
        if name not in allowed:
            hint = difflib.get_close_matches(name, sorted(allowed), n=1)
            suffix = f"; did you mean {hint[0]}?" if hint else ""
            reader.error("runtimes", f"unknown Lambda runtime {name!r}{suffix}")
    return tuple(sorted(names))


def _file(reader: _Reader, key: str, root: Path) -> Path | None:
    """An optional file path; relative paths start at the project root (Pulumi.yaml's dir)."""
    if reader.get(key) is None:
        return None
    text = reader.text(key, "")
    path = Path(text) if Path(text).is_absolute() else root / text
    if text and not path.is_file():
        reader.error(key, f"{text!r} is not a file (relative paths start at {root})")
    return path


def _s3_buckets(reader: _Reader, regions: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    buckets = reader.mapping("s3Buckets") or {}
    for region, bucket in sorted(buckets.items()):
        if region not in regions:
            reader.error(
                "s3Buckets", f"region {region!r} is not one of the stack's regions {list(regions)}"
            )
        if not _BUCKET_RE.fullmatch(bucket):
            reader.error("s3Buckets", f"{bucket!r} (for {region}) is not a valid S3 bucket name")
    return tuple(sorted(buckets.items()))
