"""``python -m ocelot_build.costs``: what each component adds to ``minimal``.

Before adding a component a user wants its price: zip and unzipped size, init time, memory,
and the Go modules it pulls in. This builds ``minimal`` and ``minimal + X`` for every
component tag of the catalogue (upstream's and our overlay's) through the normal engine, so
the cache makes re-runs cheap, then boots each layer several times with the boot check
(``ocelot_build.verify``) and reports medians. Init time is measured only on the machine's
own architecture: under qemu it would measure the emulator, so other architectures get
sizes and modules only. Writes a markdown table, the raw figures as JSON and, with the
``charts`` extra (matplotlib), a bar chart.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ocelot_build import api
from ocelot_build.audit.costs_chart import chart, require_pyplot
from ocelot_build.audit.costs_measure import BootFn, boot_once, compare, measure
from ocelot_build.audit.costs_report import BASE, Report, Row, as_json, markdown
from ocelot_build.core import proc
from ocelot_build.core.errors import (
    OcelotError,
    OptionParser,
    UsageError,
    command_main,
    path_option,
)
from ocelot_build.core.files import atomic_write_bytes, split_list, write_json
from ocelot_build.core.model import Architecture
from ocelot_build.core.options import add_config_options, add_upstream_options, count
from ocelot_build.core.progress import Progress
from ocelot_build.stages.catalogue import Component, members
from ocelot_build.stages.config import Distribution, short_tag
from ocelot_build.stages.resolve import resolve
from ocelot_build.verify.box import memory_problem

DEFAULT_RUNS = 9  # the fewest rounds whose 95% interval can leave one round out (paired)
DEFAULT_MEMORY_MB = "128,1769"  # Lambda's default size, and one full vCPU


def parser() -> argparse.ArgumentParser:
    p = OptionParser(
        prog="python -m ocelot_build.costs",
        description=f"What each component adds to {BASE!r}: size, init time, memory, modules.",
    )
    add_upstream_options(p)
    p.add_argument("-a", "--architecture", default="amd64", help="amd64, arm64, or both")
    add_config_options(p)
    p.add_argument(
        "-o",
        "--output-dir",
        type=path_option,
        default=Path("build/costs"),
        help="where component-costs.md/.json/.png and the layers go",
    )
    p.add_argument("--runs", type=count(1), default=DEFAULT_RUNS, help="boots per layer and size")
    p.add_argument(
        "--memory-mb",
        default=DEFAULT_MEMORY_MB,
        help="Lambda memory sizes to boot at, comma-separated (the CPU share follows)",
    )
    p.add_argument(
        "--upstream-name",
        default=None,
        help="how the page and JSON name the upstream (default: -r as given, except that "
        "a local path shows as 'a local copy', so it stays out of what you publish)",
    )
    p.add_argument("--only", default="", help="comma-separated component tags (default: all)")
    p.add_argument("--no-chart", action="store_true", help="skip the chart (no matplotlib)")
    p.add_argument("-v", "--verbose", action="store_true", help="stream git and go output")
    return p


def _request(args: argparse.Namespace) -> api.BuildRequest:
    archs = tuple(dict.fromkeys(Architecture.parse(a) for a in split_list(args.architecture)))
    memory_sizes(args.memory_mb)
    if not archs:
        raise UsageError("no architecture given; allowed: amd64, arm64")
    if args.upstream_name is not None and not _printable_line(args.upstream_name):
        raise UsageError(
            f"--upstream-name {args.upstream_name!r} is not a name; allowed: one line of "
            "printable text, e.g. open-telemetry/opentelemetry-lambda"
        )
    return api.BuildRequest(
        distributions=(BASE,),
        architectures=archs,
        upstream_repo=args.upstream_repo,
        upstream_ref=args.upstream_ref,
        config_path=args.config,
        registry_path=args.components,
        output_dir=args.output_dir / "layers",
        verbose=args.verbose,
    )


def variant(base: Distribution, comp: Component) -> Distribution:
    """``base`` plus one component tag, under a name of its own."""
    return replace(
        base,
        name=f"{BASE}-{comp.kind}-{comp.name}",
        description=f"{BASE} + {short_tag(comp.tag)}",
        tags=tuple(sorted({*base.tags, comp.tag})),
        lineage=(f"{BASE}-{comp.kind}-{comp.name}", *base.lineage),
    )


def memory_sizes(text: str) -> tuple[int, ...]:
    """``--memory-mb``: at least one size, each by the boot check's one rule."""
    sizes = []
    for item in split_list(text):
        size = int(item) if item.isdigit() else item
        problem = memory_problem(size)
        if problem is not None:
            raise UsageError(f"--memory-mb {problem}")
        sizes.append(int(size))
    if not sizes:
        raise UsageError("--memory-mb needs at least one size, e.g. 128,1769")
    return tuple(dict.fromkeys(sizes))


def upstream_label(repo: str, url: str, name: str | None) -> str:
    """What the report calls the upstream. The page is made to be published (our own
    docs/component-costs.md is), and a local mirror's path says nothing to its readers
    while it leaks the author's file system; the commit beside it names the source."""
    if name is not None:
        return name.strip()
    return "a local copy" if Path(url).is_absolute() else proc.redact(repo)


def _printable_line(text: str) -> bool:
    return bool(text.strip()) and text.isprintable()


def run(args: argparse.Namespace, boot: BootFn = boot_once) -> Report:
    request = _request(args)
    progress = Progress(verbose=args.verbose)
    ctx, [base] = resolve(request, progress)
    in_base = {c.tag for c in members(ctx.catalogue.components, ctx.catalogue.intended(base.tags))}
    targets = [c for t, c in sorted(ctx.catalogue.components.items()) if t not in in_base]
    wanted = set(split_list(args.only))
    if wanted:
        known = {short_tag(c.tag) for c in targets}
        unknown = sorted(wanted - known)
        if unknown:
            raise UsageError(
                f"--only: {', '.join(unknown)} not a component outside {BASE}; "
                f"allowed: {', '.join(sorted(known))}"
            )
        targets = [c for c in targets if short_tag(c.tag) in wanted]
    pinned = replace(request, upstream_ref=ctx.source.commit)  # every build at one commit
    sizes = memory_sizes(args.memory_mb)
    report = Report(
        upstream_label(ctx.source.repo, ctx.source.url, args.upstream_name),
        ctx.source.commit,
        ctx.version,
        ctx.go.version,
        args.runs,
        tuple(short_tag(t) for t in base.tags),
        sizes,
        (round(os.getloadavg()[0], 2),),
    )
    bases = {a.architecture.value: a for a in api.build_layers(pinned, distributions=[base])}
    for name, artifact in bases.items():
        progress.say(f"{BASE}/{name}: booting {args.runs} times")
        report.base[name] = measure(artifact, args.runs, boot, sizes)[0]
    for comp in targets:
        try:
            artifacts = api.build_layers(pinned, distributions=[variant(base, comp)])
        except OcelotError as exc:
            for a in request.architectures:
                report.rows.append(
                    Row(short_tag(comp.tag), comp.kind, comp.source, a.value, note=exc.message)
                )
            continue
        for artifact in artifacts:
            name = artifact.architecture.value
            progress.say(f"{short_tag(comp.tag)}/{name}: measuring")
            layer, paired = measure(artifact, args.runs, boot, sizes, alongside=bases[name])
            report.rows += compare(comp, name, paired or report.base[name], layer)
    report.load = (*report.load, round(os.getloadavg()[0], 2))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("ocelot", lambda: _main(sys.argv[1:] if argv is None else list(argv)))


def _main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if not args.no_chart:
        require_pyplot()  # before the builds: a missing extra is bad input, not a late failure
    report = run(args)
    out = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "component-costs.md", markdown(report).encode())
    write_json(out / "component-costs.json", as_json(report))
    if not args.no_chart:
        chart(report, out / "component-costs.png")
    print(f"wrote {out / 'component-costs.md'}")
    return 0
