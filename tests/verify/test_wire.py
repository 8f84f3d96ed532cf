"""The check session's report is input: what a forged or broken one gets (no Go needed)."""

from __future__ import annotations

import json
import math

import pytest

from ocelot_build.core.files import json_text
from ocelot_build.verify.report import VerifyReport
from ocelot_build.verify.tailbuf import TailBuffer, printable
from ocelot_build.verify.watchdog import _result
from ocelot_build.verify.wire import parse_session_output, session_fields

GOOD = {"status": "passed", "reason": "", "init_ms": 41.5, "signals": ["traces"]}


def line(**fields: object) -> bytes:
    return json.dumps({**GOOD, **fields}).encode() + b"\n"


def test_a_clean_report_is_read() -> None:
    report = parse_session_output(line(), 0)
    assert report.status == "passed" and report.init_ms == 41.5 and report.signals == ("traces",)
    assert report.architecture is None  # the check fills that in, not the session


@pytest.mark.parametrize(
    ("data", "code", "why"),
    [
        (line(status="skipped"), 0, "status is 'skipped', not one of"),
        (line(init_ms=float("nan")), 0, "NaN is not a number"),
        (line(init_ms=float("inf")), 0, "Infinity is not a number"),
        (line(init_ms=-1.0), 0, "init_ms -1.0 is out of range"),
        (line(init_cpu_ms=1e12), 0, "init_cpu_ms 1000000000000.0 is out of range"),
        (line(architecture="amd64"), 0, "fields a session does not send: architecture"),
        (line(sandbox="bwrap"), 0, "fields a session does not send: sandbox"),
        (line(signals=["traces", "secrets"]), 0, "signals names an unknown signal"),
        (line(exit_code=True), 0, "exit_code has the wrong type"),
        (line() + line(init_ms=1.0), 0, "2 report lines, expected exactly 1"),
        (line(), -9, "exit code -9"),
        (line(), 134, "exit code 134"),  # Python's abort at exit: a crash, not a pass
        (b"", 0, "0 report lines"),
    ],
)
def test_a_forged_or_broken_report_is_refused(data: bytes, code: int, why: str) -> None:
    with pytest.raises(ValueError, match=why.replace("(", r"\(")):
        parse_session_output(data, code)


def test_a_refused_report_fails_the_check_with_the_reason() -> None:
    out, err = TailBuffer(), TailBuffer()
    out.feed(line(init_ms=1.0, architecture="amd64"))
    report = _result(-9, out, err, 60.0, killed=False)
    assert report.status == "failed" and report.init_ms is None
    assert report.reason == "the check session ended without a valid report (exit code -9)"


def test_strings_from_the_session_are_made_printable() -> None:
    report = parse_session_output(
        line(reason="\x1b[2Jgone", log_tail=["::error::forged", "\tok \x07"]), 0
    )
    assert report.reason == "\\x1b[2Jgone"
    assert report.log_tail == ("\\x3a:error::forged", "\tok \\x07")


def test_printable_escapes_controls_and_workflow_commands() -> None:
    assert printable("a\x1b]0;t\x07b\r") == "a\\x1b]0;t\\x07b\\x0d"
    assert printable("x\n  ::add-mask::s\n##[error]e\nok::fine") == (
        "x\n  \\x3a:add-mask::s\n\\x23#[error]e\nok::fine"
    )
    assert printable("\x9b31m") == "\\x9b31m"  # C1 CSI


def test_the_session_sends_only_what_it_knows() -> None:
    sent = session_fields(VerifyReport("passed", "", "amd64", cpu_ms=5.0, memory_mb=128))
    assert "architecture" not in sent and "cpu_ms" not in sent and "memory_mb" not in sent
    assert parse_session_output(json.dumps(sent).encode(), 0).status == "passed"


def test_json_written_by_ocelot_never_holds_nan() -> None:
    with pytest.raises(ValueError):
        json_text({"init_ms": math.nan})


def test_the_documented_verify_field_has_every_report_field() -> None:
    """docs/architecture.md shows ``manifest.example()``; its ``verify`` must be the report's
    shape (plus the bundled-config check the build adds)."""
    from ocelot_build.core.manifest import example

    documented = example().verify or {}
    assert set(documented) == {*VerifyReport("passed", "", "amd64").to_dict(), "bundled_config"}
