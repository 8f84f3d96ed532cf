"""A small HTTP server on 127.0.0.1 and a free port, served from a daemon thread.

Both the Lambda API emulator and the OTLP sink are one of these: they differ only in
their request handlers.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer:
    """Start with ``with``; handlers reach this object as ``self.server.owner``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            name=name,
            daemon=True,
        )

    @property
    def host_port(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: Any

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that dies mid-request (a killed collector) is no error of ours; the
        default would print a traceback into the check's output."""


class LoopbackHandler(BaseHTTPRequestHandler):
    """Keep-alive like Lambda (every reply has Content-Length), quiet, and without Nagle.

    Headers and body go out as two writes; with Nagle on, the second waits for the
    client's delayed ACK (~40 ms), which would be counted as the collector's init time and
    stall every export.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # the report tells what matters
        pass
