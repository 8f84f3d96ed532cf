"""The steps of one boot, driven against a running extension process.

Every wait is bounded, and every wait also watches for the two ways a collector gives
up: calling ``/init/error`` or ``/exit/error`` (it then exits 0, so the exit code alone
would say "fine"), and exiting early. The caller kills the process group afterwards,
whatever happened here.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.message import Message

from ocelot_build.verify import collectorlog
from ocelot_build.verify.emulator import ExtensionsApi
from ocelot_build.verify.layer import BINARY
from ocelot_build.verify.payloads import build_request, compare
from ocelot_build.verify.plan import CheckPlan
from ocelot_build.verify.runner import ExtensionProcess, launch_error
from ocelot_build.verify.sink import OtlpSink

SHUTDOWN_BUDGET_MS = 2000  # what Lambda gives extensions before SIGKILL
SHUTDOWN_WAIT_S = 10.0
LATE_DATA_WAIT_S = 3.0
_POLL_S = 0.01
# Never through a proxy from the environment: every address here is loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ocelot-verify"


class StepFailed(Exception):
    """A step of the boot check failed; ``reason`` is the one-line verdict."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Session:
    """One boot in progress, and the figures it has gathered so far."""

    api: ExtensionsApi
    sink: OtlpSink
    proc: ExtensionProcess
    plan: CheckPlan
    receiver: str
    timeout: float
    say: Callable[[str], None]
    init_ms: float | None = None
    shutdown_ms: float | None = None
    signals_ok: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    trace_id: bytes = field(default_factory=lambda: os.urandom(16))
    _sent: dict[str, Message] = field(default_factory=dict)

    def run(self) -> None:
        """Ready → INVOKE with data → runtimeDone → next event/next → SHUTDOWN → exit."""
        self._ready()
        request_id = self._invoke()
        self._runtime_done(request_id)
        self._check_data()
        self._shutdown()

    def _ready(self) -> None:
        self._wait_until(lambda: self._next_calls() >= 1, self.timeout, "the first event/next")
        state = self.api.snapshot()
        self.init_ms = round((state.next_calls[0] - self.proc.started_at) * 1e3, 1)
        self.say(f"ready after {self.init_ms:.1f} ms (first event/next)")
        if not {"INVOKE", "SHUTDOWN"} <= set(state.registered_events):
            raise StepFailed(f"registered for {state.registered_events}; needs INVOKE and SHUTDOWN")
        if not state.subscribers:
            raise StepFailed(
                "became ready without subscribing to the Telemetry API, so it "
                "cannot see platform.runtimeDone"
            )

    def _invoke(self) -> str:
        request_id = str(uuid.uuid4())
        trace = f"Root=1-{int(time.time()):08x}-{self.trace_id.hex()[:24]};Sampled=1"
        self.api.push_event(
            {
                "eventType": "INVOKE",
                "requestId": request_id,
                "invokedFunctionArn": _ARN,
                "deadlineMs": _now_ms() + int(self.timeout * 1000),
                "tracing": {"type": "X-Amzn-Trace-Id", "value": trace},
            }
        )
        self.say(f"INVOKE {request_id}")
        for signal in self.plan.signals:
            message = build_request(signal, self.run_id, self.trace_id)
            try:
                _post(
                    f"http://{self.receiver}/v1/{signal}",
                    message.SerializeToString(),
                    "application/x-protobuf",
                    self.timeout,
                )
            except OSError as exc:
                raise StepFailed(
                    f"sending {signal} to the collector's OTLP receiver failed: {exc}"
                ) from None
            self._sent[signal] = message
            self.say(f"sent {signal} to {self.receiver}")
        return request_id

    def _runtime_done(self, request_id: str) -> None:
        when = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        batch = [
            {
                "time": when,
                "type": "platform.start",
                "record": {"requestId": request_id, "version": "$LATEST"},
            },
            {
                "time": when,
                "type": "platform.runtimeDone",
                "record": {
                    "requestId": request_id,
                    "status": "success",
                    "metrics": {"durationMs": 1.0, "producedBytes": 0},
                },
            },
        ]
        for uri in self.api.snapshot().subscribers:
            try:
                _post(uri, json.dumps(batch).encode(), "application/json", self.timeout)
            except OSError as exc:
                msg = f"delivering platform.runtimeDone to {uri} failed: {exc}"
                raise StepFailed(msg) from None
        self.say("platform.runtimeDone delivered")
        self._wait_until(
            lambda: self._next_calls() >= 2, self.timeout, "event/next after platform.runtimeDone"
        )

    def _check_data(self) -> None:
        """Everything must be at the sink by the time the collector calls event/next."""
        for signal, sent in self._sent.items():
            problem = compare(sent, self.sink.messages(signal), self.run_id)
            if problem is None:
                self.signals_ok.append(signal)
                continue
            deadline = time.monotonic() + min(self.timeout, LATE_DATA_WAIT_S)
            while time.monotonic() < deadline:
                if compare(sent, self.sink.messages(signal), self.run_id) is None:
                    raise StepFailed(
                        f"{signal} reached the sink only after the collector "
                        "called event/next; Lambda may freeze the sandbox first"
                    )
                time.sleep(_POLL_S * 5)
            errors = self.sink.errors()
            raise StepFailed(f"{signal} {problem}" + (f"; sink: {errors[-1]}" if errors else ""))
        if self._sent:
            self.say("data arrived intact: " + ", ".join(self.signals_ok))

    def _shutdown(self) -> None:
        start = time.monotonic()
        self.api.push_event(
            {
                "eventType": "SHUTDOWN",
                "shutdownReason": "spindown",
                "deadlineMs": _now_ms() + SHUTDOWN_BUDGET_MS,
            }
        )
        self._wait_until(
            lambda: self.proc.exited, min(self.timeout, SHUTDOWN_WAIT_S), "exit after SHUTDOWN"
        )
        assert self.proc.exited_at is not None
        self.shutdown_ms = round((self.proc.exited_at - start) * 1e3, 1)
        self.say(f"exited {self.proc.returncode} after {self.shutdown_ms:.1f} ms")
        if self.shutdown_ms > SHUTDOWN_BUDGET_MS:
            self.notes.append(
                f"shutdown took {self.shutdown_ms:.0f} ms, more than the "
                f"{SHUTDOWN_BUDGET_MS} ms Lambda allows before SIGKILL"
            )

    def check_exit(self) -> None:
        """After the process is gone and its output drained: exit 0 and a clean log."""
        errors = self.api.snapshot().error_calls
        if errors:
            raise StepFailed(f"extension reported /{errors[-1][0]}/error: {errors[-1][1]}")
        if self.proc.returncode != 0:
            raise StepFailed(f"extension exited with code {self.proc.returncode} after SHUTDOWN")
        problems = collectorlog.shutdown_problems(collectorlog.records(self.proc.lines))
        if problems:
            raise StepFailed("unclean shutdown: " + "; ".join(problems))

    def _next_calls(self) -> int:
        with self.api.lock:
            return len(self.api.state.next_calls)

    def _wait_until(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            with self.api.lock:
                errors = list(self.api.state.error_calls)
                refused = list(self.api.state.refused)
            if refused:
                raise StepFailed(
                    f"extension subscribed the Telemetry API to {refused[-1]}: refused, "
                    "only loopback destinations are allowed"
                )
            if errors:
                self.proc.wait(2.0)  # let it log its last lines ("done" with the error)
                raise StepFailed(
                    f"extension reported /{errors[-1][0]}/error while waiting "
                    f"for {what}: {errors[-1][1]}"
                )
            if self.proc.exited:
                self.proc.kill()  # drains the output, so that a launch error can be read
                if why := launch_error(self.proc.returncode, self.proc.lines):
                    raise StepFailed(f"cannot start {BINARY}: {why}")
                raise StepFailed(
                    f"extension exited with code {self.proc.returncode} while waiting for {what}"
                )
            if time.monotonic() >= deadline:
                raise StepFailed(
                    f"timed out after {timeout:g} s waiting for {what} ({self._progress()})"
                )
            time.sleep(_POLL_S)

    def _progress(self) -> str:
        state = self.api.snapshot()
        return (
            f"registered: {'yes' if state.extension_id else 'no'}, "
            f"{len(state.subscribers)} Telemetry subscription(s), "
            f"{len(state.next_calls)} event/next call(s)"
        )


def _post(url: str, body: bytes, ctype: str, timeout: float) -> int:
    """POST to a loopback address; raises OSError (URLError, HTTPError, timeout)."""
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": ctype})
    with _OPENER.open(req, timeout=timeout) as resp:
        resp.read()
        return int(resp.status)


def _now_ms() -> int:
    return int(time.time() * 1000)
