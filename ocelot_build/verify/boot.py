"""The check session: emulator, sink and collector together, in a child process of the check.

``python -m ocelot_build.verify.boot`` reads a ``BootSpec`` (one JSON line) on stdin, boots
the collector, and prints the report (one JSON line) on stdout; progress goes to stderr.
The check runs it inside the sandbox (``isolation``), so the emulator and the sink share
the collector's network namespace, where only loopback exists.

Stdin stays open while the check waits: the parent closing it means "the overall deadline
has passed" (or the parent is gone). The collector is then killed, which ends whatever
step was waiting on it, and the report says so. The parent kills this process too if it
does not finish soon after: the deadline never depends on this process's own I/O.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ocelot_build.verify import collectorlog
from ocelot_build.verify.cgroups import read_cpu
from ocelot_build.verify.emulator import ExtensionsApi
from ocelot_build.verify.layer import BINARY, CONFIG
from ocelot_build.verify.plan import CheckPlan, free_port, generated_config, write_config
from ocelot_build.verify.report import FAILED, PASSED, VerifyReport
from ocelot_build.verify.runner import ExtensionProcess
from ocelot_build.verify.session import Session, StepFailed
from ocelot_build.verify.wire import session_fields


@dataclass(frozen=True)
class BootSpec:
    """Everything the session needs, as the session sees the paths."""

    layer_root: str  # the unpacked layer (/opt in the sandbox)
    scratch: str  # writable scratch for the generated config and the collector's TMPDIR
    launcher: tuple[str, ...]  # [] natively, [qemu] emulated
    plan: CheckPlan
    timeout: float  # per step, already stretched for the CPU share (``box.Shape.stretch``)
    deadline: float
    memory_mb: int  # what the function would be configured with (its environment says so)
    join_fds: tuple[int, ...] = ()  # the box's cgroup.procs, opened by the check
    cpu_fd: int | None = None  # the box's CPU counter, read at the first event/next
    cpu_kind: str = "ns"  # how to read it (``cgroups.read_cpu``)
    layer_uid: int | None = None  # run the layer as this uid (the check runs as root)
    inittrace: bool = False  # GODEBUG=inittrace=1, and its lines in the report

    def to_line(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @classmethod
    def from_line(cls, line: str) -> BootSpec:
        data = json.loads(line)
        plan = data.pop("plan")
        plan = CheckPlan(
            plan["generated"], tuple(plan["signals"]), tuple(plan["processors"]), plan["note"]
        )
        tuples = {k: tuple(data[k]) for k in ("launcher", "join_fds")}
        return cls(plan=plan, **{**data, **tuples})


class Expiry:
    """Watches stdin; at EOF (deadline passed, or parent gone) kills the collector."""

    def __init__(self) -> None:
        self.expired = threading.Event()
        self._proc: ExtensionProcess | None = None
        self._lock = threading.Lock()

    def watch(self) -> None:
        threading.Thread(target=self._wait_for_eof, name="verify-expiry", daemon=True).start()

    def guard(self, proc: ExtensionProcess) -> None:
        with self._lock:
            self._proc = proc
        if self.expired.is_set():
            proc.kill()

    def _wait_for_eof(self) -> None:
        # The raw descriptor, not sys.stdin: a thread blocked in a buffered read holds its
        # lock, and the interpreter then aborts at exit (_enter_buffered_busy, exit 134).
        while os.read(0, 65536):
            pass
        self.expired.set()
        with self._lock:
            proc = self._proc
        if proc is not None:
            proc.kill()


def boot(spec: BootSpec, say: Any, expiry: Expiry) -> VerifyReport:
    """One boot of ``extensions/collector`` against our emulator; the report's sizes,
    architecture and sandbox are filled in by the parent, which knows them first-hand."""
    from ocelot_build.verify.sink import OtlpSink  # protobuf import only when booting

    layer, scratch = Path(spec.layer_root), Path(spec.scratch)
    cpu_clock = None
    if spec.cpu_fd is not None:
        fd, kind = spec.cpu_fd, spec.cpu_kind
        cpu_clock = lambda: read_cpu(os.pread(fd, 4096, 0).decode(), kind)  # noqa: E731
    with OtlpSink() as sink, ExtensionsApi(cpu_clock) as api:
        receiver = f"127.0.0.1:{free_port()}"
        config = layer / CONFIG
        if spec.plan.generated:
            config = scratch / "config.yaml"
            write_config(config, generated_config(spec.plan, receiver, sink.endpoint))
        env = _environment(api.address, config, scratch, spec.memory_mb)
        if spec.inittrace:
            env["GODEBUG"] = "inittrace=1"
        argv = [*spec.launcher, str(layer / BINARY)]
        proc = ExtensionProcess(
            argv, env=env, cwd=layer, join_fds=spec.join_fds, user=spec.layer_uid
        )
        session = Session(api, sink, proc, spec.plan, receiver, spec.timeout, say)
        status, reason = PASSED, ""
        try:
            with proc:
                expiry.guard(proc)
                say(f"started pid {proc.pid}" + (" in its box" if spec.join_fds else ""))
                session.run()
            session.check_exit()
        except StepFailed as exc:
            status, reason = FAILED, exc.reason
        except OSError as exc:  # the launch failed, or the box refused it
            status, reason = FAILED, f"cannot start {BINARY} in its box: {exc.strerror or exc}"
        if status == FAILED and expiry.expired.is_set():
            reason = f"the check did not finish within its {spec.deadline:g} s deadline ({reason})"
        return _report(session, status, reason, bool(spec.launcher))


def _report(session: Session, status: str, reason: str, emulated: bool) -> VerifyReport:
    state = session.api.snapshot()
    recs = collectorlog.records(session.proc.lines)
    notes = [session.plan.note] if session.plan.note else []
    if emulated:
        notes.append(
            "ran under qemu user-mode emulation: peak RSS includes the emulator, "
            "init time is not representative of Lambda"
        )
    if state.extension_name not in (None, "collector"):
        notes.append(f"registered as {state.extension_name!r}, not 'collector'")
    notes += [f"unexpected API call: {u}" for u in state.unexpected]
    if session.proc.output.dropped:
        notes.append(f"wrote {session.proc.output.total:,} B of output; only the end is kept")
    notes += session.notes
    return VerifyReport(
        status=status,
        reason=reason,
        architecture=None,
        config="generated" if session.plan.generated else "bundled",
        init_ms=session.init_ms,
        init_cpu_ms=None if state.ready_cpu_ms is None else round(state.ready_cpu_ms, 1),
        startup_duration_ms=collectorlog.startup_duration_ms(recs),
        shutdown_ms=session.shutdown_ms,
        peak_rss_kb=session.proc.peak_rss_kb,
        signals=tuple(session.signals_ok),
        error_type=state.error_calls[-1][1] if state.error_calls else None,
        collector_error=collectorlog.failure(recs) or collectorlog.crash(session.proc.lines),
        exit_code=session.proc.returncode,
        notes=tuple(notes),
        log_tail=session.proc.tail(40),
        init_trace=tuple(line for line in session.proc.lines if line.startswith("init ")),
    )


def _environment(runtime_api: str, config: Path, scratch: Path, memory_mb: int) -> dict[str, str]:
    """A clean Lambda-like environment: nothing of ours (no AWS credentials) leaks in.

    ``AWS_SAM_LOCAL=true`` makes the Telemetry listener bind all interfaces instead of
    ``sandbox.localdomain``, which does not resolve outside Lambda.
    """
    tmp = scratch / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)  # the layer may run as another user
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "TMPDIR": str(scratch / "tmp"),
        "TZ": "UTC",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_SAM_LOCAL": "true",
        "OPENTELEMETRY_COLLECTOR_CONFIG_URI": f"file:{config}",
        "OPENTELEMETRY_EXTENSION_LOG_LEVEL": "info",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_FUNCTION_NAME": "ocelot-verify",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def main() -> int:
    _undumpable()
    spec = BootSpec.from_line(_read_line())
    expiry = Expiry()
    expiry.watch()
    report = boot(spec, lambda line: print(line, file=sys.stderr, flush=True), expiry)
    sys.stdout.write(json.dumps(session_fields(report), allow_nan=False) + "\n")
    sys.stdout.flush()
    return 0


def _read_line() -> str:
    """The spec line, read from the raw descriptor byte by byte: nothing after it may be
    buffered away from the expiry watch, which reads the same descriptor."""
    data = bytearray()
    while not data.endswith(b"\n") and (byte := os.read(0, 1)):
        data += byte
    return data.decode()


def _undumpable() -> None:
    """PR_SET_DUMPABLE 0: a layer running as our own uid (no root caller, so no other uid
    to drop to) cannot ptrace us or open /proc/<us>/fd, so it cannot write our report."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)


if __name__ == "__main__":
    sys.exit(main())
