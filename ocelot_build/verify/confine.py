"""The check's side of the box: make it, hand it to the session, read it, remove it.

Outside the sandbox and before the session starts, the check finds this machine's
cgroups (``cgroupfs``), removes leaves that a killed check left behind, and makes a
shaped leaf for this check. The session gets descriptors only: the leaf's
``cgroup.procs`` (to move the layer in before it runs) and its CPU counter (read at the
first ``event/next``). After the session, the check reads the kernel's figures itself
(CPU time, peak memory, OOM kills, refused forks): the layer can neither reach nor forge
them. The leaf is removed whatever happened, on SIGINT and SIGTERM too (they unwind as
exceptions); a SIGKILLed check's leaf goes at the next check's sweep.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from typing import Any

from ocelot_build.verify.box import Shape
from ocelot_build.verify.cgroupfs import find
from ocelot_build.verify.cgroups import Figures, Leaf
from ocelot_build.verify.report import FAILED, VerifyReport

NO_LIMITS = ("memory limit", "CPU quota", "process limit")
EMULATED_CPU = "CPU quota: not applied under qemu (its timing is flagged and never budgeted)"
EMULATED_MEMORY = "memory limit: {} MiB more, for qemu itself"


class Box:
    """One check's cgroup leaf, as a context manager; ``None`` hierarchies: --no-limits."""

    def __init__(self, shape: Shape, enforce: bool) -> None:
        self.shape = shape
        self.enforce = enforce
        self.leaf: Leaf | None = None
        self.name = "none"
        self._join: list[int] = []
        self._cpu: int | None = None
        self._cpu_kind = "ns"

    def __enter__(self) -> Box:
        """Raises ``cgroupfs.NoBox`` (one line with the fix) if the box cannot be made."""
        if not self.enforce:
            return self
        found = find()
        found.sweep()
        self.leaf = found.create(self.shape)
        self.name = found.name
        try:
            self._join = [os.open(p, os.O_WRONLY | os.O_CLOEXEC) for p in self.leaf.join_files()]
            path, self._cpu_kind = self.leaf.cpu_file()
            self._cpu = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in [*self._join, *([self._cpu] if self._cpu is not None else [])]:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._join, self._cpu = [], None
        if self.leaf is not None:
            leaf, self.leaf = self.leaf, None
            with contextlib.suppress(OSError):  # still busy: the next check's sweep takes it
                leaf.remove()

    @property
    def fds(self) -> tuple[int, ...]:
        """Every descriptor the session must inherit."""
        return (*self._join, *([self._cpu] if self._cpu is not None else []))

    def spec_fields(self) -> dict[str, Any]:
        """The ``BootSpec`` fields that tell the session about the box."""
        return {"join_fds": tuple(self._join), "cpu_fd": self._cpu, "cpu_kind": self._cpu_kind}

    def not_enforced(self) -> tuple[str, ...]:
        if not self.enforce:
            return tuple(f"{what}: --no-limits" for what in NO_LIMITS)
        if self.shape.cpus is None:
            return (EMULATED_CPU, EMULATED_MEMORY.format(self.shape.extra_mb))
        return ()

    def finish(self, report: VerifyReport) -> VerifyReport:
        """The report with what the check knows first-hand: the shape, and the kernel's
        figures; a process killed for memory fails the check whatever the session said."""
        report = replace(
            report,
            memory_mb=self.shape.memory_mb,
            cpu_share=None if not self.enforce else _rounded(self.shape.cpus),
            limits=self.name,
            not_enforced=self.not_enforced(),
        )
        if self.leaf is None:
            return replace(report, init_cpu_ms=None)
        return _judged(report, self.leaf.figures(), self.shape)


def _judged(report: VerifyReport, figures: Figures, shape: Shape) -> VerifyReport:
    report = replace(
        report,
        cpu_ms=None if figures.cpu_ms is None else round(figures.cpu_ms, 1),
        peak_memory_kb=figures.peak_memory_kb,
    )
    notes = list(report.notes)
    if figures.forks_refused:
        notes.append(
            f"{figures.forks_refused} process or thread start(s) refused at Lambda's "
            f"limit of {shape.pids}"
        )
    report = replace(report, notes=tuple(notes))
    if figures.oom_kills:
        why = (
            f"over its memory limit of {shape.memory_mb + shape.extra_mb} MB (anonymous, "
            "shared and tmpfs memory of all its processes): the kernel killed "
            f"{figures.oom_kills} of its processes"
        )
        return replace(
            report, status=FAILED, reason=f"{why} ({report.reason or 'it said: passed'})"
        )
    counted = figures.cpu_ms
    if report.init_cpu_ms is not None and counted is not None and report.init_cpu_ms > counted + 1:
        why = (
            f"the check session's report says {report.init_cpu_ms:g} ms of init CPU, "
            f"more than the kernel counted for the whole check ({counted:.1f} ms)"
        )
        return replace(report, status=FAILED, reason=why)
    return report


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
