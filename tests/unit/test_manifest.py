"""The layer manifest: one frozen type, one writer, and the documented schema is the type's."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.core.manifest import LayerManifest, ManifestError, example

DOC = PROJECT_ROOT / "docs" / "architecture.md"


def documented_manifest() -> str:
    text = DOC.read_text()
    section = text[text.index("## Manifest") :]
    match = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert match, "docs/architecture.md has no ```json block under ## Manifest"
    return match.group(1)


def render(manifest: LayerManifest) -> str:
    """The docs' layout: one top-level key a line."""
    rows = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in manifest.to_json().items()]
    return "{\n" + ",\n".join(rows) + "\n}"


def test_the_documented_schema_is_the_types():
    assert documented_manifest() == render(example()), (
        "docs/architecture.md's manifest is out of date; paste:\n" + render(example())
    )


def test_json_round_trip_and_the_one_writer(tmp_path: Path):
    manifest = example().with_verify({"status": "passed", "init_ms": 12.5})
    path = tmp_path / "m.json"
    manifest.write(path)
    assert LayerManifest.read(path) == manifest
    assert json.loads(path.read_text()) == manifest.to_json()
    assert list(manifest.to_json())[:3] == ["schema", "layer_name", "distribution"]
    assert manifest.component_names() == (
        "exporter/otlphttp",
        "processor/batch",
        "processor/decouple",
        "receiver/otlp",
    )


def test_with_verify_returns_a_new_manifest_and_the_type_is_frozen():
    before = example()
    after = before.with_verify({"status": "failed"})
    assert before.verify == example().verify and after.verify == {"status": "failed"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.verify = {}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"schema": 1}, "missing collector_version, upstream, components"),
        ([], "missing collector_version"),
        ({**example().to_json(), "zip": {"file": "x"}}, "malformed"),
        ({**example().to_json(), "architecture": "sparc"}, "malformed"),
        ({**example().to_json(), "cold_start": "gc-off"}, "cold_start is not a list of names"),
    ],
)
def test_what_is_not_a_manifest_is_named(data: object, message: str):
    with pytest.raises(ManifestError, match=message):
        LayerManifest.from_json(data)
