"""Where this machine's cgroups are, and whether we may make leaves there.

Read from ``/proc/self/mountinfo`` and ``/proc/self/cgroup`` (a root to read them from can
be given, so the v2 paths are tested on a fake tree). v2 is used when its ``memory``,
``cpu`` and ``pids`` controllers reach our cgroup (a hybrid machine's empty
``/sys/fs/cgroup/unified`` does not count); else v1, when ``memory``, ``cpu``, ``cpuacct``
and ``pids`` are mounted. Leaves go below the cgroup this process is in, never above it,
so a limit set on the caller (a CI job, a systemd scope) still holds around the check.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ocelot_build.verify.box import Shape
from ocelot_build.verify.cgroups import (
    Leaf,
    kill_members,
    read_control,
    remove_dirs,
    shape_v1,
    shape_v2,
    write_control,
)

PREFIX = "ocelot-verify-"
V1 = ("memory", "cpu", "cpuacct", "pids")
V2 = ("memory", "cpu", "pids")
V2_MAIN = (
    "ocelot-main"  # where the caller's processes move on v2 so that controllers can be enabled
)
HINT = (
    "run as root (cgroup v1), or on cgroup v2 inside a delegated scope "
    "(systemd-run --scope -p Delegate=yes CMD; add --user when not root), "
    "or pass --no-limits to boot without Lambda's limits"
)


class NoBox(Exception):
    """The box cannot be made here; the message is one line with the fix."""


@dataclass(frozen=True)
class Hierarchies:
    """Where leaves go: per v1 controller, or ``{"unified": dir}`` for v2."""

    version: int
    parents: dict[str, Path]

    @property
    def name(self) -> str:
        return f"cgroup-v{self.version}"

    def create(self, shape: Shape) -> Leaf:
        """A fresh, shaped leaf; NoBox (with the fix) if the kernel refuses."""
        name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        dirs = {c: p / name for c, p in self.parents.items()}
        made: list[Path] = []
        try:
            for d in dict.fromkeys(dirs.values()):
                d.mkdir()
                made.append(d)
            if self.version == 1:
                shape_v1(dirs, shape)
            else:
                shape_v2(dirs["unified"], shape)
        except OSError as exc:
            with contextlib.suppress(OSError):
                remove_dirs(made)
            where = made[-1] if made else next(iter(dirs.values()))
            raise NoBox(f"cannot make cgroup {where} ({exc.strerror or exc}); {HINT}") from None
        return Leaf(self.version, dirs)

    def sweep(self) -> list[Path]:
        """Remove leaves of ours whose check is gone (killed with SIGKILL); their paths."""
        removed = []
        for parent in dict.fromkeys(self.parents.values()):
            for d in sorted(parent.glob(PREFIX + "*")):
                if d.is_dir() and _stale(d.name):
                    with contextlib.suppress(OSError):
                        remove_dirs([d], kill_members)
                        removed.append(d)
        return removed


def find(proc: Path = Path("/proc/self")) -> Hierarchies:
    """This machine's hierarchies for our leaves, or NoBox saying what is missing."""
    mounts = _mounts(proc / "mountinfo")
    own = _own(proc / "cgroup")
    unified = mounts.get("cgroup2")
    if unified is not None and "" in own:
        base = _under(unified, own[""])
        if set(V2) <= set(read_control(base / "cgroup.controllers").split()):
            return Hierarchies(2, {"unified": _delegated(base)})
    if all(c in mounts for c in V1):
        return Hierarchies(1, {c: _under(mounts[c], own.get(c, "/")) for c in V1})
    raise NoBox(
        "no cgroup with the memory, cpu and pids controllers (v2) nor cgroup v1 memory, cpu, "
        f"cpuacct and pids hierarchies are mounted; {HINT}"
    )


def _delegated(base: Path) -> Path:
    """``base`` with memory, cpu and pids enabled for its children.

    Enabling them needs ``base`` to hold no processes (v2's no-internal-process rule), so
    in a delegated scope the processes in it (the caller and its parents) move to the
    leaf ``ocelot-main`` first, as container managers do in their delegated scopes."""
    control = base / "cgroup.subtree_control"
    if set(V2) <= set(read_control(control).split()):
        return base
    want = " ".join("+" + c for c in V2)
    try:
        try:
            write_control(control, want)
        except OSError:
            main = base / V2_MAIN
            main.mkdir(exist_ok=True)
            for pid in read_control(base / "cgroup.procs").split():
                with contextlib.suppress(ProcessLookupError):
                    write_control(main / "cgroup.procs", pid)
            write_control(control, want)
    except OSError as exc:
        raise NoBox(
            f"cannot enable memory, cpu and pids below cgroup {base} ({exc.strerror or exc}); "
            f"{HINT}"
        ) from None
    return base


def _mounts(mountinfo: Path) -> dict[str, Path]:
    """v1 controller -> its mount point (a co-mounted ``cpu,cpuacct`` gives both), and
    ``cgroup2`` -> the unified mount point."""
    found: dict[str, Path] = {}
    for line in read_control(mountinfo).splitlines():
        parts = line.split()
        if "-" not in parts:
            continue
        sep = parts.index("-")
        fstype, options = parts[sep + 1], parts[sep + 3].split(",")
        point = Path(parts[4].replace("\\040", " "))
        if fstype == "cgroup2":
            found.setdefault("cgroup2", point)
        elif fstype == "cgroup":
            for controller in V1:
                if controller in options:
                    found.setdefault(controller, point)
    return found


def _own(cgroup: Path) -> dict[str, str]:
    """Controller -> our cgroup path in it ("" is the v2 entry, ``0::/path``)."""
    own = {}
    for line in read_control(cgroup).splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def _under(mount: Path, path: str) -> Path:
    return mount.joinpath(*[p for p in path.split("/") if p])


def _stale(name: str) -> bool:
    """Ours by name, and the check that made it is gone."""
    pid = name[len(PREFIX) :].split("-")[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    return not Path(f"/proc/{pid}").exists()
