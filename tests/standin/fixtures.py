"""Test data shared by the engine and infra suites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_dists(path: Path, entries: dict[str, Any], **extra: Any) -> Path:
    """A distributions file with ``entries`` (and any top-level keys in ``extra``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"distributions": entries, **extra}, sort_keys=False))
    return path


MINIMAL_TAGS = ["custom", "receiver.otlp", "processor.batch", "exporter.otlphttp"]
MINIMAL_CONFIG = """\
receivers:
  otlp:
    protocols:
      http: {endpoint: "localhost:4318"}
processors:
  batch: {}
exporters:
  otlphttp: {endpoint: "http://localhost:4319"}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}
"""
