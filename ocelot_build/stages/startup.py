"""Cold-start options of a distribution: which config providers to link, which start-up cuts.

At Lambda's CPU share for 128 MB (about 7% of a core) every millisecond of CPU the
extension spends before its first ``event/next`` is about 14 ms of init, which Lambda
bills. docs/cold-start.md measures where upstream's start-up goes; these options cut the
parts a layer can do without, each by a small, checked edit of the upstream work tree:

- ``config-providers``: the confmap providers linked into the collector. Upstream links
  seven; ``s3`` and ``secretsmanager`` pull in AWS SDK clients whose package
  initialisation and size every layer pays, whether its config URI uses them or not.
- ``cold-start`` cuts, applied only while the collector starts:
  ``sleep-wait`` (upstream waits for the collector to be running in a busy loop, which
  spends the CPU share on waiting) and ``gc-off`` (no garbage collection until running).
  GOMAXPROCS 1 during start-up was measured too and gained nothing (docs/cold-start.md).

The edits are anchored on upstream's own text; when an anchor is missing at the commit
being built, the build stops before compiling with one line naming the option.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.core.files import PROJECT_ROOT

PROVIDERS = ("file", "env", "yaml", "http", "https", "s3", "secretsmanager")
CUTS = ("sleep-wait", "gc-off")
KEYS = ("config-providers", "cold-start")  # a distribution's keys for these options
COLLECTOR_GO = Path("internal/collector/collector.go")
STARTUP_PACKAGE = Path("internal/ocelotstartup")
GO_SOURCE = PROJECT_ROOT / "components" / "ocelotstartup" / "ocelotstartup.go"

_FACTORIES = re.compile(r"ProviderFactories:\s*\[\]confmap\.ProviderFactory\{(?P<items>[^}]*)\}")
_FACTORY = re.compile(r"(?P<name>\w+)provider\.NewFactory\(\)")
_START = re.compile(r"func \(\w+ \*Collector\) Start\([^)]*\) error \{\n")
_STARTING = re.compile(r"(case otelcol\.StateStarting:[ \t]*\n)([ \t]*)// NoOp[ \t]*\n")
_IMPORT = re.compile(r"^import \(\n", re.M)


class AnchorMissing(Exception):
    """Upstream's text at this commit lacks what an option edits."""


@dataclass(frozen=True)
class StartOptions:
    """A distribution's cold-start options; the defaults are upstream's own behaviour."""

    providers: tuple[str, ...] = PROVIDERS
    cuts: tuple[str, ...] = ()

    @property
    def is_upstream(self) -> bool:
        return not self.edits_providers and not self.cuts

    @property
    def edits_providers(self) -> bool:
        """Whether upstream's provider list is cut down. All seven (the default) means
        upstream's own list, whatever it is at the commit: a distribution that sets only
        ``cold-start`` must not need all seven to be there."""
        return set(self.providers) != set(PROVIDERS)

    def key(self) -> dict[str, Any] | None:
        """Cache-key input; None for upstream's behaviour, so those keys stay as they were."""
        if self.is_upstream:
            return None
        key: dict[str, Any] = {
            "config-providers": list(self.providers) if self.edits_providers else "upstream's",
            "cold-start": list(self.cuts),
        }
        if self.cuts:  # our Go package is compiled in: its text changes the bytes
            key["go"] = hashlib.sha256(startup_source(self.cuts).encode()).hexdigest()
        return key


def parse(entry: dict[str, Any], where: str) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """The options an entry sets (absent keys are inherited), and every problem found."""
    found: dict[str, tuple[str, ...]] = {}
    errors: list[str] = []
    for key, allowed in zip(KEYS, (PROVIDERS, CUTS), strict=True):
        if key not in entry:
            continue
        value = entry[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(f"{where}.{key} must be a list of names; allowed: {', '.join(allowed)}")
            continue
        unknown = [v for v in value if v not in allowed]
        if unknown:
            errors.append(
                f"{where}.{key}: unknown {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(allowed)}"
            )
            continue
        found[key] = tuple(v for v in allowed if v in value)
    if found.get("config-providers") == ():
        errors.append(
            f"{where}.config-providers must name at least one provider (file reads "
            "the bundled config)"
        )
    return found, errors


def inherit(entry: dict[str, Any], inherited: StartOptions) -> StartOptions:
    """An entry's options over its base's: a key the entry sets replaces the base's."""
    found = parse(entry, "")[0]
    return StartOptions(
        found.get("config-providers", inherited.providers),
        found.get("cold-start", inherited.cuts),
    )


def edit(text: str, options: StartOptions, module_path: str) -> str:
    """Upstream's ``collector.go`` as ``options`` want it (pure: planning checks with it)."""
    if options.edits_providers:
        text = _providers(text, options.providers)
    if options.cuts:
        text = _hook(text, options.cuts, f"{module_path}/{STARTUP_PACKAGE.as_posix()}")
    return text


def apply(collector_dir: Path, options: StartOptions, module_path: str) -> None:
    """Edit the work tree for ``options`` and add our Go package; nothing when they are
    upstream's."""
    if options.is_upstream:
        return
    path = collector_dir / COLLECTOR_GO
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise AnchorMissing(f"{COLLECTOR_GO} is missing") from None
    text = edit(text, options, module_path)
    if options.cuts:
        package = collector_dir / STARTUP_PACKAGE
        package.mkdir(parents=True, exist_ok=True)
        (package / GO_SOURCE.name).write_text(startup_source(options.cuts), encoding="utf-8")
    path.write_text(text, encoding="utf-8")


def module_path(go_mod: str) -> str:
    """The ``module`` line of a go.mod."""
    match = re.search(r"^module\s+(\S+)", go_mod, re.M)
    if match is None:
        raise AnchorMissing("go.mod has no module line")
    return match.group(1)


def startup_source(cuts: tuple[str, ...]) -> str:
    """Our Go package with its constant set from ``cuts``."""
    source = GO_SOURCE.read_text(encoding="utf-8")
    return source.replace("const holdGC = false", f"const holdGC = {str('gc-off' in cuts).lower()}")


def linked_providers(text: str | None, options: StartOptions) -> tuple[str, ...] | None:
    """The config URI schemes the layer links, for its manifest. Options that cut the list
    link exactly theirs (planning checked upstream has each); otherwise the layer links
    what upstream's ``collector.go`` lists at the commit, which is not always all of
    :data:`PROVIDERS`. None when that list cannot be read (no file, another shape)."""
    if options.edits_providers:
        return options.providers
    found = _factories(text) if text is not None else None
    if found is None:
        return None
    names = [n for n in found[2] if n is not None]
    return tuple(names) if len(names) == len(found[2]) else None


def _factories(text: str) -> tuple[re.Match[str], list[str], list[str | None]] | None:
    """Upstream's ProviderFactories list: the match, its entries, and each entry's provider
    name (None for an entry that is not ``<name>provider.NewFactory()``); None: no list."""
    match = _FACTORIES.search(text)
    if match is None:
        return None
    items = [i.strip() for i in match["items"].split(",") if i.strip()]
    return match, items, [m["name"] if (m := _FACTORY.fullmatch(i)) else None for i in items]


def _providers(text: str, keep: tuple[str, ...]) -> str:
    found = _factories(text)
    if found is None:
        raise AnchorMissing(f"no ProviderFactories list in {COLLECTOR_GO}")
    match, items, names = found
    if None in names:
        raise AnchorMissing(f"an entry of {COLLECTOR_GO}'s ProviderFactories is not X.NewFactory()")
    missing = [p for p in keep if p not in names]
    if missing:
        raise AnchorMissing(f"upstream links no {', '.join(missing)} provider")
    kept = ", ".join(i for i, n in zip(items, names, strict=True) if n in keep)
    text = text[: match.start("items")] + kept + text[match.end("items") :]
    for name in names:
        if name in keep:
            continue
        line = re.compile(rf'^[ \t]*"[^"\n]*/{name}provider"[ \t]*\n', re.M)
        text, count = line.subn("", text, count=1)
        if count != 1:
            raise AnchorMissing(f"no import of the {name} provider in {COLLECTOR_GO}")
    return text


def _hook(text: str, cuts: tuple[str, ...], import_path: str) -> str:
    text, count = _IMPORT.subn(f'import (\n\t"{import_path}"\n', text, count=1)
    if count != 1:
        raise AnchorMissing(f"no import block in {COLLECTOR_GO}")
    text, count = _START.subn(lambda m: m[0] + "\tdefer ocelotstartup.Done()\n", text, count=1)
    if count != 1:
        raise AnchorMissing(f"no Collector.Start in {COLLECTOR_GO}")
    if "sleep-wait" in cuts:
        text, count = _STARTING.subn(r"\1\2ocelotstartup.Pause()\n", text, count=1)
        if count != 1:
            raise AnchorMissing(f"no wait for StateStarting in {COLLECTOR_GO}")
    return text
