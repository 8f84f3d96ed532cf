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
import platform
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ocelot_build import api, proc
from ocelot_build.budgets import MIB
from ocelot_build.catalogue import Component, members
from ocelot_build.config import Distribution, short_tag
from ocelot_build.errors import OcelotError, OptionParser, UsageError, command_main
from ocelot_build.files import atomic_write_bytes, split_list, write_json
from ocelot_build.model import Architecture
from ocelot_build.progress import Progress
from ocelot_build.resolve import resolve

BASE = "minimal"
DEFAULT_RUNS = 5
BootFn = Callable[[api.LayerArtifact], tuple[float | None, int | None, str]]


@dataclass(frozen=True)
class Boots:
    """Init times (ms) and peak RSS (KiB) of the passed boots of one layer; ``failed`` is
    the first failure's reason (a failed boot has no meaningful figures)."""

    init_ms: tuple[float, ...] = ()
    rss_kb: tuple[int, ...] = ()
    failed: str = ""

    @property
    def init_median(self) -> float | None:
        return statistics.median(self.init_ms) if self.init_ms else None

    @property
    def init_spread(self) -> float | None:
        """max - min over the boots: how far one boot can be from another."""
        return max(self.init_ms) - min(self.init_ms) if self.init_ms else None

    @property
    def rss_median(self) -> float | None:
        return statistics.median(self.rss_kb) if self.rss_kb else None


@dataclass(frozen=True)
class Layer:
    """One built layer's figures."""

    zip_size: int
    unzipped_size: int
    modules: frozenset[str]
    boots: Boots | None  # None: not booted (another architecture)


@dataclass(frozen=True)
class Row:
    """What one component adds to the base layer on one architecture."""

    tag: str
    kind: str
    source: str
    architecture: str
    zip_mib: float | None = None
    unzipped_mib: float | None = None
    init_ms: float | None = None
    init_spread_ms: float | None = None
    rss_mib: float | None = None
    modules_added: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Report:
    """Everything the markdown, the JSON and the chart are made of."""

    upstream: str
    commit: str
    collector_version: str
    go_version: str
    runs: int
    base_tags: tuple[str, ...]
    base: dict[str, Layer] = field(default_factory=dict)  # per architecture
    rows: list[Row] = field(default_factory=list)


def parser() -> argparse.ArgumentParser:
    p = OptionParser(
        prog="python -m ocelot_build.costs",
        description=f"What each component adds to {BASE!r}: size, init time, memory, modules.",
    )
    p.add_argument("-r", "--upstream-repo", default=api.DEFAULT_UPSTREAM_REPO)
    p.add_argument("-b", "--upstream-ref", default=api.DEFAULT_UPSTREAM_REF)
    p.add_argument("-a", "--architecture", default="amd64", help="amd64, arm64, or both")
    p.add_argument("-c", "--config", type=Path, default=None, help="distributions file")
    p.add_argument("--components", type=Path, default=None, help="overlay component registry")
    p.add_argument("-o", "--output-dir", type=Path, default=Path("build/costs"))
    p.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="boots per layer")
    p.add_argument("--only", default="", help="comma-separated component tags (default: all)")
    p.add_argument("--no-chart", action="store_true", help="skip the chart (no matplotlib)")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def _request(args: argparse.Namespace) -> api.BuildRequest:
    archs = tuple(dict.fromkeys(Architecture.parse(a) for a in split_list(args.architecture)))
    if args.runs < 1:
        raise UsageError(f"--runs must be at least 1, got {args.runs}")
    if not archs:
        raise UsageError("no architecture given; allowed: amd64, arm64")
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


def host() -> Architecture | None:
    try:
        return Architecture.parse(platform.machine())
    except UsageError:
        return None


def boot_once(artifact: api.LayerArtifact) -> tuple[float | None, int | None, str]:
    """One boot check: (init ms, peak RSS KiB, failure reason or "")."""
    from ocelot_build.verify import verify_layer

    report = verify_layer(
        artifact.zip_path,
        architecture=artifact.architecture,
        components=artifact.manifest.components,
    )
    if report.status != "passed":
        return None, None, f"boot check {report.status}: {report.reason}"
    return report.init_ms, report.peak_rss_kb, ""


def measure(
    artifact: api.LayerArtifact, runs: int, boot: BootFn, alongside: api.LayerArtifact | None = None
) -> tuple[Layer, Layer | None]:
    """Sizes and modules from the manifest; boots only on the machine's own architecture.

    With ``alongside`` (the base layer) the two are booted in turn, round by round, and the
    base's figures of those same rounds come back too: a change in the machine's load then
    moves both medians alike instead of showing up as a component's cost.
    """
    pair = [artifact] if alongside is None else [artifact, alongside]
    booted = artifact.architecture is host()
    samples: list[tuple[list[float], list[int], list[str]]] = [([], [], []) for _ in pair]
    for _ in range(runs if booted else 0):
        for layer, (inits, rss, failed) in zip(pair, samples, strict=True):
            if failed:
                continue
            init_ms, rss_kb, failure = boot(layer)
            if failure:
                failed.append(failure)
            if init_ms is not None and not failure:
                inits.append(init_ms)
            if rss_kb is not None and not failure:
                rss.append(rss_kb)
    layers = [
        Layer(
            a.manifest.zip.size,
            a.manifest.unzipped_size,
            frozenset(mod["path"] for mod in a.manifest.modules),
            Boots(tuple(i), tuple(r), (f or [""])[0]) if booted else None,
        )
        for a, (i, r, f) in zip(pair, samples, strict=True)
    ]
    return layers[0], (layers[1] if alongside is not None else None)


def compare(comp: Component, arch: str, base: Layer, layer: Layer) -> Row:
    """What ``layer`` adds to ``base``; init and RSS only when both booted and passed."""
    row = Row(
        short_tag(comp.tag),
        comp.kind,
        comp.source,
        arch,
        zip_mib=(layer.zip_size - base.zip_size) / MIB,
        unzipped_mib=(layer.unzipped_size - base.unzipped_size) / MIB,
        modules_added=tuple(sorted(layer.modules - base.modules)),
    )
    if layer.boots is None or base.boots is None:
        return replace(row, note="sizes only: init under qemu would measure the emulator")
    if layer.boots.failed or base.boots.failed:
        return replace(row, note=layer.boots.failed or f"{BASE}: {base.boots.failed}")
    b, x = base.boots, layer.boots
    assert b.init_median is not None and x.init_median is not None  # passed ⇒ measured
    return replace(
        row,
        init_ms=x.init_median - b.init_median,
        init_spread_ms=x.init_spread,
        rss_mib=(x.rss_median - b.rss_median) / 1024
        if x.rss_median is not None and b.rss_median is not None
        else None,
    )


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
    report = Report(
        proc.redact(ctx.source.repo),
        ctx.source.commit,
        ctx.version,
        ctx.go.version,
        args.runs,
        tuple(short_tag(t) for t in base.tags),
    )
    bases = {a.architecture.value: a for a in api.build_layers(pinned, distributions=[base])}
    for name, artifact in bases.items():
        progress.say(f"{BASE}/{name}: booting {args.runs} times")
        report.base[name] = measure(artifact, args.runs, boot)[0]
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
            layer, paired = measure(artifact, args.runs, boot, alongside=bases[name])
            report.rows.append(compare(comp, name, paired or report.base[name], layer))
    return report


def _num(value: float | None, fmt: str = "{:+.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def markdown(report: Report) -> str:
    """The table per architecture, largest zip cost first, with what the base costs."""
    lines = [
        f"Upstream `{report.upstream}` at `{report.commit[:12]}` (collector "
        f"{report.collector_version}), Go {report.go_version}; {BASE} is "
        f"`{', '.join(report.base_tags)}`; {report.runs} boots per layer.",
        "",
    ]
    for arch, base in report.base.items():
        lines.append(f"### {arch}")
        lines.append("")
        figures = f"{BASE}: {base.zip_size / MIB:.2f} MiB zip, {base.unzipped_size / MIB:.2f} MiB"
        figures += f" unzipped, {len(base.modules)} modules"
        if base.boots and base.boots.init_median is not None:
            figures += (
                f", init {base.boots.init_median:.0f} ms median "
                f"(spread {_num(base.boots.init_spread, '{:.0f}')} ms)"
            )
            if base.boots.rss_median is not None:
                figures += f", peak RSS {base.boots.rss_median / 1024:.1f} MiB"
        lines += [figures + ".", ""]
        lines.append(
            "| component | kind | source | + zip MiB | + unzipped MiB | + init ms (median) "
            "| init spread ms | + RSS MiB | + modules | note |"
        )
        lines.append("|---|---|---|--:|--:|--:|--:|--:|--:|---|")
        rows = sorted(
            (r for r in report.rows if r.architecture == arch),
            key=lambda r: (-(r.zip_mib or 0.0), r.tag),
        )
        for r in rows:
            lines.append(
                f"| `{r.tag}` | {r.kind} | {r.source} | {_num(r.zip_mib)} | "
                f"{_num(r.unzipped_mib)} | {_num(r.init_ms, '{:+.0f}')} | "
                f"{_num(r.init_spread_ms, '{:.0f}')} | {_num(r.rss_mib, '{:+.1f}')} | "
                f"{len(r.modules_added)} | {r.note} |"
            )
        lines.append("")
    lines += _modules_details(report)
    return "\n".join(lines)


def _modules_details(report: Report) -> list[str]:
    """The modules each component adds (the same on every architecture), folded."""
    first = next(iter(report.base), None)
    rows = [r for r in report.rows if r.architecture == first and r.modules_added]
    if not rows:
        return []
    lines = ["<details><summary>Go modules each component adds</summary>", ""]
    for r in sorted(rows, key=lambda r: r.tag):
        lines.append(f"- `{r.tag}` ({len(r.modules_added)}): " + ", ".join(r.modules_added))
    return [*lines, "", "</details>", ""]


def as_json(report: Report) -> dict[str, Any]:
    return {
        "upstream": report.upstream,
        "commit": report.commit,
        "collector_version": report.collector_version,
        "go_version": report.go_version,
        "runs": report.runs,
        "base_tags": list(report.base_tags),
        "base": {
            arch: {
                "zip_size": b.zip_size,
                "unzipped_size": b.unzipped_size,
                "modules": len(b.modules),
                "init_ms": list(b.boots.init_ms) if b.boots else None,
                "peak_rss_kb": list(b.boots.rss_kb) if b.boots else None,
            }
            for arch, b in report.base.items()
        },
        "rows": [r.__dict__ | {"modules_added": list(r.modules_added)} for r in report.rows],
    }


def _pyplot() -> Any:
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
    """Bars per component: added zip MiB, and added init ms with its spread, for the first
    architecture (the one with boots, when there is one)."""
    plt = _pyplot()
    booted = [a for a, b in report.base.items() if b.boots is not None]
    arch = (booted or list(report.base))[0]
    rows = sorted(
        (r for r in report.rows if r.architecture == arch and r.zip_mib is not None),
        key=lambda r: r.zip_mib or 0.0,
    )
    with_init = any(r.init_ms is not None for r in rows)
    fig, axes = plt.subplots(
        1, 2 if with_init else 1, figsize=(12 if with_init else 7, 0.28 * len(rows) + 1.5)
    )
    axes = list(axes) if with_init else [axes]
    names = [r.tag for r in rows]
    axes[0].barh(names, [r.zip_mib or 0.0 for r in rows], color="#4477aa")
    axes[0].set_xlabel(f"added zip MiB ({arch})")
    if with_init:
        axes[1].barh(
            names,
            [r.init_ms or 0.0 for r in rows],
            xerr=[(r.init_spread_ms or 0.0) / 2 for r in rows],
            color="#cc6677",
        )
        axes[1].set_xlabel(f"added init ms, median (error bar: half the spread; {arch})")
        axes[1].set_yticklabels([])
    for ax in axes:
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"What each component adds to {BASE} (upstream {report.commit[:12]})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("ocelot", lambda: _main(sys.argv[1:] if argv is None else list(argv)))


def _main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if not args.no_chart:
        _pyplot()  # before the builds: a missing extra is bad input, not a late failure
    report = run(args)
    out = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "component-costs.md", markdown(report).encode())
    write_json(out / "component-costs.json", as_json(report))
    if not args.no_chart:
        chart(report, out / "component-costs.png")
    print(f"wrote {out / 'component-costs.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
