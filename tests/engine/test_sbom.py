"""The SBOM beside every layer: CycloneDX 1.6, valid against the schema the library ships,
byte-deterministic, stored in the cache entry, and true to the binary's build info."""

from __future__ import annotations

import json
import shutil

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from ocelot_build.stages.buildinfo import parse_build_info
from ocelot_build.stages.sbom import render_sbom

from .conftest import build_one

BUILD_INFO = """\
/x/collector: go1.26.6
\tpath\tgithub.com/open-telemetry/opentelemetry-lambda/collector
\tmod\tgithub.com/open-telemetry/opentelemetry-lambda/collector\t(devel)\t
\tdep\tgithub.com/a/b\tv1.2.3\th1:AAAA=
\tdep\tgithub.com/c/d\tv0.1.0\th1:BBBB=
\t=>\tgithub.com/e/d\tv0.2.0\th1:CCCC=
\tdep\tgithub.com/f/g\tv0.0.0
\t=>\t./local/g\t(devel)\t
\tbuild\t-ldflags="-s -w -X main.Version=v0.158.0"
\tbuild\t-tags=lambdacomponents.custom,lambdacomponents.receiver.otlp
\tbuild\tCGO_ENABLED=0
\tbuild\tGOARCH=amd64
\tbuild\tGOOS=linux
"""


def validate(sbom: bytes) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sbom.decode())
    assert error is None, str(error)[:2000]


def render(zip_sha256: str = "ab" * 32) -> dict:
    info = parse_build_info(BUILD_INFO)
    sbom = render_sbom(info, zip_sha256=zip_sha256, collector_version="v0.158.0", commit="c" * 40)
    validate(sbom)
    return json.loads(sbom)


def by_name(doc: dict) -> dict[str, dict]:
    return {c["name"]: c for c in doc["components"]}


def props(component: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in component.get("properties", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


def test_modules_carry_version_purl_and_go_sum():
    b = by_name(render())["github.com/a/b"]
    assert (b["version"], b["purl"]) == ("v1.2.3", "pkg:golang/github.com/a/b@v1.2.3")
    assert props(b)["ocelot:go:sum"] == ["h1:AAAA="]


def test_a_replaced_module_is_listed_as_what_was_compiled():
    comps = by_name(render())
    assert "github.com/c/d" not in comps
    d = comps["github.com/e/d"]
    assert d["purl"] == "pkg:golang/github.com/e/d@v0.2.0"
    assert props(d) == {
        "ocelot:go:replaces": ["github.com/c/d v0.1.0"],
        "ocelot:go:sum": ["h1:CCCC="],
    }
    local = comps["github.com/f/g"]
    assert "purl" not in local  # local code: no published module to match advisories against
    assert props(local)["ocelot:go:replace:dir"] == ["./local/g"]


def test_toolchain_tags_and_settings_are_recorded():
    doc = render()
    assert by_name(doc)["stdlib"]["purl"] == "pkg:golang/stdlib@1.26.6"
    root = props(doc["metadata"]["component"])
    assert root["cdx:gomod:build:tag"] == [
        "lambdacomponents.custom",
        "lambdacomponents.receiver.otlp",
    ]
    assert root["cdx:gomod:build:env:GOARCH"] == ["amd64"]
    assert root["cdx:gomod:build:env:GOVERSION"] == ["go1.26.6"]
    assert root["ocelot:go:build:-ldflags"] == ['"-s -w -X main.Version=v0.158.0"']
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert len(deps["layer"]) == len(doc["components"])


def test_no_timestamp_and_the_serial_follows_the_zip():
    a, b = render("ab" * 32), render("cd" * 32)
    assert "timestamp" not in a["metadata"]
    assert a["serialNumber"] == render("ab" * 32)["serialNumber"]
    assert a["serialNumber"] != b["serialNumber"]


def test_every_build_writes_a_valid_sbom_beside_the_zip(request_for, standin):
    artifact = build_one(request_for())
    assert artifact.sbom_path == artifact.zip_path.with_name("ocel-minimal-amd64.cdx.json")
    sbom = artifact.sbom_path.read_bytes()
    validate(sbom)
    doc = json.loads(sbom)
    listed = {c["name"] for c in doc["components"]}
    linked = {m["path"] for m in artifact.manifest.modules if " " not in m.get("replace", "")}
    assert linked <= listed and "stdlib" in listed
    root = props(doc["metadata"]["component"])
    assert root["ocelot:layer:zip:sha256"] == [artifact.sha256]
    assert root["ocelot:upstream:commit"] == [standin.main_commit]


def test_a_cache_hit_restores_the_same_sbom_bytes(request_for, tmp_path, ocelot_cache):
    first = build_one(request_for(output_dir=tmp_path / "a"))
    second = build_one(request_for(output_dir=tmp_path / "b"))
    assert second.cache_hit
    assert second.sbom_path.read_bytes() == first.sbom_path.read_bytes()
    assert list((ocelot_cache / "layers").rglob("sbom.cdx.json"))


def test_an_entry_made_before_sboms_gets_the_same_sbom_from_its_zip(
    request_for, tmp_path, ocelot_cache
):
    first = build_one(request_for(output_dir=tmp_path / "a"))
    (stored,) = (ocelot_cache / "layers").rglob("sbom.cdx.json")
    stored.unlink()
    second = build_one(request_for(output_dir=tmp_path / "b"))
    assert second.cache_hit
    assert second.sbom_path.read_bytes() == first.sbom_path.read_bytes()
    assert stored.read_bytes() == first.sbom_path.read_bytes()  # put back into the entry


def test_a_damaged_stored_sbom_is_replaced_by_the_true_one(request_for, tmp_path, ocelot_cache):
    first = build_one(request_for(output_dir=tmp_path / "a"))
    (stored,) = (ocelot_cache / "layers").rglob("sbom.cdx.json")
    stored.write_text('{"not": "ours"}')
    second = build_one(request_for(output_dir=tmp_path / "b"))
    assert second.sbom_path.read_bytes() == first.sbom_path.read_bytes()


def test_a_clean_rebuild_writes_identical_sbom_bytes(request_for, tmp_path, monkeypatch):
    first = build_one(request_for(output_dir=tmp_path / "a", use_cache=False))
    monkeypatch.setenv("OCELOT_CACHE_DIR", str(tmp_path / "other-cache"))
    second = build_one(request_for(output_dir=tmp_path / "b", use_cache=False))
    assert first.sbom_path.read_bytes() == second.sbom_path.read_bytes()
    shutil.rmtree(tmp_path / "other-cache", ignore_errors=True)
