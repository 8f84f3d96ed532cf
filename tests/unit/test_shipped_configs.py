"""The collector configs ocelot ships never read the OpenTelemetry SDK's own variables.

A function's SDK reads ``OTEL_EXPORTER_OTLP_ENDPOINT`` (and the per-signal ones): set to the
backend, the SDK sends there directly and the collector is bypassed. So the shipped configs
take the backend from ``OCELOT_BACKEND_ENDPOINT``, a variable only the collector reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.stages.config import DEFAULT_CONFIG, load_distributions

# `${env:NAME}`, `${env:NAME:-default}` and the bare `${NAME}` the collector also expands.
EXPANSION = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)")


def shipped_configs() -> list[Path]:
    """Every bundled config a shipped distribution names, and every example beside them."""
    named = {d.config_file for d in load_distributions(DEFAULT_CONFIG).distributions.values()}
    examples = set((PROJECT_ROOT / "config" / "examples").glob("*.yaml"))
    return sorted({path for path in named if path is not None} | examples)


def variables_read(path: Path) -> set[str]:
    """The environment variables a config expands; comments are not read (parsed first)."""
    return set(EXPANSION.findall(yaml.safe_dump(yaml.safe_load(path.read_text()))))


def test_no_shipped_config_reads_the_sdks_otlp_variables():
    configs = shipped_configs()
    assert {p.name for p in configs} >= {"minimal.yaml", "forwarder.yaml"}
    for path in configs:
        sdk_vars = {v for v in variables_read(path) if v.startswith("OTEL_EXPORTER_OTLP_")}
        assert not sdk_vars, f"{path.name} reads {sorted(sdk_vars)}"


def test_every_shipped_config_takes_the_backend_from_ocelots_variable():
    for path in shipped_configs():
        assert "OCELOT_BACKEND_ENDPOINT" in variables_read(path), path.name
