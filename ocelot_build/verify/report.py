"""The result of a boot check, and how it is stored in a layer's manifest.

The report is a frozen value so that the CLI, the Pulumi program and the manifest all
see the same figures; ``to_dict`` is the manifest's ``verify`` field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ocelot_build.core.errors import UsageError, VerifyError
from ocelot_build.core.manifest import LayerManifest, ManifestError

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class VerifyReport:
    """What booting one layer showed.

    ``init_ms`` runs from starting the extension to its first ``event/next`` (Lambda's
    notion of "ready"), and ``init_cpu_ms`` is the CPU time (user + system) its processes
    used until then; ``startup_duration_ms`` is the collector's own figure from its
    "startup complete" log line. ``peak_rss_kb`` is the process's maximum resident set;
    when ``emulated`` it is qemu's, so it includes the emulator. ``cpu_ms`` and
    ``peak_memory_kb`` are the kernel's figures for the whole box (every process of the
    layer, shared and tmpfs memory included), read by the check itself from the cgroup.
    """

    status: str
    reason: str
    architecture: str | None
    emulated: bool = False
    config: str = "generated"  # "generated" (OTLP round trip) or "bundled" (lifecycle only)
    init_ms: float | None = None
    startup_duration_ms: float | None = None
    shutdown_ms: float | None = None
    peak_rss_kb: int | None = None
    zip_size: int = 0
    unzipped_size: int = 0
    signals: tuple[str, ...] = ()
    error_type: str | None = None
    collector_error: str | None = None  # the collector's own error line from its log
    exit_code: int | None = None
    budget_violations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    log_tail: tuple[str, ...] = ()
    sandbox: str = "none"  # "bwrap" (isolated, see isolation.py) or "none" (--no-sandbox)
    memory_mb: int | None = None  # the memory size checked at (Lambda's setting, in MiB)
    cpu_share: float | None = None  # CPU quota in vCPUs (memory / 1,769); None: no quota
    limits: str = "none"  # "cgroup-v1" or "cgroup-v2": the box's limits held; "none": not
    not_enforced: tuple[str, ...] = ()  # which of Lambda's limits did not hold, and why
    init_cpu_ms: float | None = None
    cpu_ms: float | None = None  # the whole check, the kernel's count
    peak_memory_kb: int | None = None  # as the memory limit counts it
    init_trace: tuple[str, ...] = ()  # Go's inittrace lines when asked for; not in manifests

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def with_budget_violations(self, violations: list[str]) -> VerifyReport:
        """A copy that fails (if it had not already) because of budget violations."""
        if not violations:
            return self
        reason = self.reason if self.status == FAILED else "over budget: " + "; ".join(violations)
        return replace(self, status=FAILED, reason=reason, budget_violations=tuple(violations))

    def raise_if_failed(self, what: str) -> None:
        """Raise VerifyError (exit 1) for a failed report: the reason as the message, and
        the error type, the collector's own error line and its last log lines as detail."""
        if self.status != FAILED:
            return
        detail = [f"error type: {self.error_type}"] if self.error_type else []
        if self.collector_error:
            detail.append(f"collector error: {self.collector_error}")
        detail += list(self.log_tail)
        raise VerifyError(f"{what}: boot check failed: {self.reason}", detail="\n".join(detail))

    def to_dict(self) -> dict[str, Any]:
        """The manifest's ``verify`` field; the log tail is kept only for a failure."""
        data = asdict(self)
        for key in ("signals", "budget_violations", "notes", "log_tail", "not_enforced"):
            data[key] = list(data[key])
        data.pop("init_trace")
        if self.status != FAILED:
            data.pop("log_tail")
        return data

    def summary(self) -> str:
        """A few human lines: verdict, figures, and for a failure the collector's own lines."""
        head = f"{self.status}: {self.reason}" if self.reason else self.status
        lines = [head]
        figures = [
            f"arch {self.architecture or '?'}" + (" (qemu)" if self.emulated else ""),
            f"zip {_mb(self.zip_size)}",
            f"unzipped {_mb(self.unzipped_size)}",
        ]
        if self.memory_mb is not None:
            share = f", {self.cpu_share:.3f} vCPU" if self.cpu_share is not None else ""
            figures.append(f"at {self.memory_mb} MB{share}")
        if self.init_ms is not None:
            figures.append(f"init {self.init_ms:.1f} ms")
        if self.init_cpu_ms is not None:
            figures.append(f"init CPU {self.init_cpu_ms:.1f} ms")
        if self.peak_memory_kb is not None:
            figures.append(f"peak memory {self.peak_memory_kb / 1024:.1f} MiB")
        if self.startup_duration_ms is not None:
            figures.append(f"startup_duration {self.startup_duration_ms:.1f} ms")
        if self.peak_rss_kb is not None:
            rss = f"peak RSS {self.peak_rss_kb / 1024:.1f} MiB"
            figures.append(rss + (" incl. qemu" if self.emulated else ""))
        if self.signals:
            figures.append("round-tripped " + ",".join(self.signals))
        lines.append("  " + ", ".join(figures))
        lines += [f"  not enforced: {n}" for n in self.not_enforced]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  over budget: {v}" for v in self.budget_violations]
        if self.error_type:
            lines.append(f"  error type: {self.error_type}")
        if self.collector_error and self.status == FAILED:
            lines.append(f"  collector error: {self.collector_error}")
        if self.status == FAILED and self.log_tail:
            lines.append("  collector log (last lines):")
            lines += [f"    {line}" for line in self.log_tail]
        return "\n".join(lines)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.2f} MiB"


def manifest_path_for(zip_path: Path) -> Path:
    """The manifest sits beside the zip with the same stem."""
    return zip_path.with_suffix(".json")


def read_manifest(zip_path: Path) -> LayerManifest | None:
    """The manifest beside ``zip_path``, or None if there is none."""
    path = manifest_path_for(zip_path)
    if not path.is_file():
        return None
    try:
        return LayerManifest.read(path)
    except ManifestError as exc:
        raise UsageError(f"manifest {path} is {exc}") from None


def write_report_to_manifest(manifest: Path, report: VerifyReport) -> None:
    """Set the manifest's ``verify`` field through the manifest's one writer (atomic: a
    reader sees old or new, never half)."""
    found = read_manifest(manifest.with_suffix(".zip"))
    if found is None:
        raise UsageError(f"manifest {manifest} does not exist")
    found.with_verify(report.to_dict()).write(manifest)
