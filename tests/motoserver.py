"""A real ``moto_server`` on 127.0.0.1 for the boto3 code (imported by tests as ``motoserver``).

The AWS side is tested over HTTP, as production talks to AWS: the code under test builds its
clients the ordinary way, and ``AWS_ENDPOINT_URL`` (honoured by botocore for every service)
points them here. One server runs per test session; ``reset`` empties it between tests.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ACCOUNT = "123456789012"  # moto's default account


@dataclass
class MotoServer:
    """A running ``moto_server`` process and its endpoint."""

    process: subprocess.Popen[bytes]
    url: str

    def reset(self) -> None:
        """Drop every resource (moto's own reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(log: Path) -> MotoServer:
    """Start ``moto_server`` from this environment's bin dir; wait until it answers."""
    port = _free_port()
    exe = Path(sys.executable).with_name("moto_server")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=sink, stderr=sink
        )
    server = MotoServer(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text()[-2000:]}")
        try:
            server.reset()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"moto_server did not answer on {server.url}")
