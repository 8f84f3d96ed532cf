"""The shape of a costs run and how it is written: markdown, JSON and a chart.

Kept apart from the measuring (``ocelot_build.audit.costs``) so the page and the chart can be
remade and tested from figures alone, without building or booting anything.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocelot_build.core.budgets import MIB
from ocelot_build.core.errors import UsageError

BASE = "minimal"  # the layer every component is added to


@dataclass(frozen=True)
class Boots:
    """Init times (ms) and peak RSS (KiB) of the passed boots of one layer; ``failed`` is
    the first failure's reason (a failed boot has no meaningful figures)."""

    init_ms: tuple[float, ...] = ()
    rss_kb: tuple[int, ...] = ()
    failed: str = ""

    @property
    def init_median(self) -> float | None:
        return statistics.median(self.init_ms) if self.init_ms else None

    @property
    def init_spread(self) -> float | None:
        """max - min over the boots: how far one boot can be from another."""
        return max(self.init_ms) - min(self.init_ms) if self.init_ms else None

    @property
    def rss_median(self) -> float | None:
        return statistics.median(self.rss_kb) if self.rss_kb else None


@dataclass(frozen=True)
class Layer:
    """One built layer's figures."""

    zip_size: int
    unzipped_size: int
    modules: frozenset[str]
    boots: Boots | None  # None: not booted (another architecture)


@dataclass(frozen=True)
class Row:
    """What one component adds to the base layer on one architecture."""

    tag: str
    kind: str
    source: str
    architecture: str
    zip_mib: float | None = None
    unzipped_mib: float | None = None
    init_ms: float | None = None
    init_spread_ms: float | None = None
    rss_mib: float | None = None
    modules_added: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Report:
    """Everything the markdown, the JSON and the chart are made of."""

    upstream: str
    commit: str
    collector_version: str
    go_version: str
    runs: int
    base_tags: tuple[str, ...]
    base: dict[str, Layer] = field(default_factory=dict)  # per architecture
    rows: list[Row] = field(default_factory=list)


def _num(value: float | None, fmt: str = "{:+.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def markdown(report: Report) -> str:
    """The table per architecture, largest zip cost first, with what the base costs."""
    lines = [
        f"Upstream `{report.upstream}` at `{report.commit[:12]}` (collector "
        f"{report.collector_version}), Go {report.go_version}; {BASE} is "
        f"`{', '.join(report.base_tags)}`; {report.runs} boots per layer.",
        "",
    ]
    for arch, base in report.base.items():
        lines.append(f"### {arch}")
        lines.append("")
        figures = f"{BASE}: {base.zip_size / MIB:.2f} MiB zip, {base.unzipped_size / MIB:.2f} MiB"
        figures += f" unzipped, {len(base.modules)} modules"
        if base.boots and base.boots.init_median is not None:
            figures += (
                f", init {base.boots.init_median:.0f} ms median "
                f"(spread {_num(base.boots.init_spread, '{:.0f}')} ms)"
            )
            if base.boots.rss_median is not None:
                figures += f", peak RSS {base.boots.rss_median / 1024:.1f} MiB"
        lines += [figures + ".", ""]
        lines.append(
            "| component | kind | source | + zip MiB | + unzipped MiB | + init ms (median) "
            "| init spread ms | + RSS MiB | + modules | note |"
        )
        lines.append("|---|---|---|--:|--:|--:|--:|--:|--:|---|")
        rows = sorted(
            (r for r in report.rows if r.architecture == arch),
            key=lambda r: (-(r.zip_mib or 0.0), r.tag),
        )
        for r in rows:
            lines.append(
                f"| `{r.tag}` | {r.kind} | {r.source} | {_num(r.zip_mib)} | "
                f"{_num(r.unzipped_mib)} | {_num(r.init_ms, '{:+.0f}')} | "
                f"{_num(r.init_spread_ms, '{:.0f}')} | {_num(r.rss_mib, '{:+.1f}')} | "
                f"{len(r.modules_added)} | {r.note} |"
            )
        lines.append("")
    lines += _modules_details(report)
    return "\n".join(lines)


def _modules_details(report: Report) -> list[str]:
    """The modules each component adds (the same on every architecture), folded."""
    first = next(iter(report.base), None)
    rows = [r for r in report.rows if r.architecture == first and r.modules_added]
    if not rows:
        return []
    lines = ["<details><summary>Go modules each component adds</summary>", ""]
    for r in sorted(rows, key=lambda r: r.tag):
        lines.append(f"- `{r.tag}` ({len(r.modules_added)}): " + ", ".join(r.modules_added))
    return [*lines, "", "</details>", ""]


def as_json(report: Report) -> dict[str, Any]:
    return {
        "upstream": report.upstream,
        "commit": report.commit,
        "collector_version": report.collector_version,
        "go_version": report.go_version,
        "runs": report.runs,
        "base_tags": list(report.base_tags),
        "base": {
            arch: {
                "zip_size": b.zip_size,
                "unzipped_size": b.unzipped_size,
                "modules": len(b.modules),
                "init_ms": list(b.boots.init_ms) if b.boots else None,
                "peak_rss_kb": list(b.boots.rss_kb) if b.boots else None,
            }
            for arch, b in report.base.items()
        },
        "rows": [r.__dict__ | {"modules_added": list(r.modules_added)} for r in report.rows],
    }


def require_pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError(
            "the chart needs matplotlib: uv sync --extra charts (or pass --no-chart)"
        ) from None
    return plt


def chart(report: Report, path: Path) -> None:
    """Bars per component: added zip MiB, and added init ms with its spread, for the first
    architecture (the one with boots, when there is one)."""
    plt = require_pyplot()
    booted = [a for a, b in report.base.items() if b.boots is not None]
    arch = (booted or list(report.base))[0]
    rows = sorted(
        (r for r in report.rows if r.architecture == arch and r.zip_mib is not None),
        key=lambda r: r.zip_mib or 0.0,
    )
    with_init = any(r.init_ms is not None for r in rows)
    fig, axes = plt.subplots(
        1, 2 if with_init else 1, figsize=(12 if with_init else 7, 0.28 * len(rows) + 1.5)
    )
    axes = list(axes) if with_init else [axes]
    names = [r.tag for r in rows]
    axes[0].barh(names, [r.zip_mib or 0.0 for r in rows], color="#4477aa")
    axes[0].set_xlabel(f"added zip MiB ({arch})")
    if with_init:
        axes[1].barh(
            names,
            [r.init_ms or 0.0 for r in rows],
            xerr=[(r.init_spread_ms or 0.0) / 2 for r in rows],
            color="#cc6677",
        )
        axes[1].set_xlabel(f"added init ms, median (error bar: half the spread; {arch})")
        axes[1].set_yticklabels([])
    for ax in axes:
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"What each component adds to {BASE} (upstream {report.commit[:12]})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
