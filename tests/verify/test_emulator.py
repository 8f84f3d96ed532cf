"""The Extensions API emulator over real HTTP: the replies the collector's client needs."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from ocelot_build.verify.emulator import ExtensionsApi, loopback_uri

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(
    api: ExtensionsApi,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(
        f"http://{api.address}{path}", data=body, method=method, headers=headers or {}
    )
    try:
        with _OPENER.open(req, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def register(api: ExtensionsApi) -> str:
    status, headers, body = call(
        api,
        "POST",
        "/2020-01-01/extension/register",
        b'{"events":["INVOKE","SHUTDOWN"]}',
        {"Lambda-Extension-Name": "collector"},
    )
    assert status == 200
    reply = json.loads(body)
    assert "accountId" not in reply  # it would make the collector write /tmp symlinks
    assert reply["functionName"] and reply["handler"]
    return headers["Lambda-Extension-Identifier"]


def test_register_returns_json_and_an_identifier() -> None:
    with ExtensionsApi() as api:
        ext_id = register(api)
        state = api.snapshot()
    assert ext_id and state.extension_id == ext_id
    assert state.extension_name == "collector"
    assert state.registered_events == ["INVOKE", "SHUTDOWN"]


def test_register_without_a_name_is_refused_and_recorded() -> None:
    with ExtensionsApi() as api:
        status, _, body = call(api, "POST", "/2020-01-01/extension/register", b"{}")
        state = api.snapshot()
    assert status == 400 and json.loads(body)["errorType"] == "Emulator.Unexpected"
    assert state.extension_id is None and len(state.unexpected) == 1


def test_event_next_long_polls_until_an_event_is_pushed() -> None:
    results: list[Any] = []
    with ExtensionsApi() as api:
        ext_id = register(api)
        t = threading.Thread(
            target=lambda: results.append(
                call(
                    api,
                    "GET",
                    "/2020-01-01/extension/event/next",
                    headers={"Lambda-Extension-Identifier": ext_id},
                )
            )
        )
        t.start()
        t.join(0.3)
        assert t.is_alive() and not results  # still waiting: no event yet
        api.push_event({"eventType": "SHUTDOWN", "deadlineMs": 1})
        t.join(5)
        state = api.snapshot()
    status, headers, body = results[0]
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["eventType"] == "SHUTDOWN"
    assert len(state.next_calls) == 1


def test_event_next_needs_the_registered_identifier() -> None:
    with ExtensionsApi() as api:
        status, _, _ = call(api, "GET", "/2020-01-01/extension/event/next")  # not registered
        assert status == 403
        register(api)
        status, _, body = call(
            api,
            "GET",
            "/2020-01-01/extension/event/next",
            headers={"Lambda-Extension-Identifier": "someone-else"},
        )
        state = api.snapshot()
    assert status == 403 and json.loads(body)["errorType"]
    assert state.next_calls == []


@pytest.mark.parametrize("kind", ["init", "exit"])
def test_error_reports_get_202_json_and_keep_the_error_type(kind: str) -> None:
    with ExtensionsApi() as api:
        ext_id = register(api)
        status, _, body = call(
            api,
            "POST",
            f"/2020-01-01/extension/{kind}/error",
            headers={
                "Lambda-Extension-Identifier": ext_id,
                "Lambda-Extension-Function-Error-Type": "failed to start the collector: boom",
            },
        )
        state = api.snapshot()
    assert status == 202 and json.loads(body) == {"status": "OK"}
    assert state.error_calls == [(kind, "failed to start the collector: boom")]


def test_telemetry_subscription_gets_200_ok_and_a_reachable_uri() -> None:
    sub = {
        "schemaVersion": "2022-12-13",
        "types": ["platform"],
        "destination": {"protocol": "HTTP", "URI": "http://:4243/", "method": "POST"},
    }
    with ExtensionsApi() as api:
        status, _, body = call(
            api,
            "PUT",
            "/2022-07-01/telemetry",
            json.dumps(sub).encode(),
            {"Content-Type": "application/json"},
        )
        state = api.snapshot()
    assert status == 200 and body == b"OK"  # never 202: that makes the collector hang
    assert state.subscribers == ["http://127.0.0.1:4243/"]


def test_unknown_endpoints_are_404_json_and_recorded() -> None:
    with ExtensionsApi() as api:
        status, _, body = call(api, "POST", "/2020-08-15/logs", b"{}")
        state = api.snapshot()
    assert status == 404 and json.loads(body)["errorType"] == "Emulator.Unexpected"
    assert state.unexpected == ["POST /2020-08-15/logs: no such endpoint"]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://:4243/", "http://127.0.0.1:4243/"),
        ("http://0.0.0.0:80/x", "http://127.0.0.1:80/x"),
        ("http://[::]:9/", "http://127.0.0.1:9/"),
        ("http://127.0.0.2:5/", "http://127.0.0.2:5/"),
        ("http://[::1]:5/", "http://[::1]:5/"),
        ("http://sandbox.example:5/", None),
        ("http://localhost:5/", None),  # a name can resolve anywhere
        ("http://10.0.0.1:5/", None),
        ("https://127.0.0.1:5/", None),
        ("file:///etc/passwd", None),
        ("http://127.0.0.1:99999/", None),
    ],
)
def test_loopback_uri(uri: str, expected: str | None) -> None:
    assert loopback_uri(uri) == expected


def test_subscription_to_another_host_is_refused_and_recorded() -> None:
    with ExtensionsApi() as api:
        ext_id = register(api)
        body = json.dumps({"destination": {"URI": "http://169.254.169.254:80/"}}).encode()
        status, _, reply = call(
            api, "PUT", "/2022-07-01/telemetry", body, {"Lambda-Extension-Identifier": ext_id}
        )
        state = api.snapshot()
    assert status == 400 and json.loads(reply)["errorType"] == "Emulator.NotLoopback"
    assert state.subscribers == [] and state.refused == ["'http://169.254.169.254:80/'"]
