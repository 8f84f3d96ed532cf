"""Benchmark: ocelot's matrix build against the reference tool's clone-per-layer recipe.

Scenarios, run on the same machine in one invocation:

  (a) ``python -m ocelot_build`` for the whole matrix, empty ocelot cache and empty Go build
      cache, warm Go module cache;
  (b) the same command again (every layer a cache hit);
  (c) per layer, what the reference tool did: a fresh shallow clone, overlay wrappers
      copied in, ``go mod edit -require`` + ``go mod tidy``, ``make package`` with GOARCH and
      BUILDTAGS, and a fresh Go build cache (its CI kept none);
  (d) the same recipe run locally, as a user on a laptop would: one Go build cache shared
      by every layer (empty at the start, like (a)'s).

Each scenario reports wall time, CPU time (user + system of every child process) and the
peak RSS of the largest child. With no ``--upstream`` it builds against the offline test
stand-in; give a path or URL of opentelemetry-lambda to measure the real thing.

    uv run python bench/matrix.py                                  # stand-in, quick
    uv run python bench/matrix.py --upstream PATH --config FILE    # a real upstream
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ocelot_build.core.errors import UsageError, command_main  # noqa: E402
from ocelot_build.core.files import split_list  # noqa: E402
from ocelot_build.core.gobuildexpr import satisfied  # noqa: E402
from ocelot_build.core.manifest import LayerManifest  # noqa: E402
from ocelot_build.core.model import Architecture  # noqa: E402
from ocelot_build.core.toolchain import find_go  # noqa: E402
from ocelot_build.stages.catalogue import PLATFORM  # noqa: E402
from ocelot_build.stages.config import load_distributions  # noqa: E402
from ocelot_build.stages.outputs import manifest_paths  # noqa: E402
from ocelot_build.stages.registry import PROJECT_REGISTRY, load_registry  # noqa: E402
from ocelot_build.stages.schedule import parse_jobs  # noqa: E402

SCENARIOS = "abcd"


@dataclass(frozen=True)
class Figures:
    label: str
    layers: int
    wall: float
    cpu: float
    peak_mb: float


class Usage:
    """CPU and peak RSS of the commands run while measuring, from each one's wait4()."""

    cpu = 0.0
    peak_kb = 0


def progress(message: str) -> None:
    """A timed line on stderr with the load average: a full run takes an hour or more, and
    the load beside each step is what says whether its figures can be trusted."""
    stamp = time.strftime("%H:%M:%S")
    print(f"bench {stamp} (load {os.getloadavg()[0]:.2f}): {message}", file=sys.stderr, flush=True)


def measure(label: str, layers: int, action) -> Figures:
    """Run ``action`` (which only runs commands through ``run``) and measure it."""
    Usage.cpu, Usage.peak_kb = 0.0, 0
    progress(f"{label}: started, {layers} layers")
    start = time.monotonic()
    action()
    wall = time.monotonic() - start
    progress(f"{label}: done, {wall:.1f} s wall, {Usage.cpu:.1f} s CPU")
    return Figures(label, layers, wall, Usage.cpu, Usage.peak_kb / 1024)


def run(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
    """Run one command; its rusage (with its waited-for descendants) goes into Usage."""
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        Usage.cpu += usage.ru_utime + usage.ru_stime
        Usage.peak_kb = max(Usage.peak_kb, usage.ru_maxrss)
        if child.returncode != 0:
            log.seek(0)
            tail = "\n".join(log.read().decode(errors="replace").strip().splitlines()[-25:])
            raise SystemExit(
                f"bench: command failed ({child.returncode}): {' '.join(argv)}\n{tail}"
            )


def ocelot_matrix(args: argparse.Namespace, work: Path, jobs: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ocelot_build",
        "-d",
        ",".join(args.dists),
        "-a",
        ",".join(args.archs),
        "-r",
        args.upstream,
        "-b",
        args.ref,
        "--skip-publish",
        "-c",
        str(args.config),
        "--components",
        str(args.components),
        "-o",
        str(work / "out"),
        "-j",
        jobs,
        "--timings",
        str(work / "timings.json"),
    ]


def baseline_layer(
    args: argparse.Namespace,
    dist_name: str,
    arch: str,
    work: Path,
    env: dict[str, str],
    gocache: Path | None = None,
) -> None:
    """One layer the way the reference tool built it (see docs/benchmarks.md): with a fresh
    Go build cache, deleted afterwards, unless ``gocache`` (shared by the layers) is given."""
    dists = load_distributions(args.config)
    dist = dists.distributions[dist_name]
    registry = load_registry(dists.components, dists.path.parent, args.components)
    clone = work / f"clone-{dist_name}-{arch}"
    url = args.upstream if "://" in args.upstream else Path(args.upstream).resolve().as_uri()
    shallow_checkout(url, args.ref, clone, env)
    collector = clone / "collector"
    active = frozenset(dist.tags) | PLATFORM
    chosen = [
        s
        for s in registry.values()
        if any(satisfied(line, active) for line in s.build_lines().values())
    ]
    edits = []
    for spec in chosen:
        for wrapper in spec.files:
            shutil.copy(wrapper, collector / "lambdacomponents" / spec.kind / wrapper.name)
        for mod in spec.modules:
            if mod.local:
                edits += [
                    f"-require={mod.path}@v0.0.0-00010101000000-000000000000",
                    f"-replace={mod.path}={mod.local}",
                ]
            else:
                edits.append(f"-require={mod.path}@{mod.version or args.version}")
    edits += [f"-replace={old}={new}" for old, new in dists.go_replaces.items()]
    if edits:
        run([args.go, "mod", "edit", *edits], env, collector)
        run([args.go, "mod", "tidy"], env, collector)
    if dist.config_file:
        shutil.copy(dist.config_file, collector / "config.yaml")
    layer_env = {
        **env,
        "GOARCH": arch,
        "BUILDTAGS": ",".join(dist.tags),
        "GOCACHE": str(gocache or work / f"gocache-{dist_name}-{arch}"),
    }
    run(["make", "package"], layer_env, collector)
    shutil.rmtree(clone, ignore_errors=True)
    if gocache is None:
        shutil.rmtree(layer_env["GOCACHE"], ignore_errors=True)


def baseline_layers(
    args: argparse.Namespace,
    layers: list[tuple[str, str]],
    work: Path,
    env: dict[str, str],
    gocache: Path | None,
) -> None:
    """(c) or (d): the recipe for every layer, one after the other, with a line per layer."""
    for i, (dist, arch) in enumerate(layers, 1):
        start = time.monotonic()
        baseline_layer(args, dist, arch, work, env, gocache)
        progress(f"  layer {i}/{len(layers)} {dist}/{arch}: {time.monotonic() - start:.1f} s")


def shallow_checkout(url: str, ref: str, dest: Path, env: dict[str, str]) -> None:
    """``git clone --depth 1 --branch REF``, for any ref: a branch, a tag or a full commit
    SHA (``--branch`` refuses a SHA; fetching one by name works on any modern server)."""
    run(["git", "init", "--quiet", str(dest)], env)
    run(["git", "-C", str(dest), "fetch", "--quiet", "--depth", "1", url, ref], env)
    run(["git", "-C", str(dest), "checkout", "--quiet", "FETCH_HEAD"], env)


def layer_hashes(out: Path) -> dict[str, str]:
    """``<file>.zip`` → sha256 for every layer a run wrote."""

    return {p.stem: LayerManifest.read(p).zip.sha256 for p in manifest_paths(out)}


def scenarios(args: argparse.Namespace, base_env: dict[str, str]) -> list[Figures]:
    n = len(args.dists) * len(args.archs)
    results = []
    args.hashes, args.timings = [], []
    for jobs in args.jobs if "a" in args.scenarios else []:
        with tempfile.TemporaryDirectory(prefix="ocelot-bench-") as tmp:
            work = Path(tmp)
            env = {
                **base_env,
                "OCELOT_CACHE_DIR": str(work / "cache"),
                "GOCACHE": str(work / "gocache"),
            }
            cmd = ocelot_matrix(args, work, jobs)
            label = f"(a) ocelot, empty caches, -j {jobs}"
            results.append(measure(label, n, lambda: run(cmd, env)))  # noqa: B023
            args.hashes.append(layer_hashes(work / "out"))
            args.timings.append((label, json.loads((work / "timings.json").read_text())))
            if jobs == args.jobs[0] and "b" in args.scenarios:
                results.append(measure("(b) ocelot, all cache hits", n, lambda: run(cmd, env)))  # noqa: B023
    layers = [(d, a) for d in args.dists for a in args.archs]
    for scenario, label, shared in (
        ("c", "(c) clone-per-layer baseline", False),
        ("d", "(d) clone-per-layer, shared Go build cache", True),
    ):
        if scenario not in args.scenarios:
            continue
        with tempfile.TemporaryDirectory(prefix="ocelot-bench-base-") as tmp:
            work = Path(tmp)
            cache = work / "gocache-shared" if shared else None
            results.append(
                measure(
                    label,
                    n,
                    lambda: baseline_layers(args, layers, work, base_env, cache),  # noqa: B023
                )
            )
    return results


def table(results: list[Figures]) -> str:
    """One row per scenario; each row's wall time as a fraction of (c)'s and of (d)'s."""
    base = {k: next((r for r in results if r.label.startswith(f"({k})")), None) for k in "cd"}
    rows = [
        "| scenario | layers | wall s | s/layer | CPU s | peak RSS MiB "
        "| wall vs (c) | wall vs (d) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratios = [f"{r.wall / b.wall:.2f}" if b else "n/a" for b in base.values()]
        rows.append(
            f"| {r.label} | {r.layers} | {r.wall:.1f} | {r.wall / r.layers:.2f} | "
            f"{r.cpu:.1f} | {r.peak_mb:.0f} | {' | '.join(ratios)} |"
        )
    return "\n".join(rows)


def determinism(runs: list[dict[str, str]]) -> str:
    """Whether separate clean (a) runs wrote byte-identical layers, with the hashes."""
    if len(runs) < 2:
        return ""
    same = all(r == runs[0] for r in runs[1:])
    lines = [
        f"\nclean runs of (a): {len(runs)}; every layer byte-identical across them: "
        f"{'yes' if same else 'NO'}",
        "",
    ]
    lines += [f"    {name}  {sha}" for name, sha in runs[0].items()]
    return "\n".join(lines) + "\n"


def read_sha256sums(path: Path) -> dict[str, str]:
    """A ``sha256sum`` listing (``<sha>  <path>.zip`` per line) → layer name → sha256, so a
    run can be held against zips written by other code, or by ``sha256sum *.zip``."""
    pairs = (line.split(maxsplit=1) for line in path.read_text().splitlines() if line.strip())
    return {Path(name.strip()).name.removesuffix(".zip"): sha for sha, name in pairs}


def write_sha256sums(path: Path, hashes: dict[str, str]) -> None:
    path.write_text("".join(f"{sha}  {name}.zip\n" for name, sha in sorted(hashes.items())))


def against_expected(runs: list[dict[str, str]], expected: dict[str, str], source: str) -> str:
    """Layer by layer, whether each clean (a) run wrote the bytes an earlier run recorded:
    the check that a faster schedule changed no output."""
    lines = []
    for i, run_hashes in enumerate(runs, 1):
        names = sorted(set(run_hashes) | set(expected))
        differ = [n for n in names if run_hashes.get(n) != expected.get(n)]
        lines.append(
            f"\nclean run {i} of (a) against {source}: "
            f"{len(names) - len(differ)} of {len(names)} layers byte-identical"
        )
        for n in differ:
            ours, theirs = run_hashes.get(n, "not written"), expected.get(n, "not listed")
            lines.append(f"    differs: {n}  {ours} vs {theirs}")
    return "\n".join(lines) + ("\n" if lines else "")


def breakdown(label: str, timings: dict) -> str:
    """Where one (a) run's time went, from its ``--timings`` file: per step, and the
    ``go build`` of the leads (which compile) apart from the others' (which mostly link).
    Summed wall exceeds the run's wall when steps ran side by side."""
    leads = set(timings.get("leads", []))
    rows: dict[str, list[float]] = {}
    for step in timings["steps"]:
        name = step["step"]
        if name == "go build":
            name += " (lead: compiles)" if step["subject"] in leads else " (others: link)"
        row = rows.setdefault(name, [0, 0.0, 0.0])
        row[0] += 1
        row[1] += step["wall"]
        row[2] += step["cpu"]
    cpu = sum(r[2] for r in rows.values()) or 1.0
    lines = [
        f"\nwhere the time went, {label}: jobs {timings.get('jobs')}, leads "
        f"{', '.join(sorted(leads)) or 'none'}, {len(timings.get('trees', []))} work trees "
        f"for {int(rows.get('package', [0])[0])} layers built; run wall {timings['wall']:.1f} s\n",
        "| step | count | wall s (summed) | CPU s | share of CPU |",
        "|---|---|---|---|---|",
    ]
    for name, (count, wall, secs) in sorted(rows.items(), key=lambda kv: -kv[1][2]):
        lines.append(f"| {name} | {count} | {wall:.1f} | {secs:.1f} | {secs / cpu:.0%} |")
    return "\n".join(lines) + "\n"


def standin_upstream(work: Path) -> tuple[str, Path, Path]:
    """Create the offline stand-in and a distributions file for it."""
    from engine.conftest import MINIMAL_CONFIG, MINIMAL_TAGS, write_dists
    from standin import make_standin_upstream

    repo = make_standin_upstream(work / "standin", bare=True)
    (work / "minimal.yaml").write_text(MINIMAL_CONFIG)
    config = write_dists(
        work / "distributions.yaml",
        {
            "default": {"description": "upstream default", "build-tags": []},
            "minimal": {
                "description": "m",
                "build-tags": MINIMAL_TAGS,
                "config-file": "minimal.yaml",
            },
            "minimal-memlimit": {
                "description": "m",
                "base": "minimal",
                "build-tags": ["processor.memorylimiter"],
            },
        },
    )
    registry = work / "components.yaml"
    registry.write_text("components: {}\n")
    return str(repo.path), config, registry


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/matrix.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", help="opentelemetry-lambda path or URL (default: stand-in)")
    p.add_argument("--ref", default="main")
    p.add_argument("--config", type=Path, help="distributions file")
    p.add_argument("--components", type=Path, default=PROJECT_REGISTRY)
    p.add_argument(
        "-d", "--distributions", default="all", help="comma-separated distributions, or all"
    )
    p.add_argument("-a", "--architectures", default="amd64,arm64")
    p.add_argument(
        "-j", "--jobs", default="auto", help="comma-separated -j values for (a): auto or N"
    )
    p.add_argument("--scenarios", default="abcd", help="which of a, b, c, d to run (default: all)")
    p.add_argument("--skip-baseline", action="store_true", help="same as --scenarios ab")
    p.add_argument("--markdown", type=Path, help="also write the table to this file")
    p.add_argument(
        "--save-hashes",
        type=Path,
        help="write the first clean (a) run's zip sha256s here, in sha256sum's format",
    )
    p.add_argument(
        "--expect-hashes",
        type=Path,
        help="a sha256sum listing of an earlier run's zips: report, layer by layer, "
        "whether each clean (a) run wrote the same bytes",
    )
    args = p.parse_args(argv)
    if args.skip_baseline:
        args.scenarios = args.scenarios.replace("c", "").replace("d", "")
    try:
        _check_options(args)
    except UsageError as e:
        p.error(e.message)
    args.expected = _expected_hashes(p, args.expect_hashes)
    return args


def _check_options(args: argparse.Namespace) -> None:
    """Every option, before a run that takes an hour: a typo must not surface at its end, nor
    as a traceback. ``-d`` is checked here against the distributions file too, unless the
    stand-in, which makes its own file when it runs, is the upstream (then ``_run`` does)."""
    letters = args.scenarios.strip()
    if not letters or set(letters) - set(SCENARIOS):
        raise UsageError(
            f"--scenarios {args.scenarios!r}: use letters from {SCENARIOS}, e.g. abcd or ad"
        )
    if "b" in letters and "a" not in letters:
        raise UsageError("--scenarios: b reruns a's command on a's cache, so it needs a too")
    args.scenarios = letters
    args.archs = [Architecture.parse(a).value for a in split_list(args.architectures)]
    if not args.archs:
        raise UsageError("-a/--architectures: name at least one of amd64, arm64")
    args.jobs = list(split_list(args.jobs))
    if not args.jobs:
        raise UsageError("-j/--jobs: name at least one value, e.g. auto or 1,2")
    for jobs in args.jobs:
        parse_jobs(jobs)
    for option, path in (("--markdown", args.markdown), ("--save-hashes", args.save_hashes)):
        if path is not None and not path.parent.is_dir():
            raise UsageError(f"{option} {path}: {path.parent} is not a directory")
    if args.config is not None and not args.config.is_file():
        raise UsageError(f"--config {args.config}: no such distributions file")
    if args.upstream is not None:  # the stand-in brings its own file, made when it runs
        args.config = args.config or ROOT / "config" / "distributions.yaml"
        args.dists = _chosen(args)


def _chosen(args: argparse.Namespace) -> list[str]:
    """``-d``'s names, checked against the distributions file (``all``: all of them)."""
    chosen = load_distributions(args.config).select(list(split_list(args.distributions)))
    return [d.name for d in chosen]


def _expected_hashes(p: argparse.ArgumentParser, path: Path | None) -> dict[str, str] | None:
    """Read ``--expect-hashes`` before a long run, so a bad file fails in a second."""
    if path is None:
        return None
    try:
        expected = read_sha256sums(path)
    except (OSError, ValueError) as e:
        p.error(f"--expect-hashes {path}: not a readable sha256sum listing ({e})")
    if not expected:
        p.error(f"--expect-hashes {path}: lists no zips; expected lines '<sha256>  <layer>.zip'")
    return expected


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return command_main("bench/matrix.py", lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCELOT_")}
    go = find_go()
    env.update(go.env())
    env["PATH"] = f"{go.go.parent}{os.pathsep}{env.get('PATH', '')}"
    with tempfile.TemporaryDirectory(prefix="ocelot-bench-up-") as tmp:
        if args.upstream is None:
            args.upstream, args.config, args.components = standin_upstream(Path(tmp))
            env.update({"GOPROXY": "off", "GOFLAGS": "-mod=mod"})
            args.dists = _chosen(args)
        args.go = str(go.go)
        args.version = _collector_version(args)
        results = scenarios(args, env)
    header = (
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{_mem_gb():.0f} GB; Go {go.version}; upstream {args.upstream} @ {args.ref}; "
        f"{time.strftime('%Y-%m-%d')}"
    )
    if args.save_hashes and args.hashes:
        write_sha256sums(args.save_hashes, args.hashes[0])
    compared = (
        against_expected(args.hashes, args.expected, args.expect_hashes.name)
        if args.expected
        else ""
    )
    where = "".join(breakdown(label, data) for label, data in args.timings)
    text = f"{header}\n\n{table(results)}\n{determinism(args.hashes)}{compared}{where}"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


def _collector_version(args: argparse.Namespace) -> str:
    from ocelot_build.stages.resolve import collector_version
    from ocelot_build.stages.upstream import fetch_upstream
    from ocelot_build.store.cache import Cache

    with tempfile.TemporaryDirectory() as tmp:
        source = fetch_upstream(args.upstream, args.ref, Cache(Path(tmp)))
        return collector_version(source.read_file("collector/go.mod") or "")


def _mem_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9


if __name__ == "__main__":
    sys.exit(main())
