"""Run the Pulumi program for a stack under Pulumi's mocks and print what it declares and how
long it takes: the figures behind "a preview of an unchanged stack builds nothing".

    python -m infra.measure --stack dev [--runs 2] [--set ocelot:configFile=other.yaml]

The build engine runs for real (with its cache: ``$OCELOT_CACHE_DIR``); only the Pulumi
engine and AWS are mocked, so nothing is published. The first run may build; later runs
show the warm-cache cost of a ``pulumi preview``/``up`` program run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi

from infra.ci import PROJECT, stack_values
from infra.program import build_stack
from ocelot_build.core.errors import OptionParser, command_main
from ocelot_build.publish.stack_config import parse_stack_config


class _CountingMocks(pulumi.runtime.Mocks):
    """Answers like the provider (ARN, version) and remembers each registration."""

    def __init__(self) -> None:
        self.declared: list[tuple[str, str]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.declared.append((args.typ, args.name))
        state = dict(args.inputs)
        if args.typ == "aws:lambda/layerVersion:LayerVersion":
            arn = f"arn:aws:lambda:{state.get('region')}:000000000000:layer:{state['layerName']}"
            state.update(layerArn=arn, arn=f"{arn}:1", version="1")
        return f"{args.name}-id", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


def run_once(
    values: dict[str, Any], *, preview: bool, project: Path = PROJECT
) -> tuple[float, Any, _CountingMocks]:
    """One program run: parse the config, build, declare; returns (seconds, result, mocks)."""
    mocks = _CountingMocks()
    pulumi.runtime.set_mocks(mocks, project="ocelot", stack="measure", preview=preview)
    box: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> None:
        config = parse_stack_config(values, root=project)
        box["result"] = build_stack(config, root=project)

    started = time.perf_counter()
    program()
    return time.perf_counter() - started, box["result"], mocks


def main(argv: list[str] | None = None, project: Path = PROJECT) -> int:
    return command_main("ocelot measure", lambda: _run(argv, project))


def _run(argv: list[str] | None, project: Path) -> int:
    parser = OptionParser(
        prog="python -m infra.measure",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stack", default="dev", help="reads Pulumi.<stack>.yaml (default dev)")
    parser.add_argument("--runs", type=int, default=2, help="program runs, the first may build")
    parser.add_argument("--preview", action="store_true", help="mock a preview (unknown ARNs)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value for this measurement")  # fmt: skip
    args = parser.parse_args(argv)
    values = stack_values(args.stack, project)
    values.update(dict(item.split("=", 1) for item in args.set))
    for n in range(1, args.runs + 1):
        seconds, result, mocks = run_once(values, preview=args.preview, project=project)
        hits = sum(a.cache_hit for a in result.artifacts)
        print(f"run {n}: {seconds:.2f} s (engine {result.build_seconds:.2f} s), "
              f"{hits}/{len(result.artifacts)} layers from the cache")  # fmt: skip
    for typ, count in sorted(Counter(t for t, _ in mocks.declared).items()):
        print(f"{count:4d}  {typ}")
    for typ, name in sorted(mocks.declared):
        if typ == "aws:lambda/layerVersion:LayerVersion":
            print(f"      {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
