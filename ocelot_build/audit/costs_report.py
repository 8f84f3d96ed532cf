"""The shape of a costs run and how it is written: markdown, JSON and a chart.

Kept apart from the measuring (``ocelot_build.audit.costs``) so the page and the chart can be
remade and tested from figures alone, without building or booting anything.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocelot_build.audit.paired import Paired
from ocelot_build.core.budgets import MIB

BASE = "minimal"  # the layer every component is added to


@dataclass(frozen=True)
class Boots:
    """The passed boots of one layer at one memory size: init wall and CPU ms, peak memory
    (KiB) and each boot's package inits (package -> init clock ms, from Go's inittrace);
    ``failed`` is the first failure's reason (a failed boot has no meaningful figures)."""

    init_ms: tuple[float, ...] = ()
    rss_kb: tuple[int, ...] = ()
    failed: str = ""
    cpu_ms: tuple[float, ...] = ()
    inits: tuple[Mapping[str, float], ...] = ()

    @property
    def init_median(self) -> float | None:
        return _median(self.init_ms)

    @property
    def init_spread(self) -> float | None:
        """max - min over the boots: how far one boot can be from another."""
        return _spread(self.init_ms)

    @property
    def cpu_median(self) -> float | None:
        return _median(self.cpu_ms)

    @property
    def cpu_spread(self) -> float | None:
        return _spread(self.cpu_ms)

    @property
    def rss_median(self) -> float | None:
        return _median(self.rss_kb)


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _spread(values: Sequence[float]) -> float | None:
    """max - min; None for fewer than two boots. It describes the base layer's own boots
    on the page; whether a component's figure is a cost is ``paired``'s rule, not this."""
    return max(values) - min(values) if len(values) > 1 else None


@dataclass(frozen=True)
class Layer:
    """One built layer's figures; boots per memory size (MB), None when not booted."""

    zip_size: int
    unzipped_size: int
    modules: frozenset[str]
    boots: Mapping[int, Boots] | None


@dataclass(frozen=True)
class Row:
    """What one component adds to the base layer on one architecture at one memory size.

    ``wall`` and ``cpu`` hold both layers' figures round by round; every added figure, its
    interval and the "measurable" verdict are derived from them by ``paired`` (the one
    rule), so the page, the JSON and the chart, all made from these properties, cannot
    disagree."""

    tag: str
    kind: str
    source: str
    architecture: str
    zip_mib: float | None = None
    unzipped_mib: float | None = None
    rss_mib: float | None = None
    modules_added: tuple[str, ...] = ()
    note: str = ""
    memory_mb: int | None = None
    package_init_ms: float | None = None  # Go's own timing of the added modules' inits
    wall: Paired | None = None  # init wall ms, minimal's and this layer's, per round
    cpu: Paired | None = None  # init CPU ms, likewise

    @property
    def init_ms(self) -> float | None:
        return None if self.wall is None else self.wall.added

    @property
    def init_cpu_ms(self) -> float | None:
        return None if self.cpu is None else self.cpu.added

    @property
    def measurable(self) -> str:
        """Which added figures are costs by the rule: "wall", "CPU", both, "no"; "" when
        nothing was booted."""
        if self.wall is None and self.cpu is None:
            return ""
        found = [n for n, p in (("wall", self.wall), ("CPU", self.cpu)) if p and p.measurable]
        return ", ".join(found) or "no"


@dataclass
class Report:
    """Everything the markdown, the JSON and the chart are made of."""

    upstream: str
    commit: str
    collector_version: str
    go_version: str
    runs: int
    base_tags: tuple[str, ...]
    memory_mb: tuple[int, ...] = ()  # the sizes booted at
    load: tuple[float, ...] = ()  # the machine's load average at the start and the end
    base: dict[str, Layer] = field(default_factory=dict)  # per architecture
    rows: list[Row] = field(default_factory=list)


def _num(value: float | None, fmt: str = "{:+.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def markdown(report: Report) -> str:
    """A table per architecture and memory size, largest zip cost first, with the base."""
    booted_at = ", ".join(f"{m:,} MB" for m in report.memory_mb)
    lines = [
        f"Upstream `{report.upstream}` at `{report.commit[:12]}` (collector "
        f"{report.collector_version}), Go {report.go_version}; {BASE} is "
        f"`{', '.join(report.base_tags)}`; {report.runs} boots per layer at {booted_at}.",
        "",
        f"Each added init figure is the median of the per-round differences from {BASE} "
        "(booted in turn), with its 95% interval in brackets; it is measurable where that "
        "interval excludes 0 (the sign test at 5%; fewer than 6 rounds have no interval).",
        "",
    ]
    for arch, base in report.base.items():
        sizes: list[int | None] = [*sorted(base.boots)] if base.boots else [None]
        for memory in sizes:
            lines += _table(report, arch, base, memory)
    lines += _modules_details(report)
    return "\n".join(lines)


def _table(report: Report, arch: str, base: Layer, memory: int | None) -> list[str]:
    title = f"### {arch}" + (f", {memory:,} MB" if memory else "")
    figures = f"{BASE}: {base.zip_size / MIB:.2f} MiB zip, {base.unzipped_size / MIB:.2f} MiB"
    figures += f" unzipped, {len(base.modules)} modules"
    boots = (base.boots or {}).get(memory) if memory else None
    if boots and boots.init_median is not None:
        figures += f", init {boots.init_median:.0f} ms (range {_num(boots.init_spread, '{:.0f}')})"
        if boots.cpu_median is not None:
            figures += f", {boots.cpu_median:.1f} ms CPU (range {_num(boots.cpu_spread, '{:.1f}')})"
        if boots.rss_median is not None:
            figures += f", peak memory {boots.rss_median / 1024:.1f} MiB"
    lines = [title, "", figures + ".", ""]
    lines.append(
        "| component | kind | source | + zip MiB | + unzipped MiB | + init ms [95% interval] "
        "| + init CPU ms [95% interval] | its package inits ms | + memory MiB | + modules "
        "| measurable | note |"
    )
    lines.append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|")
    rows = sorted(
        (r for r in report.rows if r.architecture == arch and r.memory_mb == memory),
        key=lambda r: (-(r.zip_mib or 0.0), r.tag),
    )
    for r in rows:
        wall, cpu = _cell(r.wall, "{:+.0f}"), _cell(r.cpu, "{:+.1f}")
        lines.append(
            f"| `{r.tag}` | {r.kind} | {r.source} | {_num(r.zip_mib)} | "
            f"{_num(r.unzipped_mib)} | {wall} | {cpu} | {_num(r.package_init_ms, '{:.2f}')} | "
            f"{_num(r.rss_mib, '{:+.1f}')} | {len(r.modules_added)} | {r.measurable} | "
            f"{r.note} |"
        )
    return [*lines, ""]


def _modules_details(report: Report) -> list[str]:
    """The modules each component adds (the same on every architecture), folded."""
    first = next(iter(report.base), None)
    rows = list(
        {r.tag: r for r in report.rows if r.architecture == first and r.modules_added}.values()
    )  # one per component, whatever the number of memory sizes
    if not rows:
        return []
    lines = ["<details><summary>Go modules each component adds</summary>", ""]
    for r in sorted(rows, key=lambda r: r.tag):
        lines.append(f"- `{r.tag}` ({len(r.modules_added)}): " + ", ".join(r.modules_added))
    return [*lines, "", "</details>", ""]


def as_json(report: Report) -> dict[str, Any]:
    """The raw figures: every boot of the base per size, every row."""
    return {
        "upstream": report.upstream,
        "commit": report.commit,
        "collector_version": report.collector_version,
        "go_version": report.go_version,
        "runs": report.runs,
        "memory_mb": list(report.memory_mb),
        "load": list(report.load),
        "base_tags": list(report.base_tags),
        "base": {arch: _layer_json(b) for arch, b in report.base.items()},
        "rows": [row_json(r) for r in report.rows],
    }


def _cell(figure: Paired | None, fmt: str) -> str:
    """``+12 [+5, +20]``: the added median and its interval ("-" where there is none)."""
    if figure is None:
        return "-"
    bounds = figure.bounds
    around = "[-]" if bounds is None else f"[{fmt.format(bounds[0])}, {fmt.format(bounds[1])}]"
    return f"{_num(figure.added, fmt)} {around}"


def row_json(r: Row) -> dict[str, Any]:
    """A row as the JSON has it: the derived figures, and the rounds they come from, so
    the rule can be recomputed from the file alone."""
    plain = {k: v for k, v in r.__dict__.items() if k not in ("wall", "cpu")}
    figures: dict[str, Any] = {}
    rounds: dict[str, Any] = {}
    for key, paired in (("init_ms", r.wall), ("init_cpu_ms", r.cpu)):
        bounds = None if paired is None else paired.bounds
        figures[key] = None if paired is None else paired.added
        figures[f"{key}_interval"] = None if bounds is None else list(bounds)
        if paired is not None:  # [minimal's, this layer's] per round
            rounds[key] = [[b, x] for b, x in zip(paired.base, paired.layer, strict=True)]
    return (
        plain
        | figures
        | {
            "measurable": r.measurable,
            "modules_added": list(r.modules_added),
            "rounds": rounds or None,
        }
    )


def _layer_json(layer: Layer) -> dict[str, Any]:
    return {
        "zip_size": layer.zip_size,
        "unzipped_size": layer.unzipped_size,
        "modules": len(layer.modules),
        "boots": None
        if layer.boots is None
        else {
            str(m): {
                "init_ms": list(b.init_ms),
                "init_cpu_ms": list(b.cpu_ms),
                "peak_memory_kb": list(b.rss_kb),
                "package_init_ms": [round(sum(i.values()), 2) for i in b.inits],
            }
            for m, b in layer.boots.items()
        },
    }
