"""The costs chart: what the table says, drawn (matplotlib, the ``charts`` extra).

One panel of added zip MiB, then one of added init CPU ms per memory size booted. A bar is
solid where the figure is a cost by the table's rule (``paired``: its 95% interval excludes
0) and pale where it is not, with that interval drawn around it; bars come from the same
row properties as the table, so the chart cannot suggest a cost the text calls noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.audit.costs_report import BASE, Report, Row
from ocelot_build.core.errors import UsageError

SOLID, PALE = "#cc6677", "#e8c4cb"


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
    """Bars per component for the first architecture (the booted one, when there is one)."""
    plt = require_pyplot()
    booted = [a for a, b in report.base.items() if b.boots]
    arch = (booted or list(report.base))[0]
    sizes = sorted((report.base[arch].boots or {}).keys())
    first: int | None = sizes[0] if sizes else None
    rows = sorted(
        (r for r in report.rows if r.architecture == arch and r.memory_mb == first),
        key=lambda r: r.zip_mib or 0.0,
    )
    names = [r.tag for r in rows]
    fig, axes = plt.subplots(1, 1 + len(sizes), figsize=(6 + 5 * len(sizes), 0.28 * len(rows) + 2))
    axes = list(axes) if sizes else [axes]
    axes[0].barh(names, [r.zip_mib or 0.0 for r in rows], color="#4477aa")
    axes[0].set_xlabel(f"added zip MiB ({arch})")
    for ax, memory in zip(axes[1:], sizes, strict=True):
        by_tag = {r.tag: r for r in report.rows if r.architecture == arch and r.memory_mb == memory}
        _cpu_panel(ax, [by_tag.get(n) for n in names], memory)
    for ax in axes:
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"What each component adds to {BASE} (upstream {report.commit[:12]})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


@dataclass(frozen=True)
class Bar:
    """One component's bar in a CPU panel, straight from its row's properties."""

    value: float  # the added median (0 where there is none)
    below: float  # the error bar: from value - below to value + above, the 95% interval
    above: float
    solid: bool  # a cost by the rule: exactly the row's "CPU" in its measurable column


def bar(row: Row | None) -> Bar:
    """A row's bar, from its own ``cpu`` figure: the value, interval and verdict the table
    prints for it, so the two cannot differ."""
    paired = row.cpu if row else None
    if paired is None or paired.added is None:
        return Bar(0.0, 0.0, 0.0, False)
    low, high = paired.bounds or (paired.added, paired.added)
    return Bar(paired.added, paired.added - low, high - paired.added, paired.measurable)


def _cpu_panel(ax: Any, rows: list[Row | None], memory: int) -> None:
    bars = [bar(r) for r in rows]
    ax.barh(
        range(len(rows)),
        [b.value for b in bars],
        xerr=[[b.below for b in bars], [b.above for b in bars]],
        color=[SOLID if b.solid else PALE for b in bars],
        ecolor="#888888",
    )
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_yticks([])
    ax.set_xlabel(
        f"added init CPU ms at {memory:,} MB\n(median of the rounds; line: its 95% interval)\n"
        "solid: the interval excludes 0; pale: it does not"
    )
