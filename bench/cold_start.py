"""Benchmark: a layer's cold start at Lambda memory sizes, through the boot check.

Boots each layer zip ``--runs`` times at every ``--memory-mb`` size with
``ocelot_build.verify`` (the layer runs in the check's box: the memory size's CPU share,
memory limit and process limit, where the machine supports it), interleaved: each round
boots every layer once, in an order rotated per round, so a change in the machine's load
moves every layer alike. Prints, per layer and size, the zip and unzipped MiB, init wall
and init CPU ms (medians), peak memory, the ratio of each layer's medians to the first
layer's and, because every round boots every layer, what each layer adds to the first round
by round: the median difference with its 95% interval, bold when that excludes 0 (the same
rule as the component costs, ``ocelot_build.audit.paired``); and the load average after.
A line per round on stderr gives progress and the load average as it goes.

    uv run python bench/cold_start.py A.zip B.zip [--memory-mb 128,512,1769] [--runs 9]

docs/cold-start.md was made with the real upstream this way (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocelot_build.audit.paired import Paired
from ocelot_build.core.budgets import MIB
from ocelot_build.core.files import split_commas
from ocelot_build.core.options import count
from ocelot_build.verify import verify_layer
from ocelot_build.verify.box import memory_problem
from ocelot_build.verify.layer import inspect_zip, zips_problem

Boot = Callable[[Path, int], Any]  # (zip, memory MB) -> VerifyReport


@dataclass
class Samples:
    """One layer at one size: the figures of its passed boots."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    memory_kb: list[float] = field(default_factory=list)
    failed: str = ""


def boot_once(zip_path: Path, memory_mb: int, sandbox: bool = True) -> Any:
    return verify_layer(zip_path, memory_mb=memory_mb, sandbox=sandbox)


def measure(
    zips: Sequence[Path],
    sizes: Sequence[int],
    runs: int,
    boot: Boot,
    on_round: Callable[[str], None] = lambda _: None,
) -> dict[tuple[str, int], Samples]:
    """Every layer at every size, ``runs`` rounds, order rotated per round."""
    out = {(z.name, m): Samples() for z in zips for m in sizes}
    for size in sizes:
        for r in range(runs):
            on_round(f"{size:,} MB: round {r + 1} of {runs}")
            order = [*zips[r % len(zips) :], *zips[: r % len(zips)]]
            for zip_path in order:
                samples = out[(zip_path.name, size)]
                if samples.failed:
                    continue
                report = boot(zip_path, size)
                if report.status != "passed":
                    samples.failed = f"{report.status}: {report.reason}"
                    continue
                _add(samples, report)
    return out


def _add(samples: Samples, report: Any) -> None:
    samples.wall.append(report.init_ms)
    cpu = getattr(report, "init_cpu_ms", None)
    if cpu is not None:
        samples.cpu.append(cpu)
    memory = getattr(report, "peak_memory_kb", None) or report.peak_rss_kb
    if memory is not None:
        samples.memory_kb.append(memory)


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):,.1f}" if values else "-"


def _added(values: list[float], first: list[float]) -> str:
    """What a layer adds to the first, round by round (its boots and the first's alternate
    in every round, so the two lists pair up unless a boot failed)."""
    paired = Paired.of(first, values)
    if paired is None or paired.added is None:
        return "-"
    added = f"{paired.added:+,.1f}"
    if paired.bounds is None:
        return f"{added} (too few rounds)"
    low, high = paired.bounds
    return f"{f'**{added}**' if paired.measurable else added} [{low:+,.1f}, {high:+,.1f}]"


def table(
    zips: Sequence[Path], sizes: Sequence[int], results: dict[tuple[str, int], Samples]
) -> str:
    """The markdown table, with each layer's medians relative to the first layer's."""
    lines = [
        "| layer | MB | zip MiB | unzipped MiB | init wall ms | init CPU ms "
        "| peak memory MiB | wall / first | CPU / first "
        "| wall ms added to first [95%] | CPU ms added to first [95%] |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size in sizes:
        first = results[(zips[0].name, size)]
        for zip_path in zips:
            s = results[(zip_path.name, size)]
            zipped, unzipped = _sizes(zip_path)
            memory = f"{statistics.median(s.memory_kb) / 1024:.1f}" if s.memory_kb else "-"
            lines.append(
                f"| {zip_path.name} | {size:,} | {zipped:.2f} | {unzipped:.2f} | "
                f"{_median(s.wall)} | {_median(s.cpu)} | {memory} | "
                f"{_ratio(s.wall, first.wall)} | {_ratio(s.cpu, first.cpu)} | "
                f"{_vs_first(s.wall, first.wall, s is first)} | "
                f"{_vs_first(s.cpu, first.cpu, s is first)} |"
                + (f" {s.failed}" if s.failed else "")
            )
    return "\n".join(lines)


def _vs_first(values: list[float], first: list[float], is_first: bool) -> str:
    return "-" if is_first else _added(values, first)


def _ratio(values: list[float], base: list[float]) -> str:
    if not values or not base:
        return "-"
    return f"{statistics.median(values) / statistics.median(base):.2f}"


def _sizes(zip_path: Path) -> tuple[float, float]:
    zipped, unzipped = inspect_zip(zip_path)
    return zipped / MIB, unzipped / MIB


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options, every one checked before the first boot: a typo in a size must not
    surface after an hour of boots, nor as a traceback."""
    p = argparse.ArgumentParser(prog="bench/cold_start.py", description=__doc__.splitlines()[0])
    p.add_argument("zips", nargs="+", type=Path, help="layer zips; ratios are to the first")
    p.add_argument("--memory-mb", default="128,512,1769", help="comma-separated sizes")
    p.add_argument(
        "--runs", type=count(2), default=9, help="boots per layer and size (rounds are paired)"
    )
    p.add_argument("--no-sandbox", action="store_true", help="boot without bubblewrap")
    args = p.parse_args(argv)
    args.sizes = _sizes_or_error(p, args.memory_mb)
    problem = zips_problem(args.zips)
    if problem:
        p.error(problem)
    names = [z.name for z in args.zips]
    if len(set(names)) != len(names):
        p.error(f"two zips share a file name ({', '.join(names)}); the table names layers by it")
    return args


def _sizes_or_error(p: argparse.ArgumentParser, text: str) -> list[int]:
    sizes: list[int] = []
    for part in split_commas(text):
        size = int(part) if part.isdigit() else part
        problem = memory_problem(size)
        if problem:
            p.error(f"--memory-mb {part}: {problem}")
        sizes.append(int(size))
    if not sizes:
        p.error("--memory-mb: name at least one size, e.g. 128,512,1769")
    return sizes


def progress(message: str) -> None:
    """A line on stderr per round: 9 rounds of three layers at three sizes take minutes."""
    stamp = time.strftime("%H:%M:%S")
    print(f"cold-start {stamp} (load {os.getloadavg()[0]:.2f}): {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    progress(f"{len(args.zips)} layers, sizes {args.memory_mb}, {args.runs} rounds each")
    results = measure(
        args.zips,
        args.sizes,
        args.runs,
        lambda z, m: boot_once(z, m, sandbox=not args.no_sandbox),
        on_round=progress,
    )
    print(table(args.zips, args.sizes, results))
    print(f"\nload average after: {os.getloadavg()[0]:.2f}; {args.runs} boots per layer and size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
