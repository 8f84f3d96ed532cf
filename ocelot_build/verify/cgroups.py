"""The kernel's side of the box: one cgroup per check, for the layer's processes only.

Two backends behind one seam, chosen by what the machine has (``cgroupfs.find``):
cgroup v1 (a tree per controller: ``memory``, ``cpu``, ``cpuacct``, ``pids``; only root
may create groups) and cgroup v2 (one tree; on GitHub's runners systemd must delegate a
subtree). Each creates a leaf ``ocelot-verify-<pid>-<random>`` below the cgroup this
process is in, shapes it (``box.Shape``), names the ``cgroup.procs`` files a process
writes ``0`` to in order to join it, reads the kernel's figures back and removes it.
The control files stay the caller's: the layer joins through a descriptor opened here
(the kernel checks the opener's rights), then runs as another user that cannot write them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ocelot_build.verify.box import Shape

REMOVE_WAIT_S = 5.0


@dataclass(frozen=True)
class Figures:
    """What the kernel counted for the leaf: every process of the layer, children too."""

    cpu_ms: float | None
    peak_memory_kb: int | None
    oom_kills: int
    forks_refused: int


@dataclass
class Leaf:
    """One shaped cgroup: a directory per hierarchy (v1) or one directory (v2)."""

    version: int
    dirs: dict[str, Path]  # controller (v1) or "unified" (v2) -> directory

    def join_files(self) -> list[Path]:
        """The ``cgroup.procs`` files a process writes ``0`` to, to move itself in."""
        return [d / "cgroup.procs" for d in dict.fromkeys(self.dirs.values())]

    def cpu_file(self) -> tuple[Path, str]:
        """Where the layer's CPU time is counted, and how to read it (``read_cpu``)."""
        if self.version == 1:
            return self.dirs["cpuacct"] / "cpuacct.usage", "ns"
        return self.dirs["unified"] / "cpu.stat", "stat"

    def figures(self) -> Figures:
        path, kind = self.cpu_file()
        cpu = read_cpu(read_control(path), kind)
        if self.version == 1:
            mem = self.dirs["memory"]
            peak = _int(read_control(mem / "memory.max_usage_in_bytes"))
            oom = _keyed(read_control(mem / "memory.oom_control")).get("oom_kill", 0)
            pids = self.dirs["pids"]
        else:
            mem = pids = self.dirs["unified"]
            peak = _int(read_control(mem / "memory.peak"))
            oom = _keyed(read_control(mem / "memory.events")).get("oom_kill", 0)
        refused = _keyed(read_control(pids / "pids.events")).get("max", 0)
        return Figures(cpu, None if peak is None else peak // 1024, oom, refused)

    def remove(self) -> None:
        """Kill whatever is left in it, then rmdir (retried while the kernel reaps)."""
        remove_dirs(list(dict.fromkeys(self.dirs.values())))


def shape_v1(dirs: dict[str, Path], shape: Shape) -> None:
    """memory (and memory+swap, when the kernel counts swap), CFS quota, pids."""
    mem = dirs["memory"]
    write_control(mem / "memory.limit_in_bytes", str(shape.memory_bytes))
    if (mem / "memory.memsw.limit_in_bytes").exists():
        write_control(mem / "memory.memsw.limit_in_bytes", str(shape.memory_bytes))
    if shape.quota_us is not None:
        write_control(dirs["cpu"] / "cpu.cfs_period_us", str(shape.period_us))
        write_control(dirs["cpu"] / "cpu.cfs_quota_us", str(shape.quota_us))
    write_control(dirs["pids"] / "pids.max", str(shape.pids))


def shape_v2(leaf: Path, shape: Shape) -> None:
    """memory.max (no swap, as on Lambda), cpu.max, pids.max."""
    write_control(leaf / "memory.max", str(shape.memory_bytes))
    if (leaf / "memory.swap.max").exists():
        write_control(leaf / "memory.swap.max", "0")
    if shape.quota_us is not None:
        write_control(leaf / "cpu.max", f"{shape.quota_us} {shape.period_us}")
    write_control(leaf / "pids.max", str(shape.pids))


def read_cpu(text: str, kind: str) -> float | None:
    """CPU ms from ``cpuacct.usage`` (ns, v1) or ``cpu.stat``'s ``usage_usec`` (v2)."""
    if kind == "ns":
        value = _int(text)
        return None if value is None else value / 1e6
    usec = _keyed(text).get("usage_usec")
    return None if usec is None else usec / 1e3


def remove_dirs(dirs: list[Path], kill: Callable[[Path], None] | None = None) -> None:
    """rmdir each; a busy one has its processes killed and is retried for a few seconds."""
    kill = kill or kill_members
    deadline = time.monotonic() + REMOVE_WAIT_S
    left = list(dirs)
    while True:
        for d in list(left):
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError:
                kill(d)
                continue
            left.remove(d)
        if not left:
            return
        if time.monotonic() > deadline:
            raise OSError(f"cannot remove cgroup {left[0]}: processes are still in it")
        time.sleep(0.02)


def kill_members(directory: Path) -> None:
    """SIGKILL every process in a cgroup (v2 ``cgroup.kill`` when the kernel has it)."""
    kill_file = directory / "cgroup.kill"
    if kill_file.exists():
        with contextlib.suppress(OSError):
            write_control(kill_file, "1")
            return
    for word in read_control(directory / "cgroup.procs").split():
        with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
            os.kill(int(word), signal.SIGKILL)


def _keyed(text: str) -> dict[str, int]:
    """``key value`` lines (cpu.stat, memory.events, memory.oom_control) as a dict."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def read_control(path: Path) -> str:
    """A control file's text; empty when it is absent (a controller this kernel lacks)."""
    try:
        return path.read_text()
    except OSError:
        return ""


def write_control(path: Path, value: str) -> None:
    """Write one value, unbuffered in one write(2), as cgroupfs wants it."""
    with open(path, "w") as f:
        f.write(value)
