"""Reading the collector's log lines, and the report as stored in a manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocelot_build.core.errors import UsageError, VerifyError
from ocelot_build.core.manifest import example
from ocelot_build.verify import collectorlog
from ocelot_build.verify.report import VerifyReport, read_manifest, write_report_to_manifest

# Shapes copied from the collector's zap output.
STARTUP = (
    '{"level":"info","ts":1.5,"logger":"lifecycle.manager","msg":"OpenTelemetry Lambda '
    'extension startup complete","startup_duration":0.073049329}'
)
SHUTDOWN = '{"level":"info","ts":2.0,"logger":"lifecycle.manager","msg":"Received SHUTDOWN event"}'
DONE = '{"level":"info","ts":2.1,"msg":"done"}'


def test_startup_duration_is_read_from_zap_seconds() -> None:
    recs = collectorlog.records(["qemu: noise", STARTUP, "{broken"])
    assert len(recs) == 1
    assert collectorlog.startup_duration_ms(recs) == pytest.approx(73.049, abs=0.001)
    assert collectorlog.startup_duration_ms(collectorlog.records([DONE])) is None


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("350ms", 350.0),
        ("1.5s", 1500.0),
        ("1m2s", 62000.0),
        ("250µs", 0.25),
        ("12", None),
        ("1.5 s", None),
    ],
)
def test_go_duration_strings(text: str, ms: float | None) -> None:
    assert collectorlog.parse_go_duration_ms(text) == ms


def test_shutdown_problems() -> None:
    assert collectorlog.shutdown_problems(collectorlog.records([SHUTDOWN, DONE])) == []
    failed_done = '{"level":"info","msg":"done","error":"context canceled"}'
    assert collectorlog.shutdown_problems(collectorlog.records([SHUTDOWN, failed_done])) == [
        "'done' logged an error: context canceled"
    ]
    assert collectorlog.shutdown_problems([]) == [
        "no 'Received SHUTDOWN event' log line",
        "no 'done' log line",
    ]


def test_failure_prefers_the_start_error_and_makes_it_one_line() -> None:
    start_failed = (
        '{"level":"warn","msg":"Failed to start the extension","error":"failed to get config:'
        '\\n\\n\'exporters\' unknown type: \\"debug\\""}'
    )
    done = '{"level":"info","msg":"done","error":"failed to get config; Post init/error: bad"}'
    recs = collectorlog.records([STARTUP, start_failed, done])
    assert collectorlog.failure(recs) == (
        "Failed to start the extension: failed to get config: 'exporters' unknown type: \"debug\""
    )
    fatal = '{"level":"fatal","msg":"Cannot register extension","error":"status 500"}'
    assert collectorlog.failure(collectorlog.records([fatal])) == (
        "Cannot register extension: status 500"
    )
    assert collectorlog.failure(collectorlog.records([done])).startswith("done: failed to get")
    assert collectorlog.failure(collectorlog.records([STARTUP, SHUTDOWN, DONE])) is None


def _failed() -> VerifyReport:
    return VerifyReport(
        "failed",
        "extension reported /init/error: boom",
        "amd64",
        error_type="failed to start the collector: boom",
        zip_size=10,
        unzipped_size=20,
        log_tail=("line 1", "line 2"),
    )


def test_to_dict_keeps_the_log_tail_only_for_failures() -> None:
    failed = _failed().to_dict()
    assert failed["log_tail"] == ["line 1", "line 2"] and failed["status"] == "failed"
    passed = VerifyReport("passed", "", "amd64", signals=("traces",), log_tail=("x",)).to_dict()
    assert "log_tail" not in passed and passed["signals"] == ["traces"]
    json.dumps(failed)  # plain JSON types only


def test_budget_violations_turn_a_pass_into_a_failure() -> None:
    passed = VerifyReport("passed", "", "amd64")
    failed = passed.with_budget_violations(["zip is 2 MiB, over max-zip-mb 1"])
    assert failed.status == "failed"
    assert failed.reason == "over budget: zip is 2 MiB, over max-zip-mb 1"
    assert passed.with_budget_violations([]) is passed
    # An earlier failure keeps its own reason; the violations are still listed.
    again = _failed().with_budget_violations(["x"])
    assert again.reason == _failed().reason and again.budget_violations == ("x",)


def test_summary_shows_error_type_and_log_lines_for_failures() -> None:
    text = _failed().summary()
    assert text.splitlines()[0] == "failed: extension reported /init/error: boom"
    assert "error type: failed to start the collector: boom" in text
    assert "    line 2" in text


def test_manifest_verify_field_is_written_atomically(tmp_path: Path) -> None:
    zip_path = tmp_path / "ocel-minimal-amd64.zip"
    manifest = zip_path.with_suffix(".json")
    example().write(manifest)
    write_report_to_manifest(manifest, _failed())
    data = read_manifest(zip_path)
    assert data is not None and data.with_verify({}) == example().with_verify({})
    assert data.verify is not None
    assert data.verify["error_type"] == "failed to start the collector: boom"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ocel-minimal-amd64.json"]


def test_unreadable_manifest_is_a_usage_error(tmp_path: Path) -> None:
    zip_path = tmp_path / "l.zip"
    zip_path.with_suffix(".json").write_text("{not json")
    with pytest.raises(UsageError, match="is not valid JSON"):
        read_manifest(zip_path)
    zip_path.with_suffix(".json").write_text('{"schema": 1}')
    with pytest.raises(UsageError, match="is missing collector_version, upstream"):
        read_manifest(zip_path)
    assert read_manifest(tmp_path / "other.zip") is None


def test_raise_if_failed_carries_the_collectors_lines() -> None:
    VerifyReport("passed", "", "amd64").raise_if_failed("ocel-minimal-amd64")
    VerifyReport("skipped", "no qemu", "arm64").raise_if_failed("ocel-minimal-arm64")
    with pytest.raises(VerifyError) as err:
        _failed().raise_if_failed("ocel-minimal-amd64")
    assert str(err.value) == (
        "ocel-minimal-amd64: boot check failed: extension reported /init/error: boom"
    )
    assert err.value.detail.splitlines() == [
        "error type: failed to start the collector: boom",
        "line 1",
        "line 2",
    ]
    assert err.value.exit_code == 1


def test_a_go_crash_is_found_above_its_goroutine_dump() -> None:
    lines = [
        '{"level":"info","msg":"hi"}',
        "fatal error: runtime: out of memory",
        "",
        "goroutine 1",
    ]
    assert collectorlog.crash(lines) == "fatal error: runtime: out of memory"
    assert collectorlog.crash(["panic: boom", "goroutine 7 [running]:"]) == "panic: boom"
    assert collectorlog.crash(['{"msg":"fatal error: in a message"}']) is None
