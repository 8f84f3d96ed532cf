"""Benchmark: the boot check with and without its bubblewrap sandbox.

For every layer zip given (e.g. a built matrix: nine distributions x two architectures), both
boot checks (the OTLP round trip, and ``--bundled-config``) run once with ``sandbox=False``
and once sandboxed. Printed as a Markdown table: status, init ms, peak RSS and check wall
time per mode. Then the sandbox's own cost: starting ``/usr/bin/true`` directly vs. through
bwrap with the check's arguments, and starting the check session's Python (up to its
imports) unsandboxed vs. sandboxed; medians of ``--repeat`` runs.

    uv run python bench/sandbox.py build/*.zip
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ocelot_build.core.options import count
from ocelot_build.verify import VerifyReport, verify_layer
from ocelot_build.verify.isolation import sandboxed, unsandboxed
from ocelot_build.verify.layer import zips_problem

_IMPORTS = "import ocelot_build.verify.boot, ocelot_build.verify.sink"


def check(zip_path: Path, bundled: bool, sandbox: bool) -> tuple[VerifyReport, float]:
    start = time.monotonic()
    report = verify_layer(zip_path, bundled_config=bundled, sandbox=sandbox)
    return report, (time.monotonic() - start) * 1e3


def cell(report: VerifyReport, wall_ms: float) -> str:
    if report.status != "passed":
        return f"{report.status}: {report.reason}"
    rss = f"{report.peak_rss_kb / 1024:.0f} MiB" if report.peak_rss_kb else "?"
    return f"{report.init_ms:.0f} ms / {rss} / {wall_ms:.0f} ms"


def median_ms(argv: list[str], env: dict[str, str] | None, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.monotonic()
        subprocess.run(argv, env=env, check=True, stdin=subprocess.DEVNULL)
        times.append((time.monotonic() - start) * 1e3)
    return statistics.median(times)


def overhead(repeat: int) -> list[str]:
    """Starting nothing, and starting the session's interpreter, with and without bwrap."""
    with tempfile.TemporaryDirectory(prefix="ocelot-bench-") as tmp:
        work = Path(tmp)
        (work / "opt").mkdir()
        boxed, plain = sandboxed(work, []), unsandboxed(work)
        bwrap_args = boxed.argv[: boxed.argv.index("--") + 1]
        true_plain = median_ms(["/usr/bin/true"], None, repeat)
        true_boxed = median_ms([*bwrap_args, "/usr/bin/true"], {}, repeat)
        py = ["-s", "-B", "-c", _IMPORTS]
        py_plain = median_ms([sys.executable, *py], plain.env, repeat)
        python = boxed.argv[len(bwrap_args)]
        py_boxed = median_ms([*bwrap_args, python, *py], boxed.env, repeat)
    return [
        "| start | no sandbox | bwrap | sandbox's own cost |",
        "|---|---|---|---|",
        f"| /usr/bin/true | {true_plain:.1f} ms | {true_boxed:.1f} ms "
        f"| {true_boxed - true_plain:.1f} ms |",
        f"| session interpreter + imports | {py_plain:.1f} ms | {py_boxed:.1f} ms "
        f"| {py_boxed - py_plain:.1f} ms |",
    ]


def main() -> int:
    p = argparse.ArgumentParser(prog="bench/sandbox.py", description=__doc__.split("\n\n")[0])
    p.add_argument("zips", nargs="*", type=Path)
    p.add_argument("--repeat", type=count(1), default=20)
    args = p.parse_args()
    problem = zips_problem(args.zips)
    if problem:
        p.error(problem)
    print("| layer | check | no sandbox: init / peak RSS / wall | bwrap: init / peak RSS / wall |")
    print("|---|---|---|---|")
    for zip_path in args.zips:
        for bundled in (False, True):
            cells = [cell(*check(zip_path, bundled, sandbox)) for sandbox in (False, True)]
            kind = "bundled config" if bundled else "round trip"
            print(f"| {zip_path.stem} | {kind} | {cells[0]} | {cells[1]} |", flush=True)
    print()
    print("\n".join(overhead(args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
