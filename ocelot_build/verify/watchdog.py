"""Run the check session as a child process, held to one overall deadline from outside.

The session's steps have timeouts of their own, but each bounds one read, and a hostile
listener can trickle a byte at a time forever. The clock here is the parent's: at the
deadline the session's stdin is closed (it then kills the collector and reports), and
``GRACE_S`` later its whole process group is SIGKILLed; with bwrap that takes the sandbox's
PID namespace, and every process in it, along. The same kill runs when the check is
interrupted (SIGINT, or SIGTERM raised as an exception by the caller's handler).
Everything read from the session is bounded: it shares the sandbox with the collector.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from typing import IO

from ocelot_build.core.budgets import MIB
from ocelot_build.verify.boot import BootSpec
from ocelot_build.verify.isolation import Placement
from ocelot_build.verify.report import FAILED, VerifyReport
from ocelot_build.verify.tailbuf import TailBuffer, cut_line, printable
from ocelot_build.verify.wire import parse_session_output

GRACE_S = 10.0  # after the deadline, for the session to kill the collector and report
STOP_WAIT_S = 3.0  # on an interrupt, for the session to clean up before SIGKILL
REPORT_BYTES = MIB


def run_session(
    placement: Placement, spec: BootSpec, say: Callable[[str], None], fds: tuple[int, ...] = ()
) -> VerifyReport:
    """Start the session (handing it ``fds``: the box's), wait at most ``spec.deadline``
    (+ grace), and return its report."""
    proc = subprocess.Popen(
        placement.argv,
        env=placement.env,
        cwd="/",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        pass_fds=fds,
    )
    out, err = TailBuffer(REPORT_BYTES), TailBuffer()
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, out, None), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, err, say), daemon=True),
    ]
    for t in readers:
        t.start()
    killed = False
    try:
        with contextlib.suppress(OSError):  # the session may die before reading its spec
            proc.stdin.write(spec.to_line().encode())
            proc.stdin.flush()
        try:
            proc.wait(spec.deadline)
        except subprocess.TimeoutExpired:
            say(f"deadline of {spec.deadline:g} s passed: stopping the check")
            _close(proc.stdin)
            try:
                proc.wait(GRACE_S)
            except subprocess.TimeoutExpired:
                killed = True
    finally:
        _stop(proc)
        for t in readers:
            t.join(timeout=5)
    return _result(proc.returncode, out, err, spec.deadline, killed)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Close stdin (the session's cue to kill the collector), give it a moment, then
    SIGKILL its process group, even if a second interrupt arrives meanwhile."""
    assert proc.stdin is not None
    _close(proc.stdin)
    try:
        if proc.returncode is None:
            proc.wait(STOP_WAIT_S)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _close(stream: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        stream.close()


def _pump(stream: IO[bytes], buf: TailBuffer, say: Callable[[str], None] | None) -> None:
    """Copy a stream into a bounded buffer (and, line by line, to ``say``)."""
    for piece in iter(lambda: stream.readline(65536), b""):
        buf.feed(piece)
        if say is not None:
            say(printable(cut_line(piece.decode("utf-8", "replace").rstrip("\n"))))
    stream.close()


def _result(
    returncode: int | None, out: TailBuffer, err: TailBuffer, deadline: float, killed: bool
) -> VerifyReport:
    """The session's report, or a failure that says why there is none."""
    tail = tuple(err.lines()[-40:])
    if killed:
        reason = (
            f"the check did not finish within its {deadline:g} s deadline; "
            f"killed {GRACE_S:g} s later"
        )
        return VerifyReport(FAILED, reason, None, log_tail=tail)
    try:
        return parse_session_output(out.data(), returncode)
    except ValueError as exc:  # JSONDecodeError too
        reason = f"the check session ended without a valid report ({exc})"
        return VerifyReport(FAILED, printable(cut_line(reason, 300)), None, log_tail=tail)
