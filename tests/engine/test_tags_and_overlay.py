"""Tag validation before any build, overlay module injection, bundled config checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from standin import extra_wrapper

from ocelot_build.core.errors import BuildError, UsageError

from .conftest import build_one


def _add_dist(dists_file: Path, name: str, **entry) -> None:
    data = yaml.safe_load(dists_file.read_text())
    data["distributions"][name] = {"description": name, **entry}
    dists_file.write_text(yaml.safe_dump(data))


def test_misspelt_tag_names_the_nearest_valid_ones(request_for, dists_file, tmp_path):
    _add_dist(dists_file, "typo", base="minimal", **{"build-tags": ["processor.memory_limiter"]})
    with pytest.raises(UsageError) as err:
        build_one(request_for(distributions=("typo",)))
    message = str(err.value)
    assert "unknown build tag 'processor.memory_limiter'" in message
    assert "nearest valid: processor.memorylimiter" in message
    assert not (tmp_path / "out").exists()  # validated before anything was written


def test_component_tags_without_custom_are_refused(request_for, dists_file):
    _add_dist(dists_file, "nocustom", **{"build-tags": ["receiver.otlp"]})
    with pytest.raises(UsageError, match="need 'custom'"):
        build_one(request_for(distributions=("nocustom",)))


def test_bundled_config_naming_a_missing_component_fails(request_for, dists_file):
    _add_dist(
        dists_file, "noconfig", **{"build-tags": ["custom", "receiver.otlp", "exporter.otlphttp"]}
    )
    with pytest.raises(BuildError, match=r"exporters\.debug \(type 'debug'"):
        build_one(request_for(distributions=("noconfig",)))


def _registry(tmp_path: Path, module: dict) -> Path:
    wrappers = tmp_path / "overlay" / "lambdacomponents" / "exporter"
    wrappers.mkdir(parents=True)
    (wrappers / "extra.go").write_text(extra_wrapper())
    path = tmp_path / "overlay" / "components.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "root": ".",
                "components": {
                    "exporter.extra": {
                        "description": "test exporter",
                        "id": "extra",
                        "files": ["lambdacomponents/exporter/extra.go"],
                        "modules": [module],
                    }
                },
            }
        )
    )
    return path


@pytest.fixture
def with_proxy(goproxy, monkeypatch):
    monkeypatch.setenv("GOPROXY", goproxy.url)
    monkeypatch.setenv("GONOSUMDB", "*")
    monkeypatch.setenv("GOFLAGS", "-modcacherw")
    return goproxy


@pytest.mark.parametrize("pin", [None, "v0.160.0"])
def test_overlay_module_is_required_at_the_collector_version_unless_pinned(
    request_for, dists_file, tmp_path, with_proxy, pin
):
    module = {"path": with_proxy.module, **({"version": pin} if pin else {})}
    registry = _registry(tmp_path, module)
    _add_dist(dists_file, "extra", base="minimal", **{"build-tags": ["exporter.extra"]})
    artifact = build_one(request_for(distributions=("extra",), registry_path=registry))
    versions = {m["path"]: m["version"] for m in artifact.manifest.modules}
    assert versions[with_proxy.module] == (pin or "v0.158.0")
    assert "extra" in artifact.manifest.components["exporter"]
    assert "extra" in artifact.manifest.component_ids["exporter"]


def test_unselected_overlay_components_stay_out(request_for, tmp_path, with_proxy):
    registry = _registry(tmp_path, {"path": with_proxy.module})
    artifact = build_one(request_for(registry_path=registry))
    assert with_proxy.module not in {m["path"] for m in artifact.manifest.modules}


@pytest.mark.parametrize("written_for", ["v0.158.0", "v0.160.0"])
def test_local_overlay_module_is_wired_with_a_replace(
    request_for, dists_file, tmp_path, with_proxy, monkeypatch, written_for
):
    """A module of ours is replaced in, and follows upstream's versions even when it was
    written against a newer collector (v0.160.0 requires component v1.66.0)."""
    import zipfile

    src = next(with_proxy.root.rglob(f"{written_for}.zip"))
    local = tmp_path / "overlay-src"
    with zipfile.ZipFile(src) as zf:
        zf.extractall(local)
    module_dir = next(local.rglob("go.mod")).parent
    dest = tmp_path / "overlay" / "extraexporter"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(module_dir, dest)
    monkeypatch.setenv("GOPROXY", "off")  # a local module needs no proxy
    registry = _registry(tmp_path, {"path": with_proxy.module, "local": "extraexporter"})
    _add_dist(dists_file, "extra", base="minimal", **{"build-tags": ["exporter.extra"]})
    artifact = build_one(request_for(distributions=("extra",), registry_path=registry))
    row = next(m for m in artifact.manifest.modules if m["path"] == with_proxy.module)
    assert row["replace"].startswith("./ocelot-modules/extraexporter")
    versions = {m["path"]: m["version"] for m in artifact.manifest.modules}
    assert versions["go.opentelemetry.io/collector/component"] == "v1.64.0"  # upstream's


def test_go_mod_failure_stops_the_build_with_gos_message(
    request_for, dists_file, tmp_path, with_proxy
):
    registry = _registry(tmp_path, {"path": with_proxy.module, "version": "v9.9.9"})
    _add_dist(dists_file, "extra", base="minimal", **{"build-tags": ["exporter.extra"]})
    with pytest.raises(BuildError) as err:
        build_one(request_for(distributions=("extra",), registry_path=registry))
    assert "extra/amd64: go failed" in err.value.message
    assert "v9.9.9" in err.value.detail
    assert not (tmp_path / "out").exists()


def test_wrapper_whose_build_line_misses_its_tag_is_a_config_error(tmp_path, request_for):
    registry = _registry(tmp_path, {"path": "example.com/x"})
    wrapper = tmp_path / "overlay" / "lambdacomponents" / "exporter" / "extra.go"
    wrapper.write_text(
        wrapper.read_text().replace(
            "lambdacomponents.exporter.extra", "lambdacomponents.exporter.other"
        )
    )
    with pytest.raises(UsageError, match=r"does not name lambdacomponents\.exporter\.extra"):
        build_one(request_for(registry_path=registry))


def test_an_overlay_component_whose_kind_upstream_lacks_is_one_line(
    request_for, dists_file, standin, tmp_path
):
    """An older upstream without lambdacomponents/connector/: refused before any work."""
    import subprocess

    work = tmp_path / "old-upstream"
    git = ["git", "-C", str(work)]
    subprocess.run(["git", "clone", "-q", str(standin.path), str(work)], check=True)
    subprocess.run([*git, "rm", "-rq", "collector/lambdacomponents/connector"], check=True)
    subprocess.run(
        [*git, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "old"], check=True
    )
    wrappers = tmp_path / "overlay" / "lambdacomponents" / "connector"
    wrappers.mkdir(parents=True)
    (wrappers / "extra.go").write_text(
        "//go:build lambdacomponents.custom && (lambdacomponents.all || "
        "lambdacomponents.connector.all || lambdacomponents.connector.extra)\n\n"
        "package connector\n"
    )
    registry = tmp_path / "overlay" / "components.yaml"
    registry.write_text(
        yaml.safe_dump(
            {
                "root": ".",
                "components": {
                    "connector.extra": {
                        "description": "test connector",
                        "id": "extra",
                        "files": ["lambdacomponents/connector/extra.go"],
                        "modules": [],
                    }
                },
            }
        )
    )
    _add_dist(dists_file, "extra", base="minimal", **{"build-tags": ["connector.extra"]})
    with pytest.raises(UsageError) as err:
        build_one(
            request_for(upstream_repo=str(work), distributions=("extra",), registry_path=registry)
        )
    assert str(err.value) == (
        "distribution extra: overlay component 'connector.extra' is a connector, but upstream "
        "has no collector/lambdacomponents/connector/ at this commit "
        "(it has exporter, extension, processor, receiver)"
    )
    assert not (tmp_path / "out").exists()
