"""Run the extension binary: natively or under qemu, in its own process group.

The process gets a session of its own so that a timeout can SIGKILL everything it
started (a hung collector, a child it forked) and nothing outlives the check. Peak RSS
is the kernel's high-water mark ``VmHWM`` from ``/proc/<pid>/status``, sampled every 10 ms
until exit (a high-water mark, so only growth in the last 10 ms can be missed). Not
``ru_maxrss``: the kernel carries it across ``exec``, so it starts at the RSS of the
Python process that forked the child. Under qemu user-mode emulation the process is
qemu, so the figure includes the emulator.
"""

from __future__ import annotations

import collections
import contextlib
import os
import platform
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from ocelot_build.model import Architecture

QEMU_HINT = "apt-get install qemu-user-static"
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


class ExtensionProcess:
    """One run of the extension: output captured line by line, exit and rusage collected."""

    def __init__(self, argv: list[str], *, env: dict[str, str], cwd: Path, keep: int = 400):
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)
        self.returncode: int | None = None
        self.peak_rss_kb: int | None = None
        self.started_at = 0.0
        self.exited_at: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []
        self._exited = threading.Event()

    def start(self) -> None:
        """Spawn in a new session (process group == pid); output merged into one stream."""
        self.started_at = time.monotonic()
        self._proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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

    def tail(self, n: int = 40) -> tuple[str, ...]:
        return tuple(list(self.lines)[-n:])

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in self._proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
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
