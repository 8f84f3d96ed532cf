"""Benchmark: loading big distributions files (the part of a cache hit that grows with them).

Two files, written to a temporary directory:

  (a) a ``base`` chain 3,000 deep (each entry based on the one before);
  (b) about 15 MB of distributions, each based on one with a config file, parsed, then
      again as a cache hit finds it (its parsed form kept in the cache's ``yaml/``).

Prints the wall time of ``load_distributions`` for each (best of ``--runs``) and the
machine's load average, so figures can be compared with the load they were taken under.

    uv run python bench/config_load.py [--depth 3000] [--mb 15] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from ocelot_build.core.options import count
from ocelot_build.stages.config import load_distributions

HEAD = """\
distributions:
  d0:
    description: root
    build-tags: [custom, receiver.otlp, exporter.otlphttp]
    config-file: c.yaml
"""


def chain_file(folder: Path, depth: int) -> Path:
    lines = [HEAD]
    for i in range(1, depth + 1):
        lines.append(f"  d{i}:\n    description: chain {i}\n    base: d{i - 1}\n")
    return _write(folder / "chain.yaml", "".join(lines))


def wide_file(folder: Path, megabytes: float) -> Path:
    lines, size, i = [HEAD], len(HEAD), 0
    while size < megabytes * 1_000_000:
        i += 1
        line = f"  w{i}:\n    description: wide entry {i}\n    base: d0\n    build-tags: [x.y]\n"
        lines.append(line.replace("x.y", "processor.batch"))
        size += len(lines[-1])
    return _write(folder / "wide.yaml", "".join(lines))


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    (path.parent / "c.yaml").write_text("receivers: {}\n")
    return path


def best(path: Path, runs: int, memo: Path | None = None) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        load_distributions(path, memo=memo)
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(prog="bench/config_load.py", description=__doc__.splitlines()[0])
    p.add_argument("--depth", type=count(1), default=3000, help="chain depth (default 3000)")
    p.add_argument("--mb", type=float, default=15, help="wide file size in MB (default 15)")
    p.add_argument("--runs", type=count(1), default=3, help="runs per file (default 3)")
    args = p.parse_args()
    if args.mb <= 0:
        p.error(f"--mb {args.mb}: must be more than 0")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        chain, wide = chain_file(folder, args.depth), wide_file(folder, args.mb)
        for label, path in ((f"chain of {args.depth}", chain), ("wide file", wide)):
            mb = path.stat().st_size / 1_000_000
            print(f"{label:>16}: {mb:6.2f} MB  {best(path, args.runs):7.2f} s parsed")
        best(wide, 1, folder / "yaml")  # what a first run leaves in the cache's yaml/
        hit = best(wide, args.runs, folder / "yaml")
        print(f"{'wide file again':>16}: {hit:7.2f} s (parsed form from the cache, a cache hit)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
