"""What the check can test for a layer, and the collector config it generates for that.

The layer's bundled config exports wherever its author chose, so to see data arrive we
boot with a config of our own: the OTLP receiver on a free loopback port, the
``otlphttp`` exporter pointed at our sink. That needs both components in the build; a
layer without them is booted with its own config and checked for lifecycle only.

The generated config is written as JSON, which is also YAML: the collector reads it
as-is, and the Go test extension can read it with the standard library alone.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.verify.payloads import SIGNALS

# Signals each component can carry (both OTLP components carry all three).
_RECEIVER_SIGNALS = {"otlp": SIGNALS}
_EXPORTER_SIGNALS = {"otlphttp": SIGNALS}
# Processors worth putting in the pipeline: decouple is what flushes at runtimeDone.
_LIFECYCLE_PROCESSORS = ("decouple",)


@dataclass(frozen=True)
class CheckPlan:
    """Generated config or the bundled one; which signals to send; which processors."""

    generated: bool
    signals: tuple[str, ...]
    processors: tuple[str, ...] = ()
    note: str | None = None


def plan_check(components: Mapping[str, Sequence[str]] | None) -> CheckPlan:
    """Decide from the manifest's ``components`` (None: unknown, assume a traces path)."""
    if components is None:
        return CheckPlan(
            True,
            ("traces",),
            note="no component list: assumed otlp receiver and otlphttp exporter, sent traces only",
        )
    receivers, exporters = set(components.get("receiver", ())), set(components.get("exporter", ()))
    if "otlp" not in receivers or "otlphttp" not in exporters:
        missing = [
            n
            for n, ok in (
                ("receiver otlp", "otlp" in receivers),
                ("exporter otlphttp", "otlphttp" in exporters),
            )
            if not ok
        ]
        return CheckPlan(
            False,
            (),
            note=f"layer has no {' or '.join(missing)}: booted with its "
            "bundled config, lifecycle checked, no data round trip",
        )
    signals = tuple(
        s for s in SIGNALS if s in _RECEIVER_SIGNALS["otlp"] and s in _EXPORTER_SIGNALS["otlphttp"]
    )
    processors = tuple(p for p in _LIFECYCLE_PROCESSORS if p in components.get("processor", ()))
    return CheckPlan(True, signals, processors)


def free_port() -> int:
    """A loopback port nobody listens on right now (for the collector's OTLP receiver)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def generated_config(plan: CheckPlan, receiver: str, sink_endpoint: str) -> dict[str, Any]:
    """The collector config: OTLP/HTTP in on ``receiver`` (host:port), out to the sink.

    Internal metrics are off (they would bind :8888 and collide between parallel runs)
    and exporter retries are off, so a failing export shows at once.
    """
    pipeline: dict[str, Any] = {"receivers": ["otlp"], "exporters": ["otlphttp"]}
    if plan.processors:
        pipeline["processors"] = list(plan.processors)
    config: dict[str, Any] = {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": receiver}}}},
        "exporters": {
            "otlphttp": {
                "endpoint": sink_endpoint,
                "compression": "gzip",
                "timeout": "5s",
                "retry_on_failure": {"enabled": False},
            }
        },
        "service": {
            "telemetry": {"metrics": {"level": "none"}},
            "pipelines": {signal: dict(pipeline) for signal in plan.signals},
        },
    }
    if plan.processors:
        config["processors"] = {p: {} for p in plan.processors}
    return config


def write_config(path: Path, config: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
