"""Every build tag a distribution may use at the resolved upstream commit, with what it is.

``python -m ocelot_build.components``: kind, tag, the YAML id(s) to write in a collector
config, the Go package that provides it, and, where docs/component-costs.json has them, what
it adds to ``minimal`` (zip MiB and init ms, from the last measured run). The tags are read
from upstream's ``//go:build`` lines plus the overlay registry, exactly as a build checks
them; YAML ids come from each component's source (``go list`` finds it in the Go module
cache, downloading what is missing), or from the registry's ``id``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ocelot_build.api import BuildRequest
from ocelot_build.core.errors import OptionParser, command_main, path_option
from ocelot_build.core.files import PROJECT_ROOT, temp_prefix
from ocelot_build.core.model import Architecture
from ocelot_build.core.options import add_config_options, add_upstream_options
from ocelot_build.core.progress import Progress
from ocelot_build.stages.catalogue import Component
from ocelot_build.stages.collector_config import component_ids
from ocelot_build.stages.config import CUSTOM_TAG, short_tag
from ocelot_build.stages.gobuild import go_env
from ocelot_build.stages.resolve import Context, resolve

COSTS_JSON = PROJECT_ROOT / "docs" / "component-costs.json"


@dataclass(frozen=True)
class ComponentRow:
    kind: str
    tag: str  # without the lambdacomponents. prefix
    yaml_ids: tuple[str, ...]  # canonical first; empty when the source could not be read
    module: str  # the Go package (upstream) or module (overlay) that provides it
    source: str  # upstream or overlay
    zip_mib: float | None = None  # added to minimal, from docs/component-costs.json
    init_ms: float | None = None
    init_is_noise: bool = False  # its 95% interval includes 0: not told apart from minimal
    in_minimal: bool = False  # part of the base the costs are measured against


def catalogue_rows(ctx: Context, costs: dict[str, dict[str, Any]]) -> list[ComponentRow]:
    """One row per component tag of the catalogue, sorted by kind and tag."""
    comps = sorted(ctx.catalogue.components.values(), key=lambda c: (c.kind, c.tag))
    ids = _ids(ctx, comps)
    rows = []
    for comp in comps:
        spec = ctx.registry.get(comp.tag)
        module = (
            spec.modules[0].path if spec and spec.modules else min(comp.factory_imports, default="")
        )
        found = ids.get(comp.kind, {}).get(comp.name, ())
        cost = costs.get(short_tag(comp.tag), {})
        rows.append(
            ComponentRow(
                comp.kind,
                short_tag(comp.tag),
                found,
                module,
                comp.source,
                **cost_fields(cost),
            )
        )
    return rows


def cost_fields(cost: dict[str, Any]) -> dict[str, Any]:
    """A row's figures from its entry in ``measured_costs``."""
    return {
        "zip_mib": cost.get("zip_mib"),
        "init_ms": cost.get("init_ms"),
        "init_is_noise": "wall" not in cost.get("measurable", "wall"),
        "in_minimal": cost.get("in_minimal", False),
    }


def _ids(ctx: Context, comps: list[Component]) -> dict[str, dict[str, tuple[str, ...]]]:
    """YAML ids from each component's source, in a fresh extract of upstream's collector/
    (the build's own rule, ``collector_config.component_ids``)."""
    tags = (CUSTOM_TAG, "lambdacomponents.all")
    with tempfile.TemporaryDirectory(prefix=temp_prefix("components")) as scratch:
        tree = ctx.source.extract("collector", Path(scratch))
        env = go_env(ctx.go, Architecture.AMD64)
        return component_ids(comps, ctx.registry, tree, ctx.go, env, tags)


def measured_costs(path: Path = COSTS_JSON) -> dict[str, dict[str, Any]]:
    """short tag → its row of a costs report (amd64 first; ``zip_mib``, ``init_ms``,
    ``measurable``), and ``{"in_minimal": True}`` for the base's own tags; {} when absent."""
    try:
        report = json.loads(path.read_text())
        rows, base = report["rows"], report.get("base_tags") or []
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r.get("architecture") != "amd64"):
        if isinstance(row, dict) and isinstance(row.get("tag"), str):
            found.setdefault(short_tag(row["tag"]), row)
    for tag in base if isinstance(base, list) else []:
        found.setdefault(short_tag(str(tag)), {"in_minimal": True})
    return found


def render(rows: list[ComponentRow], other_tags: list[str], commit: str) -> str:
    head = ("kind", "tag", "yaml id", "module", "zip MiB", "init ms")
    table = [head] + [
        (
            r.kind,
            r.tag,
            ", ".join(r.yaml_ids) or "?",
            r.module + (" (overlay)" if r.source == "overlay" else ""),
            *_figures(r),
        )
        for r in rows
    ]
    widths = [max(len(t[i]) for t in table) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(t, widths, strict=True)).rstrip() for t in table]
    lines.append(
        f"\n{len(rows)} component tags at upstream commit {commit[:12]}; "
        f"also: {', '.join(other_tags)}"
    )
    lines.append(
        "zip MiB and init ms: added to minimal, from docs/component-costs.json ('?': its 95% "
        "interval includes 0, so not told apart from minimal; '-': not measured)"
    )
    return "\n".join(lines) + "\n"


def _figures(row: ComponentRow) -> tuple[str, str]:
    if row.in_minimal:
        return "in minimal", "in minimal"
    zip_mib = "-" if row.zip_mib is None else f"{row.zip_mib:+.2f}"
    if row.init_ms is None:
        return zip_mib, "-"
    return zip_mib, f"{row.init_ms:+.0f}" + ("?" if row.init_is_noise else "")


def parser() -> argparse.ArgumentParser:
    p = OptionParser(
        prog="python -m ocelot_build.components",
        description="Every build tag a distribution may use at the upstream commit: kind, "
        "tag, YAML id, Go module, and its measured size and init cost.",
    )
    add_upstream_options(p)
    add_config_options(
        p, "distributions file, for its components: (default: config/distributions.yaml)"
    )
    p.add_argument(
        "--costs",
        type=path_option,
        default=COSTS_JSON,
        help="a component-costs.json to take sizes and init times from",
    )
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="stream git and go output")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("ocelot components", lambda: _run(parser().parse_args(argv)))


def _run(args: argparse.Namespace) -> int:
    request = BuildRequest(
        distributions=(),
        architectures=(),
        upstream_repo=args.upstream_repo,
        upstream_ref=args.upstream_ref,
        config_path=args.config,
        registry_path=args.components,
        verbose=args.verbose,
    )
    with Progress(verbose=args.verbose) as progress:
        ctx, _ = resolve(request, progress)
    rows = catalogue_rows(ctx, measured_costs(args.costs))
    named = {f"lambdacomponents.{r.tag}" for r in rows}
    other = sorted(short_tag(t) for t in ctx.catalogue.known_tags - named)
    if args.json:
        json.dump([asdict(r) for r in rows], sys.stdout, indent=2)
        print()
    else:
        sys.stdout.write(render(rows, other, ctx.source.commit))
    return 0
