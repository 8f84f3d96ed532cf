"""Every input a build reads is in the key or fixed by ocelot; local paths stay inside the
tree of the file that names them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from ocelot_build.core.errors import ConfigError
from ocelot_build.core.localpaths import copy_tree, tree_digest

from .conftest import build_one

BUILD_ENV = {
    "GOAMD64": "v3",
    "GOFLAGS": "-ldflags=-X=main.Version=evil",
    "GOEXPERIMENT": "noregabi",
    "CGO_ENABLED": "1",
    "GOENV": "/nonexistent",
}


@pytest.mark.parametrize("name", list(BUILD_ENV))
def test_go_environment_does_not_reach_the_binary(request_for, tmp_path, monkeypatch, name):
    """A clean build with the variable set gives the same bytes as one without it."""
    clean = build_one(request_for(output_dir=tmp_path / "a", use_cache=False))
    monkeypatch.setenv(name, BUILD_ENV[name])
    monkeypatch.setenv("OCELOT_CACHE_DIR", str(tmp_path / "other"))
    dirty = build_one(request_for(output_dir=tmp_path / "b", use_cache=False))
    assert dirty.sha256 == clean.sha256
    assert dirty.manifest.go_env["GOFLAGS"] == "-modcacherw"
    assert dirty.manifest.go_env["GOARCH"] == "amd64"


def _module(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    (root / "m.go").write_text("package m\n")
    (root / "sub" / "data.txt").write_text("inside\n")
    return root


def test_a_local_tree_change_is_a_new_key_and_no_change_is_the_same(tmp_path):
    mod = _module(tmp_path / "m")
    first = tree_digest(mod, "t")
    assert tree_digest(mod, "t") == first
    (mod / "sub" / "data.txt").write_text("edited\n")
    second = tree_digest(mod, "t")
    os.symlink("sub", mod / "alias")  # a directory link: hashed as what it is
    third = tree_digest(mod, "t")
    (mod / "m.go").chmod(0o755)
    assert len({first, second, third, tree_digest(mod, "t")}) == 4


def test_hash_and_copy_agree_on_symlinks(tmp_path):
    mod = _module(tmp_path / "m")
    os.symlink("sub", mod / "alias")
    os.symlink("sub/data.txt", mod / "link.txt")
    copy_tree(mod, tmp_path / "copy", "t")
    assert os.readlink(tmp_path / "copy" / "alias") == "sub"
    assert os.readlink(tmp_path / "copy" / "link.txt") == "sub/data.txt"
    assert tree_digest(tmp_path / "copy", "t") == tree_digest(mod, "t")


@pytest.mark.parametrize("kind", ["outside", "absolute", "loop"])
def test_links_that_leave_the_tree_or_loop_are_one_line(tmp_path, kind):
    mod = _module(tmp_path / "m")
    (tmp_path / "secret").write_text("aws_secret_access_key = x\n")
    target = {"outside": "../secret", "absolute": str(tmp_path / "secret"), "loop": "loop"}[kind]
    os.symlink(target, mod / ("loop" if kind == "loop" else "creds"))
    with pytest.raises(ConfigError) as err:
        copy_tree(mod, tmp_path / "copy", "module m")
    assert "\n" not in str(err.value) and str(err.value).startswith("module m: ")
    assert not list((tmp_path / "copy").rglob("*")) if (tmp_path / "copy").exists() else True


def test_a_go_replaces_directory_is_keyed_by_its_content(request_for, dists_file, tmp_path):
    from ocelot_build.core.progress import Progress
    from ocelot_build.stages.plan import plan_layers
    from ocelot_build.stages.resolve import resolve

    mod = _module(tmp_path / "replaced")
    data = yaml.safe_load(dists_file.read_text())
    data["go-replaces"] = {"example.com/m": str(mod)}
    dists_file.write_text(yaml.safe_dump(data))

    def key() -> str:
        ctx, chosen = resolve(request_for(), Progress(enabled=False))
        return plan_layers(ctx, chosen)[0].key

    first = key()
    assert key() == first
    (mod / "m.go").write_text("package m\n\nconst X = 1\n")
    assert key() != first


@pytest.mark.parametrize(
    "config_file", ["../../outside.yaml", "/etc/passwd", "link.yaml", "loop.yaml"]
)
def test_config_file_must_stay_inside_the_distributions_tree(
    request_for, dists_file, tmp_path, config_file
):
    (tmp_path / "outside.yaml").write_text("receivers: {}\n")
    os.symlink(tmp_path / "outside.yaml", dists_file.parent / "link.yaml")
    os.symlink("loop.yaml", dists_file.parent / "loop.yaml")
    dists_file.write_text(dists_file.read_text().replace("minimal.yaml", config_file))
    with pytest.raises(ConfigError) as err:
        build_one(request_for())
    assert "config-file" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()


def test_a_symlink_in_a_local_module_is_never_shipped_as_its_target(request_for, tmp_path):
    """The threat: a link to ~/.aws/credentials inside a local: module, copied as a file."""
    from ocelot_build.stages.registry import load_registry

    mod = _module(tmp_path / "overlay" / "mod")
    (tmp_path / "creds").write_text("secret\n")
    os.symlink(tmp_path / "creds", mod / "embedded.txt")
    registry = tmp_path / "overlay" / "components.yaml"
    wrappers = tmp_path / "overlay" / "w.go"
    wrappers.write_text("//go:build lambdacomponents.exporter.x\n\npackage exporter\n")
    registry.write_text(
        yaml.safe_dump(
            {
                "components": {
                    "exporter.x": {
                        "files": ["w.go"],
                        "modules": [{"path": "example.com/m", "local": "mod"}],
                    }
                }
            }
        )
    )
    specs = load_registry(path=registry)
    with pytest.raises(ConfigError, match="is absolute"):
        tree_digest(specs["lambdacomponents.exporter.x"].modules[0].local, "module")
    outside = dict(yaml.safe_load(registry.read_text()))
    outside["components"]["exporter.x"]["modules"][0]["local"] = "../.."
    registry.write_text(yaml.safe_dump(outside))
    with pytest.raises(ConfigError, match="outside"):
        load_registry(path=registry)
