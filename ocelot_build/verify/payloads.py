"""The OTLP requests the check sends, and how it decides they arrived intact.

Each request carries a fresh random id (trace id, and a resource attribute) so that data
from another run can never be mistaken for ours, and a spread of value types (string,
int, double, bool, array, bytes) so that a lossy pipeline shows. "Intact" means the
decoded request at the sink equals the one we sent, field for field.
"""

from __future__ import annotations

import os
import time

from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.logs.v1 import logs_pb2
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

SIGNALS = ("traces", "metrics", "logs")

REQUEST_TYPES: dict[str, type[Message]] = {
    "traces": trace_service_pb2.ExportTraceServiceRequest,
    "metrics": metrics_service_pb2.ExportMetricsServiceRequest,
    "logs": logs_service_pb2.ExportLogsServiceRequest,
}
RESPONSE_TYPES: dict[str, type[Message]] = {
    "traces": trace_service_pb2.ExportTraceServiceResponse,
    "metrics": metrics_service_pb2.ExportMetricsServiceResponse,
    "logs": logs_service_pb2.ExportLogsServiceResponse,
}


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        v = AnyValue(bool_value=value)
    elif isinstance(value, int):
        v = AnyValue(int_value=value)
    elif isinstance(value, float):
        v = AnyValue(double_value=value)
    elif isinstance(value, bytes):
        v = AnyValue(bytes_value=value)
    elif isinstance(value, list):
        v = AnyValue(array_value=ArrayValue(values=[_kv("", x).value for x in value]))
    else:
        v = AnyValue(string_value=str(value))
    return KeyValue(key=key, value=v)


def _attributes(run_id: str) -> list[KeyValue]:
    return [
        _kv("ocelot.verify.run", run_id),
        _kv("ocelot.int", 42),
        _kv("ocelot.double", 0.25),
        _kv("ocelot.bool", True),
        _kv("ocelot.array", ["a", 7]),
        _kv("ocelot.bytes", b"\x00\xff"),
    ]


def build_request(signal: str, run_id: str, trace_id: bytes) -> Message:
    """An export request for ``signal`` tagged with ``run_id`` (and ``trace_id``)."""
    now = time.time_ns()
    resource = Resource(
        attributes=[_kv("service.name", "ocelot-verify"), _kv("ocelot.verify.run", run_id)]
    )
    scope = InstrumentationScope(name="ocelot.verify", version="1")
    if signal == "traces":
        span = Span(
            trace_id=trace_id,
            span_id=os.urandom(8),
            name="ocelot-verify-span",
            kind=Span.SPAN_KIND_SERVER,
            start_time_unix_nano=now - 1_000_000,
            end_time_unix_nano=now,
            attributes=_attributes(run_id),
            events=[Span.Event(time_unix_nano=now, name="checkpoint")],
            status=Status(code=Status.STATUS_CODE_OK),
        )
        return trace_service_pb2.ExportTraceServiceRequest(
            resource_spans=[
                ResourceSpans(
                    resource=resource, scope_spans=[ScopeSpans(scope=scope, spans=[span])]
                )
            ]
        )
    if signal == "metrics":
        point = metrics_pb2.NumberDataPoint(
            attributes=_attributes(run_id),
            start_time_unix_nano=now - 1_000_000,
            time_unix_nano=now,
            as_int=7,
        )
        metric = metrics_pb2.Metric(
            name="ocelot.verify.count",
            unit="1",
            description="check",
            sum=metrics_pb2.Sum(
                data_points=[point],
                is_monotonic=True,
                aggregation_temporality=metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE,
            ),
        )
        return metrics_service_pb2.ExportMetricsServiceRequest(
            resource_metrics=[
                metrics_pb2.ResourceMetrics(
                    resource=resource,
                    scope_metrics=[metrics_pb2.ScopeMetrics(scope=scope, metrics=[metric])],
                )
            ]
        )
    if signal == "logs":
        record = LogRecord(
            time_unix_nano=now,
            observed_time_unix_nano=now,
            severity_number=logs_pb2.SEVERITY_NUMBER_INFO,
            severity_text="INFO",
            body=AnyValue(string_value="ocelot verify"),
            attributes=_attributes(run_id),
            trace_id=trace_id,
        )
        return logs_service_pb2.ExportLogsServiceRequest(
            resource_logs=[
                ResourceLogs(
                    resource=resource, scope_logs=[ScopeLogs(scope=scope, log_records=[record])]
                )
            ]
        )
    raise ValueError(f"unknown signal {signal!r}; allowed: {', '.join(SIGNALS)}")


def compare(expected: Message, received: list[Message], run_id: str) -> str | None:
    """None if some received request equals ``expected``; else what went wrong."""
    if any(msg == expected for msg in received):
        return None
    ours = [msg for msg in received if run_id.encode() in msg.SerializeToString()]
    if ours:
        return "arrived altered: " + _first_difference(expected, ours[0])
    return f"did not arrive ({len(received)} other request(s) at the sink)"


def _first_difference(expected: Message, got: Message) -> str:
    exp_text, got_text = str(expected).splitlines(), str(got).splitlines()
    for i, (a, b) in enumerate(zip(exp_text, got_text, strict=False)):
        if a != b:
            return f"line {i + 1}: sent {a.strip()!r}, got {b.strip()!r}"
    return f"sent {len(exp_text)} lines of text form, got {len(got_text)}"
