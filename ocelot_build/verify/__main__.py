"""``python -m ocelot_build.verify LAYER.zip``: boot one layer and say whether it works.

Exit 0 passed (or skipped: an architecture this machine cannot run), 1 failed (with the
collector's own last log lines and the error type it reported), 2 bad input, 130/143
interrupted (SIGINT/SIGTERM: the collector and everything it started are killed and the
temp dir removed first). A manifest beside the zip (same stem, ``.json``) gets the report
in its ``verify`` field.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ocelot_build.core.errors import OptionParser, command_main
from ocelot_build.verify.box import MEMORY_MB_DEFAULT, MEMORY_MB_RANGE
from ocelot_build.verify.check import verify_layer
from ocelot_build.verify.report import FAILED, manifest_path_for, write_report_to_manifest


def _parser() -> argparse.ArgumentParser:
    p = OptionParser(
        prog="python -m ocelot_build.verify",
        description="Boot a collector layer against a local Lambda Extensions API and check "
        "that telemetry goes through it.",
    )
    p.add_argument("layer", type=Path, metavar="LAYER.zip", help="the layer zip to check")
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="limit for each step, in seconds (default 30)",
    )
    p.add_argument(
        "--deadline",
        type=float,
        default=None,
        metavar="S",
        help="limit for the whole check, in seconds (default 4 times --timeout)",
    )
    p.add_argument(
        "--memory-mb",
        type=int,
        default=MEMORY_MB_DEFAULT,
        metavar="MB",
        help=f"Lambda memory size to boot at, {MEMORY_MB_RANGE[0]} to {MEMORY_MB_RANGE[1]} "
        f"(default {MEMORY_MB_DEFAULT}): the layer gets that memory, CPU in proportion "
        "(1,769 MB = 1 vCPU) and at most 1,024 processes",
    )
    p.add_argument(
        "--no-limits",
        action="store_true",
        help="boot without Lambda's memory, CPU and process limits (the report says so)",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the layer without isolation (it can read your files and environment)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.add_argument(
        "--bundled-config",
        action="store_true",
        help="boot with the layer's own config (proves it loads; lifecycle only)",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="show each step and the collector's log"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("verify", lambda: _run(_parser().parse_args(argv)))


def _run(args: argparse.Namespace) -> int:
    log = (lambda line: print(f"+ {line}", file=sys.stderr)) if args.verbose else None
    report = verify_layer(
        args.layer,
        timeout=args.timeout,
        log=log,
        bundled_config=args.bundled_config,
        sandbox=not args.no_sandbox,
        deadline=args.deadline,
        memory_mb=args.memory_mb,
        limits=not args.no_limits,
    )
    manifest = manifest_path_for(args.layer)
    if manifest.is_file():
        write_report_to_manifest(manifest, report)
    summary_to = sys.stderr if args.json else sys.stdout
    print(report.summary(), file=summary_to)
    if args.verbose and report.status != FAILED and report.log_tail:
        print("  collector log (last lines):", file=summary_to)
        for line in report.log_tail:
            print(f"    {line}", file=summary_to)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    return 1 if report.status == FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
