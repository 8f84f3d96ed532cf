"""What a build prints on stdout: the summary table, the files written and the next step, and
the dry run's plan. Kept apart from ``cli`` (the options) so each stays short."""

from __future__ import annotations

from collections.abc import Mapping

from ocelot_build import api
from ocelot_build.core.budgets import MIB

__all__ = ["plan_table", "summary", "written_and_next"]


def summary(artifacts: list[api.LayerArtifact]) -> str:
    """The table printed after a build; with ``--verify`` it shows each boot check and its
    init time, and a skipped check is spelled out below the table (shown without -v)."""
    checked = any(a.manifest.verify for a in artifacts)
    head = ("layer", "arch", "zip", "size", "unzipped", "sha256", "cache")
    rows = [head + (("check", "init") if checked else ())]
    notes = []
    for a in artifacts:
        m = a.manifest
        built = f"built in {m.build_seconds:.0f}s" if m.build_seconds else "built"
        row: tuple[str, ...] = (
            a.distribution,
            a.architecture.value,
            str(a.zip_path),
            f"{m.zip.size / MIB:.1f} MiB",
            f"{m.unzipped_size / MIB:.1f} MiB",
            a.sha256[:12],
            "hit" if a.cache_hit else built,
        )
        if checked:
            verify = m.verify or {}
            row += _check_cells(verify)
            if verify.get("status") == "skipped":
                notes.append(
                    f"boot check skipped for {a.distribution}/{a.architecture.value}: "
                    f"{verify.get('reason')}"
                )
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines + notes)


def written_and_next(artifacts: list[api.LayerArtifact], *, publishing: bool) -> str:
    """The files each layer wrote (zip, manifest, SBOM), then what to do with them."""
    files = [(a.zip_path, a.manifest_path, a.sbom_path or "") for a in artifacts]
    lines = ["written:", *("  " + "  ".join(map(str, f)).rstrip() for f in files)]
    if not publishing and artifacts and not any(a.manifest.verify for a in artifacts):
        lines.append(f"next: boot-check: uv run python -m ocelot_build.verify {files[0][0]}")
    if not publishing:
        lines.append("next: publish and attach to a function: docs/quickstart.md (pulumi up)")
    return "\n".join(lines)


def plan_table(planned: list[api.PlannedLayer]) -> str:
    """The dry run's answer: one row per layer, then what a build would do."""
    rows: list[tuple[str, ...]] = [("layer", "arch", "cache key", "cache", "zip")]
    rows += [
        (
            p.distribution,
            p.architecture.value,
            p.cache_key[:16],
            "hit" if p.cache_hit else "miss: would build",
            str(p.zip_path),
        )
        for p in planned
    ]
    misses = [p for p in planned if not p.cache_hit]
    dists = len({p.distribution for p in misses})
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines) + (
        f"\nwould build {len(misses)} of {len(planned)} layers ({dists} distributions); "
        "dry run: nothing built or written"
    )


def _check_cells(verify: Mapping[str, object]) -> tuple[str, str]:
    """The check and init columns: status (qemu when emulated), and init as measured at
    the memory size checked (wall ms, CPU ms when the box counted it, the size)."""
    status = str(verify.get("status", "-")) + (" (qemu)" if verify.get("emulated") else "")
    init, cpu, memory = verify.get("init_ms"), verify.get("init_cpu_ms"), verify.get("memory_mb")
    if not isinstance(init, int | float):
        return status, "-"
    cell = f"{init:.0f} ms"
    if isinstance(cpu, int | float):
        cell += f" ({cpu:.0f} ms CPU)"
    if isinstance(memory, int):
        cell += f" at {memory:,} MB"
    return status, cell
