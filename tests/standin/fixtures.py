"""Test data shared by the engine and infra suites."""

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
