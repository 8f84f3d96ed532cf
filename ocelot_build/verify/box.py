"""Lambda's shape for a memory size: the one rule for memory, CPU, processes and waits.

Lambda gives a function CPU in proportion to its memory: 1,769 MB is one vCPU, so 128 MB
(the default) is about 7% of one. Every process of the function shares one memory limit
(anonymous, shared and tmpfs memory, children included) and at most 1,024 processes and
threads. The boot check gives the layer's processes exactly that (``cgroups``), so init
time is measured at the CPU the layer will really have. A step that takes 1 s on a full
vCPU takes about 14 s at 128 MB, so the check's waits stretch by the same factor.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MB_PER_VCPU = 1769  # Lambda: a function gets one full vCPU at 1,769 MB
MEMORY_MB_DEFAULT = 128  # Lambda's default memory size
MEMORY_MB_RANGE = (128, 10_240)  # Lambda's range
PIDS_MAX = 1024  # Lambda's limit on processes and threads
PERIOD_US = 20_000  # CFS period: 20 ms, so 128 MB still gets a quota of 1,447 us
MIN_QUOTA_US = 1_000  # the kernel's floor for cfs_quota_us
QEMU_MEMORY_MB = 64  # qemu's own memory (translator, code cache) on top, when emulated
LAYER_UID = 65534  # who the layer runs as when the check runs as root (nobody)


@dataclass(frozen=True)
class Shape:
    """The limits for one memory size on this machine."""

    memory_mb: int
    cpus: float | None  # share of one core: memory / 1,769, at most the machine's cores
    pids: int = PIDS_MAX
    period_us: int = PERIOD_US
    extra_mb: int = 0  # room for an emulator's own memory, above the function's

    @classmethod
    def for_memory(cls, memory_mb: int, cores: int | None = None, emulated: bool = False) -> Shape:
        """Under qemu there is no CPU quota (``cpus`` None): emulation costs the layer 5 to
        20 times its native CPU, so a quota would measure qemu, and such timings are
        flagged and never held against a budget anyway. The memory limit gets room for
        qemu itself (the real ``full`` layer peaks at 117 MiB under qemu at 128 MB)."""
        cores = cores or os.cpu_count() or 1
        if emulated:
            return cls(memory_mb, None, extra_mb=QEMU_MEMORY_MB)
        return cls(memory_mb, min(memory_mb / MB_PER_VCPU, float(cores)))

    @property
    def memory_bytes(self) -> int:
        return (self.memory_mb + self.extra_mb) * 1024 * 1024  # MB is MiB, as in Lambda

    @property
    def quota_us(self) -> int | None:
        if self.cpus is None:
            return None
        return max(MIN_QUOTA_US, round(self.period_us * self.cpus))

    @property
    def stretch(self) -> float:
        """How much longer than on one full vCPU a step may take: 1 / share below one."""
        return 1.0 if self.cpus is None else max(1.0, 1.0 / self.cpus)


def memory_problem(value: object) -> str | None:
    """What is wrong with a memory size (the rule for ``--memory-mb`` and a distribution's
    ``memory-mb``), or None."""
    low, high = MEMORY_MB_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"must be a whole number of MB from {low} to {high} (Lambda's range), got {value!r}"
    return None


def memory_errors(entry: Mapping[str, Any], where: str) -> list[str]:
    """A distribution's ``memory-mb`` problem, named with ``where`` (empty: fine or unset)."""
    problem = memory_problem(entry.get("memory-mb", MEMORY_MB_DEFAULT))
    return [f"{where}.memory-mb {problem}"] if problem else []
