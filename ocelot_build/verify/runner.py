"""Run the extension binary: natively or under qemu, in its own process group, in its box.

The process gets a session of its own so that a timeout can SIGKILL everything it
started (a hung collector, a child it forked). A child that starts a session of its own
escapes that; only the sandbox's PID namespace (``isolation``) catches it. Output is kept
in a ``TailBuffer``: the last 64 KiB, however much the process writes.

It starts as ``/bin/sh`` waiting on a pipe, already as the layer's user (``box.LAYER_UID``
when the check runs as root). The session then writes its pid to each of the box's
``cgroup.procs`` descriptors (opened by the check outside the sandbox, so the kernel checks
the check's rights), and only then lets it ``exec`` the collector: nothing of the layer runs
outside its limits, and the layer holds no descriptor to them. Peak RSS is ``VmHWM`` from
``/proc/<pid>/status``, sampled every 10 ms until exit (under qemu it is qemu's). The box's
own figures (CPU time, peak memory of every process together) come from the cgroup.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from ocelot_build.core.model import Architecture
from ocelot_build.verify.tailbuf import TailBuffer

QEMU_HINT = "apt-get install qemu-user-static"
LAUNCHER = "ocelot-launch"  # $0 of the waiting shell, so that its exec errors can be told apart
_WAIT_THEN_EXEC = 'read -r _ && exec "$@" </dev/null'
_RSS_POLL_S = 0.01


def host_architecture() -> Architecture | None:
    """The machine's own architecture, if it is one we build for."""
    return Architecture.lookup(platform.machine())


def find_qemu(arch: Architecture) -> str | None:
    """Debian's ``qemu-user-static`` binary for ``arch`` on PATH (or the dynamic one)."""
    return shutil.which(arch.qemu + "-static") or shutil.which(arch.qemu)


def launch_prefix(arch: Architecture) -> list[str] | None:
    """Argv prefix to run an ``arch`` binary here: [] natively, [qemu] emulated, None if
    this machine cannot run it."""
    if arch is host_architecture():
        return []
    qemu = find_qemu(arch)
    return [qemu] if qemu else None


def launch_error(returncode: int | None, lines: list[str]) -> str | None:
    """Why exec failed, when the waiting shell could not start the binary (it then exits
    126 or 127 with "ocelot-launch: 1: exec: PATH: REASON"), else None."""
    if returncode not in (126, 127):
        return None
    for line in reversed(lines):
        if line.startswith(f"{LAUNCHER}: ") and ": exec: " in line:
            return line.rsplit(": ", 1)[-1]
    return None


class ExtensionProcess:
    """One run of the extension: output captured line by line, exit and rusage collected."""

    def __init__(
        self,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        join_fds: tuple[int, ...] = (),
        user: int | None = None,
    ):
        self.argv = argv
        self.join_fds = join_fds  # cgroup.procs descriptors of the box, written before exec
        self.user = user  # run as this uid/gid (no supplementary groups); None: as we are
        self.env = env
        self.cwd = cwd
        self.output = TailBuffer()
        self.returncode: int | None = None
        self.peak_rss_kb: int | None = None
        self.started_at = 0.0
        self.exited_at: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []
        self._exited = threading.Event()

    def start(self) -> None:
        """Spawn the waiting shell in a new session (process group == pid), move it into
        the box, then let it exec. OSError if it cannot be moved (it is killed first)."""
        self._proc = subprocess.Popen(
            ["/bin/sh", "-c", _WAIT_THEN_EXEC, LAUNCHER, *self.argv],
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=self.user,
            group=self.user,
            extra_groups=None if self.user is None else [],
        )
        assert self._proc.stdin is not None
        try:
            for fd in self.join_fds:
                os.write(fd, str(self._proc.pid).encode())
            self._proc.stdin.write(b"go\n")
            self._proc.stdin.close()
        except OSError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
            raise
        self.started_at = time.monotonic()  # Lambda's clock starts at the process start
        self._threads = [
            threading.Thread(target=self._read, name="verify-log", daemon=True),
            threading.Thread(target=self._reap, name="verify-wait", daemon=True),
            threading.Thread(target=self._watch_rss, name="verify-rss", daemon=True),
        ]
        for t in self._threads:
            t.start()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    @property
    def exited(self) -> bool:
        return self._exited.is_set()

    def wait(self, timeout: float) -> bool:
        """True if the process exited within ``timeout`` seconds."""
        return self._exited.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the whole process group, then wait until the leader is reaped and the
        output is drained. Safe to call more than once, and after a clean exit (stragglers
        in the group are killed too)."""
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        for t in self._threads:
            t.join(timeout=10)

    @property
    def lines(self) -> list[str]:
        """The end of the output (see ``TailBuffer``), as lines."""
        return self.output.lines()

    def tail(self, n: int = 40) -> tuple[str, ...]:
        return tuple(self.lines[-n:])

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while chunk := os.read(fd, 65536):
            self.output.feed(chunk)
        self._proc.stdout.close()

    def _reap(self) -> None:
        assert self._proc is not None
        _, status = os.waitpid(self._proc.pid, 0)
        self.exited_at = time.monotonic()
        self.returncode = os.waitstatus_to_exitcode(status)
        self._proc.returncode = self.returncode  # so Popen never waits for it again
        self._exited.set()

    def _watch_rss(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while not self._exited.is_set():
            try:
                text = status.read_text()
            except OSError:
                text = ""
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    kb = int(line.split()[1])
                    self.peak_rss_kb = max(self.peak_rss_kb or 0, kb)
            self._exited.wait(_RSS_POLL_S)

    def __enter__(self) -> ExtensionProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
