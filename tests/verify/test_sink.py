"""The OTLP/HTTP sink over real HTTP, and the "intact" comparison."""

from __future__ import annotations

import gzip
import os
import socket
import urllib.error
import urllib.request

import pytest
from google.protobuf import json_format

from ocelot_build.verify.payloads import SIGNALS, build_request, compare
from ocelot_build.verify.sink import OtlpSink

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _OPENER.open(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.parametrize("signal", SIGNALS)
def test_gzipped_protobuf_is_decoded_intact(signal: str) -> None:
    sent = build_request(signal, "run-1", os.urandom(16))
    with OtlpSink() as sink:
        status, _ = post(
            f"{sink.endpoint}/v1/{signal}",
            gzip.compress(sent.SerializeToString()),
            {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
        )
        assert sink.wait_for(signal, 1, timeout=5)
        got = sink.messages(signal)
    assert status == 200
    assert compare(sent, got, "run-1") is None
    assert got[0] == sent


def test_json_bodies_are_accepted_too() -> None:
    sent = build_request("traces", "run-2", os.urandom(16))
    with OtlpSink() as sink:
        status, body = post(
            f"{sink.endpoint}/v1/traces",
            json_format.MessageToJson(sent).encode(),
            {"Content-Type": "application/json"},
        )
        got = sink.messages("traces")
    assert status == 200 and body.startswith(b"{")
    assert compare(sent, got, "run-2") is None


def test_undecodable_bodies_are_400_and_recorded() -> None:
    with OtlpSink() as sink:
        status, _ = post(
            f"{sink.endpoint}/v1/logs",
            b"not gzip",
            {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
        )
        errors = sink.errors()
        assert not sink.wait_for("logs", 1, timeout=0.2)
    assert status == 400
    assert len(errors) == 1 and errors[0].startswith("logs: ")


def test_unknown_paths_are_404() -> None:
    with OtlpSink() as sink:
        status, _ = post(f"{sink.endpoint}/v1/profiles", b"", {})
        assert sink.received == []
    assert status == 404


def test_compare_tells_altered_from_missing() -> None:
    sent = build_request("traces", "run-3", os.urandom(16))
    altered = build_request("traces", "run-3", os.urandom(16))
    altered.CopyFrom(sent)
    altered.resource_spans[0].scope_spans[0].spans[0].name = "renamed"
    problem = compare(sent, [altered], "run-3")
    assert problem is not None and problem.startswith("arrived altered")
    assert "ocelot-verify-span" in problem and "renamed" in problem
    other = build_request("traces", "someone-else", os.urandom(16))
    assert compare(sent, [other], "run-3") == "did not arrive (1 other request(s) at the sink)"


def test_a_gzip_bomb_is_refused_without_being_held() -> None:
    """1 GiB of zeros gzips to about 1 MiB; the sink lives in the session, outside the
    layer's memory limit, so it stops inflating at 64 MiB (it grew to 3 GiB before)."""
    zeros = bytes(64 << 20)
    bomb = gzip.compress(b"".join([zeros] * 16), compresslevel=1)
    assert len(bomb) < 16 << 20
    with OtlpSink() as sink:
        status, body = post(
            f"{sink.endpoint}/v1/traces",
            bomb,
            {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
        )
        errors = sink.errors()
    assert status == 400 and b"inflates past 67,108,864 B; refused" in body
    assert errors == ["traces: request inflates past 67,108,864 B; refused"]


def test_a_body_over_16_mib_is_refused_unread() -> None:
    """Refused on its Content-Length alone: the body is never read (or sent, here)."""
    with OtlpSink() as sink:
        host, port = sink.host_port
        with socket.create_connection((host, port), timeout=5) as conn:
            conn.sendall(
                b"POST /v1/traces HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/x-protobuf\r\n"
                + f"Content-Length: {17 << 20}\r\n\r\n".encode()
            )
            reply = conn.recv(4096)
        received = sink.received
    assert reply.startswith(b"HTTP/1.1 413 ") and received == []
