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

import json
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ocelot_build.verify import collectorlog
from ocelot_build.verify.emulator import ExtensionsApi
from ocelot_build.verify.layer import BINARY, CONFIG
from ocelot_build.verify.plan import CheckPlan, free_port, generated_config, write_config
from ocelot_build.verify.report import FAILED, PASSED, VerifyReport
from ocelot_build.verify.runner import ExtensionProcess, memory_prefix
from ocelot_build.verify.session import Session, StepFailed


@dataclass(frozen=True)
class BootSpec:
    """Everything the session needs, as the session sees the paths."""

    layer_root: str  # the unpacked layer (/opt in the sandbox)
    scratch: str  # writable scratch for the generated config and the collector's TMPDIR
    launcher: tuple[str, ...]  # [] natively, [qemu] emulated
    plan: CheckPlan
    timeout: float
    deadline: float
    memory_mb: int
    inittrace: bool = False

    def to_line(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @classmethod
    def from_line(cls, line: str) -> BootSpec:
        data = json.loads(line)
        plan = data.pop("plan")
        plan = CheckPlan(
            plan["generated"], tuple(plan["signals"]), tuple(plan["processors"]), plan["note"]
        )
        return cls(plan=plan, **{**data, "launcher": tuple(data["launcher"])})


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
        sys.stdin.buffer.read()
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
    try:
        capped = memory_prefix(spec.memory_mb)
    except FileNotFoundError as exc:
        return VerifyReport(FAILED, str(exc), None)
    with OtlpSink() as sink, ExtensionsApi() as api:
        receiver = f"127.0.0.1:{free_port()}"
        config = layer / CONFIG
        if spec.plan.generated:
            config = scratch / "config.yaml"
            write_config(config, generated_config(spec.plan, receiver, sink.endpoint))
        argv = [*capped, *spec.launcher, str(layer / BINARY)]
        env = _environment(api.address, config, scratch, spec.inittrace)
        proc = ExtensionProcess(argv, env=env, cwd=layer)
        session = Session(api, sink, proc, spec.plan, receiver, spec.timeout, say)
        status, reason = PASSED, ""
        try:
            with proc:
                expiry.guard(proc)
                say(f"started pid {proc.pid} (memory capped at {spec.memory_mb} MB)")
                session.run()
            session.check_exit()
        except StepFailed as exc:
            status, reason = FAILED, exc.reason
        except OSError as exc:  # exec itself failed: Lambda's Extension.LaunchError
            status, reason = FAILED, f"cannot start {BINARY}: {exc.strerror or exc}"
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


def _environment(
    runtime_api: str, config: Path, scratch: Path, inittrace: bool = False
) -> dict[str, str]:
    """A clean Lambda-like environment: nothing of ours (no AWS credentials) leaks in.

    ``AWS_SAM_LOCAL=true`` makes the Telemetry listener bind all interfaces instead of
    ``sandbox.localdomain``, which does not resolve outside Lambda.
    """
    (scratch / "tmp").mkdir(exist_ok=True)
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
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    } | ({"GODEBUG": "inittrace=1"} if inittrace else {})


def main() -> int:
    spec = BootSpec.from_line(sys.stdin.readline())
    expiry = Expiry()
    expiry.watch()
    report = boot(spec, lambda line: print(line, file=sys.stderr, flush=True), expiry)
    sys.stdout.write(json.dumps(report.to_wire()) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
