"""A local Lambda Extensions API and Telemetry API subscription endpoint.

Just enough of Lambda for the collector's lifecycle manager, avoiding the pitfalls that
make other emulators hang it: every 2xx reply is JSON (the client decodes them all), no
``accountId`` in the register reply (it would make the collector write a symlink into
/tmp), and telemetry subscriptions get 200 ``OK``, never 202 (202 makes the collector
carry on without events and block forever at the first INVOKE). The check drives it:
``push_event`` answers the pending ``event/next`` long poll.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ocelot_build.verify.loopback import LoopbackHandler, LoopbackServer

EXT = "/2020-01-01/extension"
TELEMETRY = "/2022-07-01/telemetry"
FUNCTION = {
    "functionName": "ocelot-verify",
    "functionVersion": "$LATEST",
    "handler": "index.handler",
}
MAX_BODY = 1024 * 1024
_LOOPBACK_ALIASES = {"", "0.0.0.0", "::", "[::]"}


@dataclass
class ApiState:
    """What the extension did, in order; read by the check while the server runs."""

    extension_name: str | None = None
    extension_id: str | None = None
    registered_events: list[str] = field(default_factory=list)
    subscribers: list[str] = field(default_factory=list)  # URIs, host fixed to loopback
    next_calls: list[float] = field(default_factory=list)  # time.monotonic() of each call
    ready_cpu_ms: float | None = None  # the box's CPU counter at the first event/next
    error_calls: list[tuple[str, str]] = field(default_factory=list)  # (path, error type)
    unexpected: list[str] = field(default_factory=list)  # "METHOD /path: why"
    refused: list[str] = field(default_factory=list)  # destinations that are not loopback


class ExtensionsApi(LoopbackServer):
    """The server, on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self, cpu_clock: Callable[[], float | None] | None = None) -> None:
        self.state = ApiState()
        self.cpu_clock = cpu_clock  # reads the layer's CPU ms from its cgroup, if boxed
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.closing = threading.Event()
        self.lock = threading.Lock()
        super().__init__(_Handler, "verify-extensions-api")

    @property
    def address(self) -> str:
        """``host:port`` for ``AWS_LAMBDA_RUNTIME_API`` (no scheme, as in Lambda)."""
        host, port = self.host_port
        return f"{host}:{port}"

    def push_event(self, event: dict[str, Any]) -> None:
        """Queue the reply to the next (or the pending) ``event/next``."""
        self.events.put(event)

    def snapshot(self) -> ApiState:
        with self.lock:
            return copy.deepcopy(self.state)

    def __exit__(self, *exc: object) -> None:
        self.closing.set()  # release a pending event/next first
        super().__exit__(*exc)


class _Handler(LoopbackHandler):
    @property
    def api(self) -> ExtensionsApi:
        return self.server.owner  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        body = self._body()
        path = self.path.split("?")[0]
        if path == f"{EXT}/register":
            self._register(body)
        elif path in (f"{EXT}/init/error", f"{EXT}/exit/error"):
            error_type = self.headers.get("Lambda-Extension-Function-Error-Type", "")
            with self.api.lock:
                self.api.state.error_calls.append((path.rsplit("/", 2)[-2], error_type))
            self._json(202, {"status": "OK"})
        else:
            self._unexpected("no such endpoint")

    def do_GET(self) -> None:
        self._body()
        if self.path.split("?")[0] != f"{EXT}/event/next":
            return self._unexpected("no such endpoint")
        api = self.api
        ext_id = api.state.extension_id
        if ext_id is None or self.headers.get("Lambda-Extension-Identifier") != ext_id:
            return self._unexpected("event/next without the registered identifier", 403)
        now = time.monotonic()
        cpu = api.cpu_clock() if api.cpu_clock and not api.state.next_calls else None
        with api.lock:
            if not api.state.next_calls:
                api.state.ready_cpu_ms = cpu
            api.state.next_calls.append(now)
        while not api.closing.is_set():
            try:
                event = api.events.get(timeout=0.1)
            except queue.Empty:
                continue
            return self._json(200, event)
        self._json(500, {"errorType": "Emulator.Closing", "errorMessage": "check is over"})

    def do_PUT(self) -> None:
        body = self._body()
        if self.path.split("?")[0] != TELEMETRY:
            return self._unexpected("no such endpoint")
        try:
            uri = json.loads(body)["destination"]["URI"]
        except (ValueError, KeyError, TypeError):
            return self._unexpected("subscription without destination.URI", 400)
        target = loopback_uri(uri) if isinstance(uri, str) else None
        with self.api.lock:
            if target is None:
                self.api.state.refused.append(repr(uri))
            else:
                self.api.state.subscribers.append(target)
        if target is None:
            why = "only http:// destinations on loopback are allowed here"
            return self._json(400, {"errorType": "Emulator.NotLoopback", "errorMessage": why})
        self._reply(200, b"OK", "text/plain")

    def _register(self, body: bytes) -> None:
        name = self.headers.get("Lambda-Extension-Name")
        if not name:
            return self._unexpected("register without Lambda-Extension-Name", 400)
        try:
            events = list(json.loads(body or b"{}").get("events", []))
        except (ValueError, AttributeError):
            events = []
        state = self.api.state
        with self.api.lock:
            state.extension_name, state.registered_events = name, events
            state.extension_id = state.extension_id or str(uuid.uuid4())
        self._json(200, FUNCTION, {"Lambda-Extension-Identifier": state.extension_id})

    def _unexpected(self, why: str, status: int = 404) -> None:
        with self.api.lock:
            self.api.state.unexpected.append(f"{self.command} {self.path}: {why}")
        self._json(status, {"errorType": "Emulator.Unexpected", "errorMessage": why})

    def _body(self) -> bytes:
        """The request body, at most 1 MiB (the emulator lives outside the layer's box)."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True  # the rest is never read
            length = MAX_BODY
        return self.rfile.read(length) if length > 0 else b""

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._reply(status, json.dumps(data).encode(), "application/json", headers)

    def _reply(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def loopback_uri(uri: str) -> str | None:
    """The destination to POST events to, or None if it is not an http URI on loopback.

    The collector advertises ``http://:PORT/`` under AWS_SAM_LOCAL (empty host: all
    interfaces), rewritten to 127.0.0.1. Anything else must be a loopback IP literal: the
    check never sends anything, on the extension's say-so, to another host.
    """
    try:
        parts = urlsplit(uri)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return None
    if parts.scheme != "http":
        return None
    if host in _LOOPBACK_ALIASES or parts.netloc.startswith(":"):
        netloc = f"127.0.0.1:{port}" if port else "127.0.0.1"
        return urlunsplit(parts._replace(netloc=netloc))
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return urlunsplit(parts) if loopback else None
