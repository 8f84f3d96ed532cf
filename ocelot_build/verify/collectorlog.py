"""Reading the collector's own log: JSON lines from zap's production encoder on stdout.

The check judges success from API calls *and* these lines, because the collector exits 0
even when otelcol failed to start (it reports that through ``/init/error`` instead).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

STARTUP_MSG = "OpenTelemetry Lambda extension startup complete"
SHUTDOWN_MSG = "Received SHUTDOWN event"
DONE_MSG = "done"
START_FAILED_MSG = "Failed to start the extension"

_GO_UNITS = {
    "ns": 1e-6,
    "us": 1e-3,
    "µs": 1e-3,
    "μs": 1e-3,
    "ms": 1.0,
    "s": 1e3,
    "m": 60e3,
    "h": 3600e3,
}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def records(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The lines that are JSON objects; anything else (a panic, qemu's chatter) is skipped."""
    out = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


def startup_duration_ms(recs: list[dict[str, Any]]) -> float | None:
    """``startup_duration`` of the "startup complete" line, in ms.

    zap's production encoder writes durations as float seconds; a Go duration string
    ("123.4ms") is accepted too, in case the encoder changes.
    """
    for rec in recs:
        if rec.get("msg") != STARTUP_MSG or "startup_duration" not in rec:
            continue
        value = rec["startup_duration"]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return round(float(value) * 1e3, 3)
        if isinstance(value, str):
            return parse_go_duration_ms(value)
    return None


def parse_go_duration_ms(text: str) -> float | None:
    """``time.Duration.String()`` form ("1m2.5s", "350ms") in ms, or None if not one."""
    text = text.strip()
    parts = _GO_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return round(sum(float(n) * _GO_UNITS[u] for n, u in parts), 3)


def shutdown_problems(recs: list[dict[str, Any]]) -> list[str]:
    """What is missing or wrong in the log of a clean SHUTDOWN (empty list: clean)."""
    problems = []
    if not any(r.get("msg") == SHUTDOWN_MSG for r in recs):
        problems.append(f"no {SHUTDOWN_MSG!r} log line")
    done = [r for r in recs if r.get("msg") == DONE_MSG]
    if not done:
        problems.append(f"no {DONE_MSG!r} log line")
    elif done[-1].get("error"):
        problems.append(f"'done' logged an error: {done[-1]['error']}")
    return problems


def crash(lines: Iterable[str]) -> str | None:
    """The Go runtime's own last words (``fatal error: ...`` or ``panic: ...``), printed
    above a goroutine dump too long for the log tail; None if it did not crash."""
    last = None
    for line in lines:
        if line.startswith(("fatal error: ", "panic: ")):
            last = line
    return last


def failure(recs: list[dict[str, Any]]) -> str | None:
    """The collector's own account of why it failed, as one line, or None.

    Preference: the otelcol start error ("Failed to start the extension"), then a fatal
    line (register or subscribe failed: exit 1), then the error on "done", then any
    error-level line. Needed because the start error often cannot reach ``/init/error``:
    Go refuses header values with newlines, and otelcol config errors have them.
    """

    def pick(pred: Any) -> str | None:
        found = [r for r in recs if pred(r) and r.get("error")]
        if not found:
            return None
        text = f"{found[-1].get('msg')}: {found[-1]['error']}"
        return " ".join(str(text).split())

    return (
        pick(lambda r: r.get("msg") == START_FAILED_MSG)
        or pick(lambda r: r.get("level") == "fatal")
        or pick(lambda r: r.get("msg") == DONE_MSG)
        or pick(lambda r: r.get("level") == "error")
    )
