"""``python -m ocelot_build.diff A B``: what changed between two layers.

A and B are manifests (``<layer>-<dist>-<arch>.json``) or layer zips. A zip is read the way
a user would audit a layer someone else built: its binary's Go build info (modules and the
``-tags`` it was built with) and its bundled config. A manifest adds what
only the build knew: the components per kind and, when the boot check ran, init time and
RSS. The report fits release notes and pull-request comments (``--format markdown``) or a
terminal (``--format text``). Bad input: one line, exit 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.core.errors import OptionParser, UsageError, command_main
from ocelot_build.core.manifest import LayerManifest, ManifestError
from ocelot_build.stages.package import CONFIG_ENTRY

KINDS = ("receiver", "processor", "exporter", "connector", "extension")
MIB = 1024 * 1024
UNMEASURED = "needs a boot check"
OTELCOL_MODULE = "go.opentelemetry.io/collector/otelcol"
DETAILS_AFTER = 15  # markdown: longer module tables fold into <details>


@dataclass(frozen=True)
class LayerFacts:
    """What a diff compares, from a manifest or a zip."""

    label: str
    collector_version: str
    commit: str  # "" for a zip: build info does not carry it
    go_version: str
    components: tuple[str, ...] | None  # "kind/name"; None: upstream's own default set
    modules: dict[str, str]  # path → version as compiled ("v1 => other v2" when replaced)
    zip_size: int
    unzipped_size: int
    config_sha256: str
    init_ms: float | None = None
    unmeasured: str = UNMEASURED  # why init_ms is None
    peak_rss_kb: int | None = None


def load(path: Path) -> LayerFacts:
    """A manifest or a zip, told apart by content; anything else is bad input."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give two layer manifests (.json) or zips")
    if zipfile.is_zipfile(path):
        return _from_zip(path)
    try:
        data = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: neither a layer zip nor JSON ({exc})") from None
    return _from_manifest(path, data)


def _from_manifest(path: Path, data: Any) -> LayerFacts:
    try:
        manifest = LayerManifest.from_json(data)
    except ManifestError as exc:
        raise UsageError(
            f"{path}: not an ocelot layer manifest ({exc}); "
            "give a <layer>-<distribution>-<arch>.json or a layer zip"
        ) from None
    verify = manifest.verify or {}
    measured = verify.get("status") == "passed" and not verify.get("emulated")
    return LayerFacts(
        label=path.name,
        collector_version=manifest.collector_version,
        commit=manifest.upstream.commit,
        go_version=manifest.go_version,
        components=manifest.component_names(),
        modules={m["path"]: _compiled(m["version"], m.get("replace")) for m in manifest.modules},
        zip_size=manifest.zip.size,
        unzipped_size=manifest.unzipped_size,
        config_sha256=manifest.config_sha256,
        init_ms=verify.get("init_ms") if measured else None,
        unmeasured="booted under qemu: not measured" if verify.get("emulated") else UNMEASURED,
        peak_rss_kb=verify.get("peak_rss_kb") if measured else None,
    )


def _from_zip(path: Path) -> LayerFacts:
    from ocelot_build.core.toolchain import find_go
    from ocelot_build.stages.buildinfo import read_zip_build_info
    from ocelot_build.verify.layer import inspect_zip

    zip_size, unzipped = inspect_zip(path)
    info = read_zip_build_info(path, find_go())
    with zipfile.ZipFile(path) as zf:
        config = zf.read(CONFIG_ENTRY) if CONFIG_ENTRY in zf.namelist() else b""
    return LayerFacts(
        label=path.name,
        # -trimpath keeps -ldflags (main.Version, main.GitHash) out of build info: the
        # collector's version is its otelcol module's, as in planning; the commit is unknown.
        collector_version=info.modules.get(OTELCOL_MODULE, ""),
        commit="",
        go_version=info.go_version,
        components=components_of_tags(info.settings.get("-tags", "").split(",")),
        modules={p: _compiled(v, info.replaced.get(p)) for p, v in info.modules.items()},
        zip_size=zip_size,
        unzipped_size=unzipped,
        config_sha256=hashlib.sha256(config).hexdigest(),
    )


def components_of_tags(tags: Sequence[str]) -> tuple[str, ...] | None:
    """``kind/name`` per ``lambdacomponents.<kind>.<name>`` tag; None when the binary was
    built without ``custom`` (upstream's default set, which tags do not spell out)."""
    short = {t.removeprefix("lambdacomponents.") for t in tags if t}
    if "custom" not in short:
        return None
    found = (t.split(".", 1) for t in short if "." in t)
    return tuple(sorted(f"{kind}/{name}" for kind, name in found if kind in KINDS))


def _compiled(version: str, replace: str | None) -> str:
    return f"{version} => {replace}" if replace else version


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
