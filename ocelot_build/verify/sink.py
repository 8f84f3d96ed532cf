"""A local OTLP/HTTP endpoint that the collector's ``otlphttp`` exporter sends to.

It accepts what that exporter sends by default (protobuf, gzip) and also JSON and
uncompressed bodies, decodes every request into its protobuf message, and keeps them
for the check to compare with what it sent.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from ocelot_build.verify.payloads import REQUEST_TYPES, RESPONSE_TYPES


@dataclass(frozen=True)
class Received:
    """One request at the sink: decoded message, or why it could not be decoded."""

    signal: str
    message: Message | None
    content_type: str
    content_encoding: str
    error: str | None = None


class OtlpSink:
    """OTLP/HTTP server on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.sink = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            name="verify-otlp-sink",
            daemon=True,
        )

    @property
    def endpoint(self) -> str:
        """Base URL for the ``otlphttp`` exporter (it appends ``/v1/<signal>``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def messages(self, signal: str) -> list[Message]:
        with self.lock:
            return [r.message for r in self.received if r.signal == signal and r.message]

    def errors(self) -> list[str]:
        with self.lock:
            return [f"{r.signal}: {r.error}" for r in self.received if r.error]

    def wait_for(self, signal: str, count: int, timeout: float) -> bool:
        """True once ``count`` decoded requests for ``signal`` have arrived."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                got = sum(1 for r in self.received if r.signal == signal and r.message)
                remaining = deadline - time.monotonic()
                if got >= count or remaining <= 0:
                    return got >= count
                self.arrived.wait(remaining)

    def _store(self, item: Received) -> None:
        with self.arrived:
            self.received.append(item)
            self.arrived.notify_all()

    def __enter__(self) -> OtlpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    sink: OtlpSink


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms), which would stall every export (and the flush).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        signal = self.path.split("?")[0].removeprefix("/v1/")
        if signal not in REQUEST_TYPES:
            return self._reply(404, b"", "text/plain")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        encoding = (self.headers.get("Content-Encoding") or "").strip().lower()
        try:
            message = _decode(signal, _decompress(body, encoding), ctype)
        except (
            OSError,
            EOFError,
            zlib.error,
            DecodeError,
            json_format.ParseError,
            ValueError,
        ) as exc:
            self.server.sink._store(Received(signal, None, ctype, encoding, str(exc)))
            return self._reply(400, str(exc).encode(), "text/plain")
        self.server.sink._store(Received(signal, message, ctype, encoding))
        response = RESPONSE_TYPES[signal]()
        if ctype == "application/json":
            return self._reply(200, json_format.MessageToJson(response).encode(), ctype)
        self._reply(200, response.SerializeToString(), "application/x-protobuf")

    def _reply(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _decompress(body: bytes, encoding: str) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    raise ValueError(f"unsupported Content-Encoding {encoding!r}; the sink takes gzip, deflate")


def _decode(signal: str, body: bytes, ctype: str) -> Message:
    message = REQUEST_TYPES[signal]()
    if ctype == "application/json":
        json_format.Parse(body.decode("utf-8"), message)
    elif ctype in ("application/x-protobuf", "application/protobuf", ""):
        message.ParseFromString(body)
    else:
        raise ValueError(f"unsupported Content-Type {ctype!r}")
    return message
