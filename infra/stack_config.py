"""The stack's ``ocelot:`` configuration, parsed once into a frozen ``StackConfig``.

Pulumi's usual style scatters ``config.get()`` calls through a program; here every key is read
in one place, every problem is collected (not just the first), each message names its key,
and unknown ``ocelot:`` keys are errors with a "did you mean", so a typo such as
``ocelot:architecture`` cannot silently fall back to a default.

``parse_stack_config`` is pure (a dict of raw values in, a ``StackConfig`` out) so tests need
no Pulumi runtime; ``load_stack_config`` feeds it the running program's config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import naming
from infra.config_reader import Reader
from ocelot_build import api
from ocelot_build.config import ALL_ALONE, load_distributions
from ocelot_build.errors import ConfigError, UsageError
from ocelot_build.model import Architecture
from ocelot_build.runtimes import (
    layer_name_problem,
    region_problem,
    runtime_problems,
)
from ocelot_build.sharing import ACCOUNT_RE, ORG_RE, Sharing
from ocelot_build.yamlio import did_you_mean

NAMESPACE = "ocelot"
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

KEYS = (
    "distributions", "architectures", "layerName", "upstreamRepo", "upstreamRef", "runtimes",
    "public", "organizationId", "accounts", "regions", "configFile", "componentsFile", "verify",
    "verifySandbox", "s3Buckets",
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
    regions = _regions(reader, raw.get("aws:region"))
    values = {
        "distributions": _distributions(reader),
        "regions": regions,
        "architectures": _architectures(reader),
        "layer_name": reader.text("layerName", api.DEFAULT_LAYER_NAME),
        "upstream_repo": reader.text("upstreamRepo", api.DEFAULT_UPSTREAM_REPO),
        "upstream_ref": reader.text("upstreamRef", api.DEFAULT_UPSTREAM_REF),
        "runtimes": _runtimes(reader),
        "public": reader.flag("public", False),
        "organization_id": reader.pattern("organizationId", ORG_RE, None),
        "accounts": _accounts(reader),
        "aws_profile": raw.get("aws:profile") if isinstance(raw.get("aws:profile"), str) else None,
        "config_file": _file(reader, "configFile", root),
        "components_file": _file(reader, "componentsFile", root),
        "verify": reader.flag("verify", True),
        "verify_sandbox": reader.flag("verifySandbox", True),
        "s3_buckets": _s3_buckets(reader, regions),
        "allowed_accounts": _allowed_accounts(raw.get("aws:allowedAccountIds"), reader),
    }
    if values["public"] and raw.get("aws:allowedAccountIds") is None:
        reader.errors.append(
            "aws:allowedAccountIds: required for a public stack: list the account ids it may "
            "publish into (the provider and ocelot refuse credentials for any other account)"
        )
    values["distributions"] = _check_distributions(reader, values)
    values["layer_set"] = _layer_set(reader, values["distributions"], values["architectures"])
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
        known = load_distributions(values["config_file"]).distributions
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


def _layer_set(
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


def _regions(reader: Reader, provider_region: Any) -> tuple[str, ...]:
    names = reader.strings("regions")
    if names is None and reader.get("regions") is None:
        if isinstance(provider_region, str) and provider_region:
            problem = region_problem(provider_region)
            if problem:
                reader.errors.append(f"aws:region: {problem}")
                return ()
            return (provider_region,)
        reader.error("regions", "not set, and the stack has no aws:region to default to")
        return ()
    for name in names or []:
        problem = region_problem(name)
        if problem:
            reader.error("regions", problem)
    if names == []:
        reader.error("regions", "must name at least one region")
    return tuple(names or ())


def _allowed_accounts(value: Any, reader: Reader) -> tuple[str, ...]:
    """``aws:allowedAccountIds`` (the AWS provider's own key): the accounts this stack may
    change. The provider enforces it for its resources; ocelot checks it before any build."""
    if value is None:
        return ()
    names = Reader({"aws:allowedAccountIds": value}, "aws").strings("allowedAccountIds")
    bad = [n for n in names or [] if not ACCOUNT_RE.fullmatch(n)]
    if names is None or bad or not names:
        shown = bad[0] if bad else value
        reader.errors.append(
            f"aws:allowedAccountIds: {shown!r} is not a list of 12-digit AWS account ids"
        )
        return ()
    return tuple(sorted(set(names)))


def _accounts(reader: Reader) -> tuple[str, ...]:
    """Account ids to share with; each exactly 12 digits (no ARNs, no aliases)."""
    names = reader.strings("accounts") or []
    for name in names:
        if not ACCOUNT_RE.fullmatch(name):
            reader.error("accounts", f"{name!r} is not a 12-digit AWS account id")
    return tuple(sorted(set(names)))


def _runtimes(reader: Reader) -> tuple[str, ...]:
    names = reader.strings("runtimes") or []
    for problem in runtime_problems(names):  # Lambda's names, from botocore's service model
        reader.error("runtimes", problem)
    return tuple(sorted(names))


def _file(reader: Reader, key: str, root: Path) -> Path | None:
    """An optional file path; relative paths start at the project root (Pulumi.yaml's dir)."""
    if reader.get(key) is None:
        return None
    text = reader.text(key, "")
    path = Path(text) if Path(text).is_absolute() else root / text
    if text and not path.is_file():
        reader.error(key, f"{text!r} is not a file (relative paths start at {root})")
    return path


def _s3_buckets(reader: Reader, regions: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    buckets = reader.mapping("s3Buckets") or {}
    for region, bucket in sorted(buckets.items()):
        if region not in regions:
            reader.error(
                "s3Buckets", f"region {region!r} is not one of the stack's regions {list(regions)}"
            )
        if not _BUCKET_RE.fullmatch(bucket):
            reader.error("s3Buckets", f"{bucket!r} (for {region}) is not a valid S3 bucket name")
    return tuple(sorted(buckets.items()))


def add_layers(
    raw: Mapping[str, Any], built: Sequence[tuple[str, Architecture]], *, stack: str
) -> tuple[dict[str, list[str]], list[str]]:
    """The one rule for adding built layers to a stack: exactly those layers, no siblings.

    Returns the ``ocelot:`` list keys to write and one line per change. A layer the stack
    already declares changes nothing. A new distribution built in every architecture of the
    stack is added by name; any other new layer as ``name/arch``, so building ``tracing``
    for arm64 never declares (and publishes) ``tracing`` for amd64 too, and an architecture
    is never added for the stack's other distributions. ``ocelot:architectures`` changes
    only on a stack with no distributions yet, which takes exactly the built ones.
    """
    reader = Reader(raw, NAMESPACE)
    entries = reader.strings("distributions") or []
    arch_names = reader.strings("architectures")
    if reader.errors:
        raise StackConfigError(reader.errors)
    updates: dict[str, list[str]] = {}
    if not entries and arch_names is None:
        arch_names = [a.value for a in Architecture if any(a == b for _, b in built)]
        updates[f"{NAMESPACE}:architectures"] = arch_names
    stack_arches = _parsed(arch_names)
    covered = set(_layer_set(Reader({}, NAMESPACE), tuple(entries), stack_arches))
    if entries == ["all"]:
        covered = {(d, a) for d, _ in built for a in stack_arches}
    added = _new_entries(built, covered, stack_arches, set(map(_entry_name, entries)))
    if added and entries == ["all"]:
        raise UsageError(
            f"stack {stack!r} declares ocelot:distributions [all] in "
            f"{', '.join(a.value for a in stack_arches)}; {', '.join(added)} cannot be added "
            "beside 'all': add the architecture to ocelot:architectures on the stack"
        )
    changes = [f"{key} = {', '.join(value)}" for key, value in updates.items()]
    if added:
        updates[f"{NAMESPACE}:distributions"] = [*entries, *added]
        changes.append(f"{NAMESPACE}:distributions += {', '.join(added)}")
    return updates, changes


def _new_entries(
    built: Sequence[tuple[str, Architecture]],
    covered: set[tuple[str, Architecture]],
    stack_arches: tuple[Architecture, ...],
    listed: set[str],
) -> list[str]:
    added: list[str] = []
    for dist in dict.fromkeys(d for d, _ in built):
        missing = [a for a in Architecture if (dist, a) in built and (dist, a) not in covered]
        if dist not in listed and stack_arches and set(stack_arches) <= set(missing):
            added.append(dist)
            missing = [a for a in missing if a not in stack_arches]
        added += [f"{dist}/{a.value}" for a in missing]
    return added


def _entry_name(entry: str) -> str:
    return split_entry(entry)[0]


def _parsed(names: list[str] | None) -> tuple[Architecture, ...]:
    if names is None:
        return (Architecture.AMD64, Architecture.ARM64)
    return tuple(Architecture.parse(n) for n in names)
