"""``python -m ocelot_build.diff A B``: what changed between two layers.

A and B are manifests (``<layer>-<dist>-<arch>.json``) or layer zips, read by
:mod:`ocelot_build.audit.layer_facts`. The report fits release notes and pull-request
comments (``--format markdown``) or a terminal (``--format text``). Bad input: one line,
exit 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.audit.layer_facts import LayerFacts, load
from ocelot_build.core.errors import OptionParser, command_main

MIB = 1024 * 1024
DETAILS_AFTER = 15  # markdown: longer module tables fold into <details>


@dataclass(frozen=True)
class LayerDiff:
    a: LayerFacts
    b: LayerFacts
    components_added: tuple[str, ...]
    components_removed: tuple[str, ...]
    modules_added: dict[str, str]
    modules_removed: dict[str, str]
    modules_changed: dict[str, tuple[str, str]]  # path → (A version, B version)


def compare(a: LayerFacts, b: LayerFacts) -> LayerDiff:
    ca, cb = set(a.components or ()), set(b.components or ())
    if a.components is None or b.components is None:
        ca = cb = set()  # a default-set layer cannot be compared component by component
    return LayerDiff(
        a,
        b,
        tuple(sorted(cb - ca)),
        tuple(sorted(ca - cb)),
        {p: b.modules[p] for p in sorted(b.modules.keys() - a.modules.keys())},
        {p: a.modules[p] for p in sorted(a.modules.keys() - b.modules.keys())},
        {
            p: (a.modules[p], b.modules[p])
            for p in sorted(a.modules.keys() & b.modules.keys())
            if a.modules[p] != b.modules[p]
        },
    )


def version_key(version: str) -> tuple[Any, ...]:
    """Semver order for ``vX.Y.Z[-pre]``: a release sorts after its pre-releases."""
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)(-\S+)?", version)
    if not match:
        return (0, 0, 0, 0, version)
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def direction(old: str, new: str) -> str:
    return "upgraded" if version_key(new) > version_key(old) else "downgraded"


def summary_rows(d: LayerDiff) -> Iterator[tuple[str, str, str, str]]:
    """(what, A, B, change) for the headline table."""
    a, b = d.a, d.b
    yield "collector", a.collector_version, b.collector_version, _same(a, b, "collector_version")
    commit_change = _same(a, b, "commit") if a.commit and b.commit else "n/a"
    yield "upstream commit", a.commit[:12] or "n/a", b.commit[:12] or "n/a", commit_change
    yield "Go", a.go_version, b.go_version, _same(a, b, "go_version")
    for what, attr in (("config providers", "config_providers"), ("cold start", "cold_start")):
        old, new = getattr(a, attr), getattr(b, attr)
        yield what, _names(old), _names(new), _names_change(old, new)
    yield "zip", _mib(a.zip_size), _mib(b.zip_size), _delta_bytes(a.zip_size, b.zip_size)
    yield (
        "unzipped",
        _mib(a.unzipped_size),
        _mib(b.unzipped_size),
        _delta_bytes(a.unzipped_size, b.unzipped_size),
    )
    yield "init", _ms(a.init_ms), _ms(b.init_ms), _delta_ms(a, b)
    rss_a = a.peak_rss_kb * 1024 if a.peak_rss_kb else None
    rss_b = b.peak_rss_kb * 1024 if b.peak_rss_kb else None
    yield "peak RSS", _mib(rss_a), _mib(rss_b), _delta_bytes(rss_a, rss_b)
    yield "bundled config", a.config_sha256[:12], b.config_sha256[:12], _same(a, b, "config_sha256")


def _same(a: LayerFacts, b: LayerFacts, attr: str) -> str:
    return "same" if getattr(a, attr) == getattr(b, attr) else "changed"


def _names(names: tuple[str, ...] | None) -> str:
    return "n/a" if names is None else ",".join(names) or "none"


def _names_change(old: tuple[str, ...] | None, new: tuple[str, ...] | None) -> str:
    """``changed (+x, -y)`` names what B gained and lost; n/a when either is unknown."""
    if old is None or new is None:
        return "n/a"
    gained = [f"+{n}" for n in sorted(set(new) - set(old))]
    lost = [f"-{n}" for n in sorted(set(old) - set(new))]
    return f"changed ({', '.join(gained + lost)})" if gained or lost else "same"


def _mib(size: int | None) -> str:
    return "n/a" if size is None else f"{size / MIB:.2f} MiB"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def _delta_bytes(old: int | None, new: int | None) -> str:
    if old is None or new is None:
        return "n/a"
    pct = f" ({round((new - old) / old * 100, 1) + 0.0:+.1f}%)" if old else ""
    return f"{round((new - old) / MIB, 2) + 0.0:+.2f} MiB{pct}"  # + 0.0: never "-0.00"


def _delta_ms(a: LayerFacts, b: LayerFacts) -> str:
    if a.init_ms is None or b.init_ms is None:
        return f"n/a ({a.unmeasured if a.init_ms is None else b.unmeasured})"
    return f"{round(b.init_ms - a.init_ms):+d} ms"  # round() first: never "-0 ms"


def component_lines(d: LayerDiff) -> list[tuple[str, str]]:
    """(heading, what) lines about components."""
    if d.a.components is None or d.b.components is None:
        default = d.a.label if d.a.components is None else d.b.label
        return [("components", f"{default} is upstream's default set; compare modules")]
    return [
        (f"components added ({len(d.components_added)})", _join(d.components_added)),
        (f"components removed ({len(d.components_removed)})", _join(d.components_removed)),
    ]


def _join(items: Sequence[str]) -> str:
    return ", ".join(items) or "none"


def module_rows(d: LayerDiff) -> list[tuple[str, str, str, str]]:
    """(module, change, A, B), added first, then removed, then changed."""
    rows = [(p, "added", "", v) for p, v in d.modules_added.items()]
    rows += [(p, "removed", v, "") for p, v in d.modules_removed.items()]
    rows += [(p, direction(va, vb), va, vb) for p, (va, vb) in d.modules_changed.items()]
    return rows


def module_headline(d: LayerDiff) -> str:
    changed = [direction(va, vb) for va, vb in d.modules_changed.values()]
    return (
        f"modules: {len(d.modules_added)} added, {len(d.modules_removed)} removed, "
        f"{changed.count('upgraded')} upgraded, {changed.count('downgraded')} downgraded "
        f"({len(d.a.modules)} → {len(d.b.modules)})"
    )


def render_markdown(d: LayerDiff) -> str:
    out = [f"### `{d.a.label}` → `{d.b.label}`", "", "| | A | B | change |", "|---|---|---|---|"]
    out += [f"| {w} | {va} | {vb} | {c} |" for w, va, vb, c in summary_rows(d)]
    out += ["", *(f"- **{head}:** {what}" for head, what in component_lines(d))]
    rows = module_rows(d)
    out += ["", f"**{module_headline(d)}**"]
    if rows:
        table = ["| module | change | A | B |", "|---|---|---|---|"]
        table += [f"| `{p}` | {c} | {va or '—'} | {vb or '—'} |" for p, c, va, vb in rows]
        if len(rows) > DETAILS_AFTER:
            table = ["<details><summary>module changes</summary>", "", *table, "", "</details>"]
        out += ["", *table]
    return "\n".join(out) + "\n"


def render_text(d: LayerDiff) -> str:
    out = [f"{d.a.label} -> {d.b.label}"]
    out += [f"  {w:<16} {va:>14}  {vb:>14}  {c}" for w, va, vb, c in summary_rows(d)]
    out += [*(f"{head}: {what}" for head, what in component_lines(d)), module_headline(d)]
    out += [f"  {c:<10} {p}  {va or '-'} -> {vb or '-'}" for p, c, va, vb in module_rows(d)]
    return "\n".join(out) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = OptionParser(
        prog="python -m ocelot_build.diff",
        description="What changed between two layers: components, modules, collector "
        "version, size and init time. A and B are manifests or layer zips.",
    )
    p.add_argument("a", type=Path, metavar="A", help="the old layer: manifest (.json) or zip")
    p.add_argument("b", type=Path, metavar="B", help="the new layer: manifest (.json) or zip")
    p.add_argument(
        "--format",
        choices=("markdown", "text"),
        default="markdown",
        help="markdown (release notes, PR comments; the default) or text",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("ocelot diff", lambda: _run(_parser().parse_args(argv)))


def _run(args: argparse.Namespace) -> int:
    d = compare(load(args.a), load(args.b))
    sys.stdout.write(render_markdown(d) if args.format == "markdown" else render_text(d))
    return 0
