"""Benchmark: the boot check in Lambda's shape (``ocelot_build.verify.box``).

Three parts, each printed as a Markdown table with the machine's load average:

- ``--matrix``: every layer zip given (a manifest beside it names its components), both
  checks (OTLP round trip and ``--bundled-config``) at 128 MB and at 1,769 MB: status,
  init wall / init CPU ms, peak memory as the limit counts it.
- ``--figures``: init wall and init CPU at 128, 512 and 1,769 MB, median of ``--repeat``
  runs with the spread (min-max), and the peak memory; for the zips given.
- always: the box's own start-up cost: making and shaping the cgroup, starting a process
  through it (spawn as the layer's user, move it in, release it) against a plain spawn,
  and removing the cgroup; medians of 40.

    uv run python bench/box.py --matrix build/*.zip
    uv run python bench/box.py --figures build/ocel-{minimal,default,full}-amd64.zip
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ocelot_build.core.options import count
from ocelot_build.verify import VerifyReport, verify_layer
from ocelot_build.verify.box import Shape
from ocelot_build.verify.cgroupfs import find
from ocelot_build.verify.layer import zips_problem
from ocelot_build.verify.runner import ExtensionProcess

SIZES = (128, 512, 1769)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def check(zip_path: Path, memory_mb: int, bundled: bool = False) -> VerifyReport:
    return verify_layer(zip_path, memory_mb=memory_mb, bundled_config=bundled)


def cell(r: VerifyReport) -> str:
    if r.status != "passed":
        return f"{r.status}: {r.reason}"
    peak = f"{r.peak_memory_kb / 1024:.0f} MiB" if r.peak_memory_kb else "?"
    cpu = f"{r.init_cpu_ms:.0f}" if r.init_cpu_ms is not None else "?"
    flag = " (qemu)" if r.emulated else ""
    return f"{r.init_ms:.0f} / {cpu} ms / {peak}{flag}"


def matrix(zips: list[Path]) -> None:
    print(f"\n{load()}\n")
    print("| layer | check | 128 MB: init / init CPU / peak | 1,769 MB: init / init CPU / peak |")
    print("|---|---|---|---|")
    for z in zips:
        for bundled in (False, True):
            cells = [cell(check(z, mb, bundled)) for mb in (128, 1769)]
            what = "bundled config" if bundled else "round trip"
            print(f"| {z.stem} | {what} | {cells[0]} | {cells[1]} |", flush=True)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def figures(zips: list[Path], repeat: int) -> None:
    print(f"\n{load()}; median (min-max) of {repeat} checks\n")
    print("| layer | memory | vCPU | init wall ms | init CPU ms | peak memory |")
    print("|---|---|---|---|---|---|")
    for z in zips:
        for mb in SIZES:
            runs = [check(z, mb) for _ in range(repeat)]
            bad = [r for r in runs if r.status != "passed"]
            if bad:
                print(f"| {z.stem} | {mb} MB | | {bad[0].status}: {bad[0].reason} | | |")
                continue
            wall = spread([r.init_ms or 0.0 for r in runs])
            cpu = spread([r.init_cpu_ms or 0.0 for r in runs])
            peak = max(r.peak_memory_kb or 0 for r in runs) / 1024
            share = runs[0].cpu_share
            print(f"| {z.stem} | {mb} MB | {share:.3f} | {wall} | {cpu} | {peak:.0f} MiB |")
            sys.stdout.flush()


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.monotonic()
        action()
        times.append((time.monotonic() - start) * 1e3)
    return statistics.median(times)


def start_true(join_fds: tuple[int, ...] = (), user: int | None = None) -> None:
    proc = ExtensionProcess(["/usr/bin/true"], env={}, cwd=Path("/"), join_fds=join_fds, user=user)
    with proc:
        proc.wait(10)


def box_cost(repeat: int) -> None:
    hierarchies = find()
    shape = Shape.for_memory(128)
    made = median_ms(lambda: hierarchies.create(shape).remove(), repeat)
    leaf = hierarchies.create(shape)
    fds = tuple(os.open(p, os.O_WRONLY) for p in leaf.join_files())
    try:
        plain = median_ms(start_true, repeat)
        boxed = median_ms(lambda: start_true(fds, 65534 if os.geteuid() == 0 else None), repeat)
    finally:
        for fd in fds:
            os.close(fd)
        leaf.remove()
    print(f"\nThe box's own cost ({hierarchies.name}, {load()}, medians of {repeat}):\n")
    print("| step | ms |")
    print("|---|---|")
    print(f"| make and shape the cgroup, then remove it | {made:.2f} |")
    print(f"| start /usr/bin/true as a plain child (waiting shell, no box) | {plain:.1f} |")
    print(f"| the same, as the layer's user, moved into the box first | {boxed:.1f} |")
    print(f"| the box's start-up cost | {boxed - plain + made:.1f} |")


def main() -> int:
    p = argparse.ArgumentParser(prog="bench/box.py", description=__doc__.splitlines()[0])
    p.add_argument("zips", nargs="*", type=Path)
    p.add_argument("--matrix", action="store_true", help="both checks at 128 and 1,769 MB")
    p.add_argument("--figures", action="store_true", help="init at 128, 512, 1,769 MB")
    p.add_argument("--repeat", type=count(1), default=5)
    args = p.parse_args()
    problem = zips_problem(args.zips)  # before the first boot, not half-way through a table
    if problem:
        p.error(problem)
    if args.matrix:
        matrix(args.zips)
    if args.figures:
        figures(args.zips, args.repeat)
    box_cost(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
