"""Go's own account of package initialisation (``GODEBUG=inittrace=1``), per module.

With that setting the Go runtime prints one line per package ``init`` to stderr before
``main`` runs::

    init github.com/prometheus/procfs @12 ms, 0.41 ms clock, 9112 bytes, 120 allocs

``@`` is the time since the process started, "clock" the wall time of that package's
init. At a full core the clock time is close to CPU time; under a CPU quota it includes
the waits the quota imposes, which is what a cold start at that share really pays. The
lines come from the layer, an untrusted process: anything that does not parse exactly, or
carries a number that is not finite and non-negative, is skipped.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

STD = "std"  # the module name given to the Go standard library and the runtime
_LINE = re.compile(
    r"init (?P<pkg>[^\s@]{1,300}) @(?P<at>[0-9.]+) ms, (?P<clock>[0-9.]+) ms clock, "
    r"(?P<bytes>\d{1,15}) bytes, (?P<allocs>\d{1,15}) allocs"
)


@dataclass(frozen=True)
class PackageInit:
    """One package's init, as the runtime timed it."""

    package: str
    at_ms: float
    clock_ms: float
    bytes: int
    allocs: int


def parse(lines: Iterable[str]) -> list[PackageInit]:
    """The init lines among ``lines``, in order; everything else is ignored."""
    out = []
    for line in lines:
        match = _LINE.fullmatch(line.strip())
        if match is None:
            continue
        at, clock = _ms(match["at"]), _ms(match["clock"])
        if at is None or clock is None:
            continue
        out.append(PackageInit(match["pkg"], at, clock, int(match["bytes"]), int(match["allocs"])))
    return out


def _ms(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def module_of(package: str, modules: Sequence[str]) -> str:
    """The module a package belongs to: the longest module path that is the package path
    or a prefix of it at a ``/``; a package of no listed module is the standard library's
    when its first element has no dot, else its own path."""
    best = ""
    for mod in modules:
        if (package == mod or package.startswith(mod + "/")) and len(mod) > len(best):
            best = mod
    if best:
        return best
    return STD if "." not in package.split("/", 1)[0] else package


def by_module(inits: Iterable[PackageInit], modules: Sequence[str]) -> dict[str, float]:
    """Init clock ms per module (packages summed)."""
    out: dict[str, float] = {}
    for init in inits:
        mod = module_of(init.package, modules)
        out[mod] = out.get(mod, 0.0) + init.clock_ms
    return out


def median_by_key(samples: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per key, the median over samples (a sample without the key counts as 0)."""
    keys = sorted({k for s in samples for k in s})
    return {k: statistics.median(s.get(k, 0.0) for s in samples) for k in keys}


def attributed(samples: Sequence[Mapping[str, float]], modules: Iterable[str]) -> float:
    """Median over boots of the init clock ms spent in ``modules`` (a component's own)."""
    wanted = set(modules)
    if not samples:
        return 0.0
    return statistics.median(sum(v for k, v in s.items() if k in wanted) for s in samples)


def top(samples: Sequence[Mapping[str, float]], n: int = 15) -> list[tuple[str, float]]:
    """The ``n`` heaviest keys by median over samples, heaviest first."""
    medians = median_by_key(samples)
    return sorted(medians.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
