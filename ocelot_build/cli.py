"""``python -m ocelot_build``: a thin shell over ``ocelot_build.api``.

Options are parsed and checked into a ``BuildRequest`` before any work; ``main`` is the only
place that turns ``OcelotError``s into messages and exit codes (through
``errors.command_main``, the rule it shares with ``costs``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ocelot_build import api
from ocelot_build.core import proc
from ocelot_build.core.errors import OptionParser, UsageError, command_main, path_option
from ocelot_build.core.files import not_a_file, split_list
from ocelot_build.core.model import Architecture
from ocelot_build.core.options import add_config_options, add_upstream_options
from ocelot_build.core.runtimes import check_layer_name, check_runtimes, longest_suffix
from ocelot_build.publish import stack as publish
from ocelot_build.stages.config import ALL_ALONE, load_distributions
from ocelot_build.stages.schedule import parse_jobs
from ocelot_build.store.cache import yaml_memo
from ocelot_build.summary import plan_table, summary, written_and_next


def parser() -> argparse.ArgumentParser:
    p = OptionParser(
        prog="python -m ocelot_build",
        description="Build right-sized OpenTelemetry Collector Lambda layers "
        "(and publish them with Pulumi).",
    )
    p.add_argument(
        "-d",
        "--distribution",
        default="default",
        help="distribution name(s), comma-separated, or 'all' (default: default)",
    )
    p.add_argument(
        "-a",
        "--architecture",
        default="amd64",
        help="amd64 (or x86_64), arm64 (or aarch64), comma-separated, or 'all' (default: amd64)",
    )
    add_upstream_options(p)
    p.add_argument(
        "-l", "--layer-name", default=api.DEFAULT_LAYER_NAME, help="base layer name (default: ocel)"
    )
    add_config_options(p)
    p.add_argument(
        "-o",
        "--output-dir",
        type=path_option,
        default=Path("build"),
        help="where zips and manifests go (default: build/)",
    )
    p.add_argument(
        "--runtimes",
        default="",
        help='compatible runtimes, space- or comma-separated, e.g. "python3.12 nodejs22.x" '
        "(default: none)",
    )
    p.add_argument("--skip-publish", action="store_true", help="build only, do not publish")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (layers, cache keys, hit or miss) and stop: build and write nothing",
    )
    p.add_argument(
        "--stack",
        default=None,
        help="Pulumi stack to publish into (default: none; required unless --skip-publish)",
    )
    p.add_argument("--public", action="store_true", help="publish with a public permission")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument(
        "--verify",
        action="store_true",
        help="boot each layer against a local Lambda Extensions API before output",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="boot check without isolation: the layer can read your files and environment",
    )
    p.add_argument(
        "--no-limits",
        action="store_true",
        help="boot check without Lambda's memory, CPU and process limits (recorded as such)",
    )
    p.add_argument("--keep-temp", action="store_true", help="keep and print the work trees")
    p.add_argument(
        "-j",
        "--jobs",
        default="auto",
        help="layers built at a time: auto (one per core, within memory) or N "
        "(default: auto; see docs/benchmarks.md)",
    )
    p.add_argument(
        "--timings",
        type=Path,
        help="write wall and CPU seconds per build step as JSON to this file (default: none)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="stream git and go output")
    return p


def _split(text: str) -> list[str]:
    return list(split_list(text))


def _named(distributions: tuple[str, ...], config: Path | None) -> list[str]:
    """The distribution names ``-d`` stands for (``all`` read from the file), so the layer
    name is checked against the longest of them before anything is built."""
    if "all" not in distributions:
        return list(distributions)
    if distributions != ("all",):
        raise UsageError(ALL_ALONE)
    if config is not None and not config.is_file():
        return []  # reported below, with the other option checks
    return list(load_distributions(config, memo=yaml_memo()).distributions)


def parse_request(argv: list[str]) -> tuple[api.BuildRequest, publish.PublishRequest | None]:
    """The build, and the publish step unless ``--skip-publish``: every option checked."""
    return request_from(parser().parse_args(argv))


def request_from(
    args: argparse.Namespace,
) -> tuple[api.BuildRequest, publish.PublishRequest | None]:
    archs = _split(args.architecture)
    architectures = (
        tuple(Architecture)
        if archs == ["all"]
        else tuple(dict.fromkeys(Architecture.parse(a) for a in archs))
    )
    if not architectures:
        raise UsageError("no architecture given; allowed: amd64, arm64, all")
    distributions = tuple(dict.fromkeys(_split(args.distribution)))
    if not distributions:
        raise UsageError("no distribution given")
    runtimes = split_list(args.runtimes)
    check_runtimes(list(runtimes))
    named = _named(distributions, args.config)
    check_layer_name(args.layer_name, longest_suffix(named, [a.value for a in architectures]))
    jobs = parse_jobs(args.jobs)
    if args.timings is not None and not args.timings.parent.is_dir():
        raise UsageError(f"--timings {args.timings}: {args.timings.parent} is not a directory")
    problem = None if args.config is None else not_a_file(args.config)
    if problem:
        raise UsageError(f"distributions file {args.config} {problem}")
    request = api.BuildRequest(
        distributions=distributions,
        architectures=architectures,
        upstream_repo=args.upstream_repo,
        upstream_ref=args.upstream_ref,
        layer_name=args.layer_name,
        config_path=args.config,
        output_dir=args.output_dir,
        registry_path=args.components,
        use_cache=not args.no_cache,
        keep_temp=args.keep_temp,
        verbose=args.verbose,
        verify=args.verify,
        sandbox=not args.no_sandbox,
        limits=not args.no_limits,
        jobs=jobs,
        timings_path=args.timings,
    )
    if args.skip_publish:
        _refuse_publish_options(args)
    if args.skip_publish or args.dry_run:
        return request, None
    if not args.stack:
        raise UsageError("publishing needs --stack NAME (or pass --skip-publish)")
    publishing = publish.PublishRequest(
        stack=args.stack,
        build=request,
        distributions=tuple(named),
        public=args.public,
        runtimes=runtimes,
    )
    return request, publishing


def _refuse_publish_options(args: argparse.Namespace) -> None:
    """``--skip-publish`` with an option only publishing reads: the user meant one of the two,
    and silently dropping ``--public`` or ``--stack`` hides which."""
    only_publishing = {"--stack": args.stack, "--public": args.public, "--runtimes": args.runtimes}
    given = [name for name, value in only_publishing.items() if value]
    if given:
        raise UsageError(
            f"{', '.join(given)}: only publishing reads {'them' if len(given) > 1 else 'it'}, "
            "and --skip-publish turns publishing off; drop one or the other"
        )


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    request, publishing = request_from(args)
    if args.dry_run:
        print(plan_table(api.plan_build(request)))
        return 0
    prepared = None
    if publishing is not None:
        proc.require_pulumi("pass --skip-publish to only build")
        prepared = publish.prepare(publishing)  # every stack check, before any build
    artifacts = api.build_layers(request)
    print(summary(artifacts))
    print(written_and_next(artifacts, publishing=prepared is not None))
    if prepared is not None:
        result = publish.publish(prepared, artifacts, progress=_stderr if request.verbose else None)
        report_published(result)
    return 0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def report_published(result: publish.PublishResult) -> None:
    """Config changes on stderr; one ``region  distribution  arch  ARN`` line per layer."""
    for change in result.config_changes:
        print(f"stack {result.stack}: {change}", file=sys.stderr)
    for layer in result.layers:
        print(f"{layer.region}  {layer.distribution}  {layer.architecture}  {layer.arn}")


def main(argv: list[str] | None = None) -> int:
    return command_main("ocelot", lambda: run(sys.argv[1:] if argv is None else argv))
