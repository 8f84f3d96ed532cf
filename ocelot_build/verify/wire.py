"""The check session's report, as the check reads it: input, not truth.

The session shares its sandbox with the untrusted layer. The layer runs as another user
(or the session is not dumpable), so it cannot write the session's report, but it can kill
the session or lie through every API it calls. So the check believes a report only from a
session that exited 0 and wrote exactly one line, and only the fields the session knows
first-hand: every number finite and in range, every status one the session sends
(``passed`` or ``failed``, never ``skipped``), every string made printable. Everything else
(sizes, architecture, sandbox, memory size, CPU share, the kernel's CPU time and peak
memory) the check fills in itself.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import fields
from typing import Any

from ocelot_build.verify.payloads import SIGNALS
from ocelot_build.verify.report import FAILED, PASSED, VerifyReport
from ocelot_build.verify.tailbuf import printable

# What the session may report, and the range of each number in it.
_NUMBERS: dict[str, tuple[float, float]] = {
    "init_ms": (0.0, 86_400_000.0),
    "init_cpu_ms": (0.0, 86_400_000.0),
    "startup_duration_ms": (0.0, 86_400_000.0),
    "shutdown_ms": (0.0, 86_400_000.0),
    "peak_rss_kb": (0, 1 << 40),
    "exit_code": (-64, 255),
}
_CHOICES = {"status": (PASSED, FAILED), "config": ("generated", "bundled")}
_STRINGS = ("reason", "error_type", "collector_error")
_LISTS = {"signals": 3, "notes": 100, "log_tail": 40, "init_trace": 5000}
WIRE_FIELDS = frozenset([*_NUMBERS, *_CHOICES, *_STRINGS, *_LISTS])


def session_fields(report: VerifyReport) -> dict[str, Any]:
    """What the session sends: the fields it knows first-hand."""
    return {f.name: getattr(report, f.name) for f in fields(report) if f.name in WIRE_FIELDS}


def parse_session_output(data: bytes, returncode: int | None) -> VerifyReport:
    """The report in the session's stdout; ValueError saying what is wrong with it."""
    if returncode != 0:
        raise ValueError(f"exit code {returncode}")
    lines = [line for line in data.split(b"\n") if line.strip()]
    if len(lines) != 1:
        raise ValueError(f"{len(lines)} report lines, expected exactly 1")
    value = json.loads(lines[0], parse_constant=_no_constant)
    if not isinstance(value, dict) or not {"status", "reason"} <= value.keys():
        raise ValueError("not a report object")
    unknown = sorted(set(value) - WIRE_FIELDS)
    if unknown:
        raise ValueError(f"fields a session does not send: {', '.join(unknown)}")
    return VerifyReport(architecture=None, **{k: _checked(k, v) for k, v in value.items()})


def _checked(name: str, value: Any) -> Any:
    kind = _TYPES[name]
    if name in _LISTS:
        ok = isinstance(value, list) and len(value) <= _LISTS[name]
        if not ok or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} is not a list of at most {_LISTS[name]} strings")
        if name == "signals" and not set(value) <= set(SIGNALS):
            raise ValueError("signals names an unknown signal")
        return tuple(printable(v) for v in value)
    if not _is(value, kind):
        raise ValueError(f"{name} has the wrong type")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ValueError(f"{name} is {printable(str(value))[:40]!r}, not one of {_CHOICES[name]}")
    if name in _NUMBERS and value is not None:
        low, high = _NUMBERS[name]
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"{name} {value!r} is out of range {low:g} to {high:g}")
    return printable(value) if isinstance(value, str) else value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _is(value: Any, kind: Any) -> bool:
    """isinstance for the field types of VerifyReport (bool is not a number here)."""
    kinds = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    if isinstance(value, bool):
        return bool in kinds
    if value is None:
        return type(None) in kinds
    if float in kinds and isinstance(value, int):
        return True
    return any(k is not type(None) and isinstance(value, k) for k in kinds)


_TYPES: dict[str, Any] = {
    name: hint for name, hint in typing.get_type_hints(VerifyReport).items() if name in WIRE_FIELDS
}
