"""A local OTLP/HTTP endpoint that the collector's ``otlphttp`` exporter sends to.

It accepts what that exporter sends by default (protobuf, gzip) and also JSON and
uncompressed bodies, decodes every request into its protobuf message, and keeps them
for the check to compare with what it sent.
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from ocelot_build.verify.loopback import LoopbackHandler, LoopbackServer
from ocelot_build.verify.payloads import REQUEST_TYPES, RESPONSE_TYPES

MAX_BODY = 16 * 1024 * 1024  # an OTLP request of the check is a few KiB
MAX_INFLATED = 64 * 1024 * 1024


@dataclass(frozen=True)
class Received:
    """One request at the sink: decoded message, or why it could not be decoded."""

    signal: str
    message: Message | None
    content_type: str
    content_encoding: str
    error: str | None = None


class OtlpSink(LoopbackServer):
    """OTLP/HTTP server on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        super().__init__(_Handler, "verify-otlp-sink")

    @property
    def endpoint(self) -> str:
        """Base URL for the ``otlphttp`` exporter (it appends ``/v1/<signal>``)."""
        host, port = self.host_port
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


class _Handler(LoopbackHandler):
    @property
    def sink(self) -> OtlpSink:
        return self.server.owner  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            return self._reply(413, b"request body over 16 MiB", "text/plain")
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
            self.sink._store(Received(signal, None, ctype, encoding, str(exc)))
            return self._reply(400, str(exc).encode(), "text/plain")
        self.sink._store(Received(signal, message, ctype, encoding))
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
    """The body inflated, at most ``MAX_INFLATED`` bytes of it (a gzip bomb is refused, not
    held: the sink lives in the session, outside the layer's memory limit)."""
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise ValueError(f"unsupported Content-Encoding {encoding!r}; the sink takes gzip, deflate")
    inflater = zlib.decompressobj(31 if encoding == "gzip" else 15)
    data = inflater.decompress(body, MAX_INFLATED)
    if inflater.unconsumed_tail or (not inflater.eof and len(data) >= MAX_INFLATED):
        raise ValueError(f"request inflates past {MAX_INFLATED:,} B; refused")
    if not inflater.eof:
        raise ValueError("truncated compressed body")
    return data


def _decode(signal: str, body: bytes, ctype: str) -> Message:
    message = REQUEST_TYPES[signal]()
    if ctype == "application/json":
        json_format.Parse(body.decode("utf-8"), message)
    elif ctype in ("application/x-protobuf", "application/protobuf", ""):
        message.ParseFromString(body)
    else:
        raise ValueError(f"unsupported Content-Type {ctype!r}")
    return message
