"""The stack's ``ocelot:`` configuration, parsed once into a frozen ``StackConfig``.

Pulumi's usual style scatters ``config.get()`` calls through a program; here every key is read
in one place, every problem is collected (not just the first), each message names its key,
and unknown ``ocelot:`` keys are errors with a "did you mean", so a typo such as
``ocelot:architecture`` cannot silently fall back to a default.

``parse_stack_config`` is pure (a dict of raw values in, a ``StackConfig`` out) so tests need
no Pulumi runtime; ``load_stack_config`` feeds it the running program's config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocelot_build import api
from ocelot_build.core.errors import ConfigError, UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.core.runtimes import (
    layer_name_problem,
)
from ocelot_build.core.yamlio import did_you_mean
from ocelot_build.publish import naming
from ocelot_build.publish.config_reader import Reader
from ocelot_build.publish.sharing import ORG_RE, Sharing
from ocelot_build.publish.stack_values import (
    accounts,
    allowed_accounts,
    file_value,
    regions,
    runtimes,
    s3_buckets,
)
from ocelot_build.stages.config import ALL_ALONE, load_distributions
from ocelot_build.store.cache import yaml_memo

NAMESPACE = "ocelot"

KEYS = (
    "distributions", "architectures", "layerName", "upstreamRepo", "upstreamRef", "runtimes",
    "public", "organizationId", "accounts", "regions", "configFile", "componentsFile", "verify",
    "verifySandbox", "verifyLimits", "s3Buckets",
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
    accounts: tuple[str, ...] = ()  # 12-digit account ids to share with, sorted
    aws_profile: str | None = None  # aws:profile, passed on to the sharing step
    allowed_accounts: tuple[str, ...] = ()  # aws:allowedAccountIds: where it may publish
    config_file: Path | None = None  # None: the project's config/distributions.yaml
    components_file: Path | None = None  # None: the project's config/components.yaml
    verify: bool = True
    verify_sandbox: bool = True  # ocelot:verifySandbox false = the CLI's --no-sandbox
    verify_limits: bool = True  # ocelot:verifyLimits false = the CLI's --no-limits
    s3_buckets: tuple[tuple[str, str], ...] = field(default=())  # (region, bucket), sorted
    # the (distribution, architecture) layers; () means distributions x architectures
    layer_set: tuple[tuple[str, Architecture], ...] = field(default=())

    @property
    def layers(self) -> tuple[tuple[str, Architecture], ...]:
        """Every (distribution, architecture) the stack declares in each of its regions."""
        if self.layer_set:
            return self.layer_set
        return tuple((d, a) for d in self.distributions for a in self.architectures)

    @property
    def families(self) -> tuple[str, ...]:
        """The layer names the stack owns in each region, without their collector version."""
        return tuple(naming.family(self.layer_name, d, a) for d, a in self.layers)

    @property
    def sharing(self) -> Sharing:
        """The one sharing mode every version of the stack is reconciled to."""
        if self.public:
            return Sharing.public()
        if self.organization_id:
            return Sharing.organization(self.organization_id)
        if self.accounts:
            return Sharing.with_accounts(self.accounts)
        return Sharing()

    @property
    def shared(self) -> bool:
        """Whether any account other than the stack's own may use its layers."""
        return self.sharing.mode != "private"

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
    reader = Reader(raw, NAMESPACE)
    for key in sorted(k.split(":", 1)[1] for k in raw if k.startswith(f"{NAMESPACE}:")):
        if key not in KEYS:
            hint = did_you_mean(f"ocelot:{key}", [f"ocelot:{k}" for k in KEYS], n=1)
            reader.error(key, f"unknown key{hint} (known: {', '.join(KEYS)})")
    stack_regions = regions(reader, raw.get("aws:region"))
    values = {
        "distributions": _distributions(reader),
        "regions": stack_regions,
        "architectures": _architectures(reader),
        "layer_name": reader.text("layerName", api.DEFAULT_LAYER_NAME),
        "upstream_repo": reader.text("upstreamRepo", api.DEFAULT_UPSTREAM_REPO),
        "upstream_ref": reader.text("upstreamRef", api.DEFAULT_UPSTREAM_REF),
        "runtimes": runtimes(reader),
        "public": reader.flag("public", False),
        "organization_id": reader.pattern("organizationId", ORG_RE, None),
        "accounts": accounts(reader),
        "aws_profile": raw.get("aws:profile") if isinstance(raw.get("aws:profile"), str) else None,
        "config_file": file_value(reader, "configFile", root),
        "components_file": file_value(reader, "componentsFile", root),
        "verify": reader.flag("verify", True),
        "verify_sandbox": reader.flag("verifySandbox", True),
        "verify_limits": reader.flag("verifyLimits", True),
        "s3_buckets": s3_buckets(reader, stack_regions),
        "allowed_accounts": allowed_accounts(raw.get("aws:allowedAccountIds"), reader),
    }
    if values["public"] and raw.get("aws:allowedAccountIds") is None:
        reader.errors.append(
            "aws:allowedAccountIds: required for a public stack: list the account ids it may "
            "publish into (the provider and ocelot refuse credentials for any other account)"
        )
    values["distributions"] = _check_distributions(reader, values)
    values["layer_set"] = layer_set(reader, values["distributions"], values["architectures"])
    values["distributions"] = tuple(dict.fromkeys(d for d, _ in values["layer_set"]))
    _check_layer_name(reader, values)
    modes = [k for k in ("public", "organization_id", "accounts") if values[k]]
    if len(modes) > 1:
        names = {"public": "public", "organization_id": "organizationId", "accounts": "accounts"}
        reader.error(
            names[modes[-1]],
            f"cannot be combined with {', '.join('ocelot:' + names[m] for m in modes[:-1])};"
            " a stack has one sharing mode (public, organizationId or accounts)",
        )
    if reader.errors:
        raise StackConfigError(reader.errors)
    return StackConfig(**values)


def _distributions(reader: Reader) -> tuple[str, ...]:
    names = reader.strings("distributions")
    if names is None and reader.get("distributions") is None:
        reader.error("distributions", "is required: a list of distribution names")
    elif names == []:
        reader.error("distributions", "must name at least one distribution")
    return tuple(names or ())


def _check_distributions(reader: Reader, values: dict[str, Any]) -> tuple[str, ...]:
    """Names must exist in the distributions file; ``all`` means every one, in file order."""
    names = values["distributions"]
    if not names or any(e.startswith(f"{NAMESPACE}:configFile") for e in reader.errors):
        return names
    try:
        # through the cache's yaml/ like the build's own read: a large file is parsed once
        known = load_distributions(values["config_file"], memo=yaml_memo()).distributions
    except UsageError as exc:
        reader.error("configFile", str(exc))
        return names
    if "all" in names:
        if names == ("all",):
            return tuple(known)
        reader.error("distributions", ALL_ALONE)
    for name in (split_entry(n)[0] for n in names if n != "all"):
        if name not in known:
            reader.error(
                "distributions",
                f"unknown distribution {name!r}{did_you_mean(name, known, n=1)} "
                f"(allowed: {', '.join(known)}, all)",
            )
    return names


def split_entry(entry: str) -> tuple[str, str | None]:
    """``tracing/arm64`` → (``tracing``, ``arm64``); a plain name → (name, None)."""
    name, _, arch = entry.partition("/")
    return name, (arch or None) if "/" in entry else None


def layer_set(
    reader: Reader, entries: tuple[str, ...], architectures: tuple[Architecture, ...]
) -> tuple[tuple[str, Architecture], ...]:
    """The layers the entries declare: ``name`` in every stack architecture, ``name/arch`` in
    that one only (how a layer is added without its siblings in other architectures)."""
    layers: list[tuple[str, Architecture]] = []
    for entry in entries:
        name, arch_text = split_entry(entry)
        try:
            arches = architectures if arch_text is None else (Architecture.parse(arch_text),)
        except UsageError as exc:
            reader.error("distributions", f"{entry!r}: {exc}")
            continue
        for arch in arches:
            if (name, arch) in layers:
                reader.error(
                    "distributions", f"{entry!r} declares {name}/{arch.value} a second time"
                )
            else:
                layers.append((name, arch))
    return tuple(layers)


def _check_layer_name(reader: Reader, values: dict[str, Any]) -> None:
    """The CLI's rule: AWS's pattern and length, with the longest ``-<dist>-<arch>`` and room
    for the collector version (known only once upstream is fetched), so a name that cannot
    be published fails here, before any build, not after every layer is built."""
    suffix = max((f"-{d}-{a.value}" for d, a in values["layer_set"]), key=len, default="")
    suffix += naming.VERSION_RESERVE
    problem = layer_name_problem(values["layer_name"], suffix)
    if problem:
        reader.error("layerName", problem)


def _architectures(reader: Reader) -> tuple[Architecture, ...]:
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
