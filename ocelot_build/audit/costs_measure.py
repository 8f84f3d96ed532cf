"""Booting layers for ``python -m ocelot_build.costs``: figures per memory size, compared.

Each layer is booted with the boot check (``ocelot_build.verify``) at every memory size
asked for, with Go's inittrace on; ``minimal + X`` is booted in turn with ``minimal``,
round by round, so a change in the machine's load moves both alike. A component's rows
keep both layers' init wall and CPU ms per round, from which ``paired`` derives the added
cost and whether it is measurable; its package-init ms is Go's own timing of the modules
it adds.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ocelot_build import api
from ocelot_build.audit import inittrace
from ocelot_build.audit.costs_report import BASE, Boots, Layer, Row
from ocelot_build.audit.paired import Paired
from ocelot_build.core.budgets import MIB
from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.stages.catalogue import Component
from ocelot_build.stages.config import short_tag


@dataclass(frozen=True)
class Boot:
    """One boot check's figures, or why it failed (then the figures mean nothing)."""

    init_ms: float | None = None
    cpu_ms: float | None = None
    memory_kb: int | None = None
    inits: Mapping[str, float] = field(default_factory=dict)  # package -> init clock ms
    failure: str = ""


BootFn = Callable[[api.LayerArtifact, int], Boot]


def host() -> Architecture | None:
    try:
        return Architecture.parse(platform.machine())
    except UsageError:
        return None


def boot_once(artifact: api.LayerArtifact, memory_mb: int) -> Boot:
    """One boot check at ``memory_mb``, with Go's inittrace on."""
    from ocelot_build.verify import verify_layer

    report = verify_layer(
        artifact.zip_path,
        architecture=artifact.architecture,
        components=artifact.manifest.components,
        memory_mb=memory_mb,
        inittrace=True,
    )
    if report.status != "passed":
        return Boot(failure=f"boot check {report.status}: {report.reason}")
    inits = inittrace.parse(report.init_trace)
    return Boot(
        report.init_ms,
        report.init_cpu_ms,
        report.peak_memory_kb or report.peak_rss_kb,
        {i.package: i.clock_ms for i in inits},
    )


def measure(
    artifact: api.LayerArtifact,
    runs: int,
    boot: BootFn,
    sizes: Sequence[int],
    alongside: api.LayerArtifact | None = None,
) -> tuple[Layer, Layer | None]:
    """Sizes and modules from the manifest; boots only on the machine's own architecture.

    With ``alongside`` (the base layer) the two are booted in turn, round by round, and the
    base's figures of those same rounds come back too: a change in the machine's load then
    moves both boots of a round alike instead of showing up as a component's cost.
    """
    pair = [artifact] if alongside is None else [artifact, alongside]
    booted = artifact.architecture is host()
    per_size = {m: _boot_rounds(pair, runs, boot, m) for m in (sizes if booted else ())}
    layers = [
        Layer(
            a.manifest.zip.size,
            a.manifest.unzipped_size,
            frozenset(mod["path"] for mod in a.manifest.modules),
            {m: per_size[m][i] for m in per_size} if booted else None,
        )
        for i, a in enumerate(pair)
    ]
    return layers[0], (layers[1] if alongside is not None else None)


def _boot_rounds(
    pair: list[api.LayerArtifact], runs: int, boot: BootFn, memory_mb: int
) -> list[Boots]:
    """``runs`` rounds at one size, the order reversed every other round so that neither
    layer always boots first; a layer stops at its first failure."""
    got: list[list[Boot]] = [[] for _ in pair]
    for r in range(runs):
        order = list(zip(pair, got, strict=True))
        for layer, boots in order[:: -1 if r % 2 else 1]:
            if not (boots and boots[-1].failure):
                boots.append(boot(layer, memory_mb))
    return [_boots(b) for b in got]


def _boots(boots: list[Boot]) -> Boots:
    ok = [b for b in boots if not b.failure and b.init_ms is not None]
    return Boots(
        init_ms=tuple(b.init_ms for b in ok if b.init_ms is not None),
        rss_kb=tuple(b.memory_kb for b in ok if b.memory_kb is not None),
        failed=next((b.failure for b in boots if b.failure), ""),
        # all or nothing, so that a layer's i-th figure is always its i-th round's
        cpu_ms=tuple(b.cpu_ms for b in ok if b.cpu_ms is not None)
        if all(b.cpu_ms is not None for b in ok)
        else (),
        inits=tuple(b.inits for b in ok if b.inits),
    )


def compare(comp: Component, arch: str, base: Layer, layer: Layer) -> list[Row]:
    """What ``layer`` adds to ``base``: a row per memory size booted, or one of sizes."""
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
        return [replace(row, note="sizes only: init under qemu would measure the emulator")]
    return [
        _at_size(replace(row, memory_mb=m), base.boots[m], layer.boots[m], layer.modules)
        for m in sorted(layer.boots)
    ]


def _at_size(row: Row, b: Boots, x: Boots, modules: frozenset[str]) -> Row:
    """Init, CPU and memory added at one size; wall and CPU kept round by round, paired
    with the base's boots of the same rounds (``paired`` derives the cost from them)."""
    if x.failed or b.failed:
        return replace(row, note=x.failed or f"{BASE}: {b.failed}")
    by_module = [inittrace.by_module(_as_inits(i), sorted(modules)) for i in x.inits]
    return replace(
        row,
        wall=Paired.of(b.init_ms, x.init_ms),
        cpu=Paired.of(b.cpu_ms, x.cpu_ms),
        package_init_ms=inittrace.attributed(by_module, row.modules_added) if by_module else None,
        rss_mib=_added(x.rss_median, b.rss_median, 1024),
    )


def _as_inits(inits: Mapping[str, float]) -> list[inittrace.PackageInit]:
    return [inittrace.PackageInit(p, 0.0, ms, 0, 0) for p, ms in inits.items()]


def _added(x: float | None, b: float | None, unit: float = 1.0) -> float | None:
    return None if x is None or b is None else (x - b) / unit
