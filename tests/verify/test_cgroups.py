"""The box's cgroup backends. v1 runs for real where this machine has it (as root); v2's
paths run against a fake cgroupfs tree in tmp (plain files and directories, so the kernel's
side, e.g. that a write of "+memory" enables anything, is not exercised there)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ocelot_build.verify.box import Shape
from ocelot_build.verify.cgroupfs import Hierarchies, NoBox, find
from ocelot_build.verify.cgroups import read_cpu, remove_dirs
from ocelot_build.verify.runner import ExtensionProcess

SHAPE = Shape.for_memory(128, cores=2)


def fake_proc(tmp: Path, mountinfo: list[str], cgroup: list[str]) -> Path:
    proc = tmp / "proc-self"
    proc.mkdir()
    (proc / "mountinfo").write_text("\n".join(mountinfo) + "\n")
    (proc / "cgroup").write_text("\n".join(cgroup) + "\n")
    return proc


def fake_v2(tmp: Path, subtree: str = "", procs: str = "") -> tuple[Path, Path]:
    """A unified mount with our cgroup at /user.slice/job.scope, controllers delegated."""
    mount = tmp / "cgroup2"
    own = mount / "user.slice" / "job.scope"
    own.mkdir(parents=True)
    (own / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (own / "cgroup.subtree_control").write_text(subtree)
    (own / "cgroup.procs").write_text(procs)
    proc = fake_proc(
        tmp,
        [f"30 24 0:26 / {mount} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"],
        ["0::/user.slice/job.scope"],
    )
    return proc, own


def test_cpu_share_quota_and_stretch_follow_lambda() -> None:
    assert Shape.for_memory(1769, cores=2).cpus == 1.0
    assert Shape.for_memory(128, cores=2).quota_us == 1447  # 20 ms period, 7.2 % of a core
    assert Shape.for_memory(10_240, cores=2).cpus == 2.0  # at most the machine's cores
    assert Shape.for_memory(10_240, cores=2).quota_us == 40_000
    assert round(Shape.for_memory(128, cores=2).stretch, 2) == 13.82
    assert Shape.for_memory(3008, cores=2).stretch == 1.0


def test_v2_leaf_is_shaped_below_our_own_cgroup(tmp_path: Path) -> None:
    proc, own = fake_v2(tmp_path, subtree="cpu memory pids\n")
    found = find(proc)
    assert found == Hierarchies(2, {"unified": own}) and found.name == "cgroup-v2"
    leaf = found.create(SHAPE)
    (path,) = leaf.dirs.values()
    assert path.parent == own and path.name.startswith(f"ocelot-verify-{os.getpid()}-")
    assert (path / "memory.max").read_text() == str(128 * 1024 * 1024)
    assert (path / "cpu.max").read_text() == "1447 20000"
    assert (path / "pids.max").read_text() == "1024"
    assert leaf.join_files() == [path / "cgroup.procs"]
    assert leaf.cpu_file() == (path / "cpu.stat", "stat")


def test_v2_figures_come_from_the_kernel_files(tmp_path: Path) -> None:
    proc, _ = fake_v2(tmp_path, subtree="cpu memory pids\n")
    leaf = find(proc).create(SHAPE)
    (path,) = leaf.dirs.values()
    (path / "cpu.stat").write_text("usage_usec 81234\nuser_usec 60000\nsystem_usec 21234\n")
    (path / "memory.peak").write_text(f"{40 * 1024 * 1024}\n")
    (path / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (path / "pids.events").write_text("max 7\n")
    figures = leaf.figures()
    assert figures.cpu_ms == 81.234 and figures.peak_memory_kb == 40 * 1024
    assert figures.oom_kills == 1 and figures.forks_refused == 7


def test_v2_enables_the_controllers_for_our_leaves(tmp_path: Path) -> None:
    proc, own = fake_v2(tmp_path, subtree="", procs="")
    found = find(proc)
    assert found.parents == {"unified": own}
    assert (own / "cgroup.subtree_control").read_text() == "+memory +cpu +pids"


def test_v2_without_delegation_says_how_to_fix_it(tmp_path: Path) -> None:
    proc, own = fake_v2(tmp_path)
    (own / "cgroup.subtree_control").chmod(0o444)
    (own / "cgroup.procs").write_text("4242\n")
    if os.geteuid() == 0:  # root ignores file modes: make the write fail another way
        (own / "cgroup.subtree_control").unlink()
        (own / "cgroup.subtree_control").mkdir()
    with pytest.raises(NoBox) as caught:
        find(proc)
    message = str(caught.value)
    assert message.startswith(f"cannot enable memory, cpu and pids below cgroup {own} (")
    assert "systemd-run --scope -p Delegate=yes" in message and "--no-limits" in message


def test_no_cgroups_at_all_is_one_line_with_the_fix(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, ["22 1 0:5 / /proc rw - proc proc rw"], ["0::/"])
    with pytest.raises(NoBox, match=r"^no cgroup with the memory, cpu and pids .*--no-limits"):
        find(proc)


def test_hybrid_machine_with_empty_unified_tree_uses_v1(tmp_path: Path) -> None:
    unified = tmp_path / "unified"
    unified.mkdir()
    (unified / "cgroup.controllers").write_text("\n")
    lines = [f"30 24 0:26 / {unified} rw - cgroup2 cgroup2 rw"]
    for i, c in enumerate(("memory", "cpu,cpuacct", "pids")):
        (tmp_path / c).mkdir()
        lines.append(f"{40 + i} 24 0:{40 + i} / {tmp_path / c} rw - cgroup cgroup rw,{c}")
    proc = fake_proc(tmp_path, lines, ["0::/", "4:memory:/job", "3:cpu,cpuacct:/", "2:pids:/"])
    found = find(proc)
    assert found.version == 1
    assert found.parents == {
        "memory": tmp_path / "memory" / "job",
        "cpu": tmp_path / "cpu,cpuacct",
        "cpuacct": tmp_path / "cpu,cpuacct",
        "pids": tmp_path / "pids",
    }


def test_sweep_removes_only_our_leaves_whose_check_is_gone(tmp_path: Path) -> None:
    proc, own = fake_v2(tmp_path, subtree="cpu memory pids\n")
    dead = own / "ocelot-verify-999999999-0a0b0c0d"
    live = own / f"ocelot-verify-{os.getppid()}-0a0b0c0d"
    other = own / "someone-else-999999999"
    for d in (dead, live, other):
        d.mkdir()
    assert find(proc).sweep() == [dead]
    assert not dead.exists() and live.exists() and other.exists()


def test_read_cpu_parses_both_kinds() -> None:
    assert read_cpu("81234000\n", "ns") == 81.234
    assert read_cpu("usage_usec 5\n", "stat") == 0.005
    assert read_cpu("garbage", "ns") is None and read_cpu("", "stat") is None


def test_remove_kills_what_is_left_and_retries(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "cgroup.procs").write_text("")
    killed = []

    def kill(d: Path) -> None:  # the fake "kernel": killing empties it
        killed.append(d)
        (d / "cgroup.procs").unlink()

    remove_dirs([busy], kill)
    assert killed == [busy] and not busy.exists()


def _no_box() -> str | None:
    try:
        find()
    except NoBox as exc:
        return str(exc)
    return None


@pytest.mark.skipif(_no_box() is not None, reason=f"no box here: {_no_box()}")
def test_a_real_leaf_holds_shared_memory_to_the_limit(tmp_path: Path) -> None:
    """This machine's own backend (v1 here and in CI, as root): a process moved in before
    it runs is killed when its shared memory passes the limit, and the kernel says so."""
    hog = (
        "import mmap\n"
        "m = mmap.mmap(-1, 300 << 20, mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)\n"
        "for i in range(0, 300 << 20, 4096): m[i] = 1\n"
    )
    leaf = find().create(Shape(memory_mb=128, cpus=1.0))
    fds = tuple(os.open(p, os.O_WRONLY) for p in leaf.join_files())
    try:
        proc = ExtensionProcess([sys.executable, "-c", hog], env={}, cwd=tmp_path, join_fds=fds)
        with proc:
            assert proc.wait(60)
        figures = leaf.figures()
    finally:
        for fd in fds:
            os.close(fd)
        leaf.remove()
    assert proc.returncode == -9
    assert figures.oom_kills == 1 and figures.cpu_ms and figures.cpu_ms > 0
    assert figures.peak_memory_kb is not None and figures.peak_memory_kb <= 128 * 1024
    assert not any(d.exists() for d in leaf.dirs.values())


def test_a_process_that_cannot_join_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    read_only = os.open(os.devnull, os.O_RDONLY)  # a join descriptor that refuses writes
    try:
        proc = ExtensionProcess(
            ["/bin/sh", "-c", f"touch {marker}"], env={}, cwd=tmp_path, join_fds=(read_only,)
        )
        with pytest.raises(OSError):
            proc.start()
    finally:
        os.close(read_only)
    assert not marker.exists()
