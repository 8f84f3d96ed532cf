"""The build engine end to end: real git, real go build, real zips, against the stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from ocelot_build.api import build_layers
from ocelot_build.core.manifest import Upstream
from ocelot_build.core.model import Architecture, elf_machine

from .conftest import build_one


def test_minimal_layer_has_upstream_layout_and_exact_entries(request_for):
    artifact = build_one(request_for())
    with zipfile.ZipFile(artifact.zip_path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == [
            "collector-config/config.yaml",
            "extensions/collector",
        ]
        modes = {i.filename: i.external_attr >> 16 for i in infos}
        assert modes == {"collector-config/config.yaml": 0o100644, "extensions/collector": 0o100755}
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert all(i.create_system == 3 and i.extra == b"" for i in infos)
        assert b"otlphttp" in zf.read("collector-config/config.yaml")
    assert artifact.zip_path.name == "ocel-minimal-amd64.zip"
    assert artifact.zip_path.stat().st_mode & 0o777 == 0o644
    assert artifact.manifest_path.name == "ocel-minimal-amd64.json"


@pytest.mark.parametrize("arch", list(Architecture))
def test_binary_is_elf_for_the_requested_architecture(request_for, tmp_path, arch):
    artifact = build_one(request_for(architectures=(arch,)))
    with zipfile.ZipFile(artifact.zip_path) as zf:
        binary = tmp_path / "collector"
        binary.write_bytes(zf.read("extensions/collector"))
    assert elf_machine(binary) == arch.elf_machine
    assert artifact.manifest.lambda_architecture == arch.lambda_name


def test_linked_components_match_tags_and_the_binary_agrees(request_for, standin, tmp_path):
    artifact = build_one(request_for(distributions=("minimal-memlimit",)))
    expected = {k: () for k in ("connector", "exporter", "extension", "processor", "receiver")}
    expected.update(
        exporter=("otlphttp",), processor=("batch", "memorylimiter"), receiver=("otlp",)
    )
    assert artifact.manifest.components == expected
    assert artifact.manifest.component_ids["processor"] == ("batch", "memory_limiter")
    # The stand-in binary prints what really registered: the manifest must say the same.
    binary = tmp_path / "collector"
    with zipfile.ZipFile(artifact.zip_path) as zf:
        binary.write_bytes(zf.read("extensions/collector"))
    binary.chmod(0o755)
    registered = json.loads(
        subprocess.run([binary], capture_output=True, text=True, check=True).stdout
    )
    assert registered["processor"] == ["batch", "memory_limiter"]
    modules = {m["path"] for m in artifact.manifest.modules}
    assert standin.module_paths["processor.memorylimiter"] in modules
    assert standin.module_paths["processor.decouple"] not in modules


def test_default_distribution_builds_upstreams_default_set(request_for, standin):
    artifact = build_one(request_for(distributions=("default",)))
    assert artifact.manifest.build_tags == ()
    assert artifact.manifest.to_json()["components"] == standin.default_components
    config = zipfile.ZipFile(artifact.zip_path).read("collector-config/config.yaml")
    assert b"debug" in config  # upstream's own config.yaml, which default can load


def test_manifest_records_inputs_and_sizes(request_for, standin):
    artifact = build_one(request_for())
    m = artifact.manifest
    assert m.upstream == Upstream(str(standin.path), "main", standin.main_commit)
    assert m.collector_version == standin.collector_version
    assert m.go_version.startswith("go1.")
    assert m.zip.size == artifact.zip_path.stat().st_size
    with zipfile.ZipFile(artifact.zip_path) as zf:
        assert m.unzipped_size == sum(i.file_size for i in zf.infolist())
    assert json.loads(artifact.manifest_path.read_text()) == m.to_json()


def test_two_clean_builds_are_byte_identical(request_for, tmp_path, monkeypatch):
    first = build_one(request_for(output_dir=tmp_path / "a", use_cache=False))
    monkeypatch.setenv("OCELOT_CACHE_DIR", str(tmp_path / "other-cache"))
    second = build_one(request_for(output_dir=tmp_path / "b", use_cache=False))
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    assert first.sha256 == second.sha256


def test_second_build_is_a_cache_hit_with_the_same_bytes(request_for, tmp_path):
    first = build_one(request_for(output_dir=tmp_path / "a"))
    second = build_one(request_for(output_dir=tmp_path / "b"))
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert first.zip_path.read_bytes() == second.zip_path.read_bytes()
    assert second.manifest.cache_key == first.manifest.cache_key


def test_no_cache_neither_reads_nor_writes_the_cache(request_for, ocelot_cache):
    build_one(request_for(use_cache=False))
    assert not list((ocelot_cache / "layers").rglob("layer.zip"))


def test_cache_key_follows_every_byte_changing_input(request_for, standin):
    keys = {
        "base": build_one(request_for()).manifest.cache_key,
        "arch": build_one(request_for(architectures=(Architecture.ARM64,))).manifest.cache_key,
        "tags": build_one(request_for(distributions=("minimal-memlimit",))).manifest.cache_key,
        "commit": build_one(request_for(upstream_ref=standin.tag_name)).manifest.cache_key,
    }
    assert len(set(keys.values())) == len(keys)
    # ...and not the layer name or how the ref is spelt.
    renamed = build_one(request_for(layer_name="other", upstream_ref=standin.main_commit))
    assert renamed.cache_hit and renamed.manifest.cache_key == keys["base"]
    assert renamed.zip_path.name == "other-minimal-amd64.zip"


def test_matrix_shares_one_commit_and_writes_every_layer(request_for, tmp_path):
    artifacts = build_layers(
        request_for(
            distributions=("minimal", "minimal-memlimit"), architectures=tuple(Architecture)
        )
    )
    assert sorted(p.name for p in (tmp_path / "out").glob("*.zip")) == [
        "ocel-minimal-amd64.zip",
        "ocel-minimal-arm64.zip",
        "ocel-minimal-memlimit-amd64.zip",
        "ocel-minimal-memlimit-arm64.zip",
    ]
    assert len({a.upstream_commit for a in artifacts}) == 1


def test_keep_temp_keeps_the_work_tree(request_for, capsys):
    build_one(request_for(keep_temp=True))
    captured = capsys.readouterr()
    assert "kept work tree" not in captured.out  # stdout is the caller's (Pulumi's engine)
    line = next(x for x in captured.err.splitlines() if "] kept work tree: " in x)
    tree = Path(line.split("] kept work tree: ", 1)[1])
    assert (tree / "go.mod").is_file() and (tree / "lambdacomponents").is_dir()
    build_one(request_for(keep_temp=True))  # a cache hit: no tree to keep, and it says so
    err = capsys.readouterr().err
    assert "kept work tree" not in err
    assert "--keep-temp: every layer was a cache hit, so no work tree was made" in err


def test_work_trees_are_removed_without_keep_temp(request_for, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    build_one(request_for())
    assert list((tmp_path / "tmp").iterdir()) == []


def test_budget_over_limit_fails_with_the_figures(request_for, dists_file):
    import yaml

    data = yaml.safe_load(dists_file.read_text())
    data["distributions"]["minimal"]["max-zip-mb"] = 0.01
    dists_file.write_text(yaml.safe_dump(data))
    from ocelot_build.core.errors import VerifyError

    with pytest.raises(VerifyError, match=r"over budget: zip is .* over max-zip-mb 0.01"):
        build_one(request_for())


def test_concurrent_builds_of_one_layer_both_succeed(request_for, tmp_path, ocelot_cache):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda d: build_one(request_for(output_dir=tmp_path / d)), ["x", "y"])
        )
    assert results[0].sha256 == results[1].sha256
    assert len(list((ocelot_cache / "layers").rglob("layer.zip"))) == 1
    assert not list((ocelot_cache / "layers").rglob("tmp-*"))


def test_environment_go_override_is_used(request_for, monkeypatch):
    from standin import go_binary

    monkeypatch.setenv("OCELOT_GO", str(go_binary()))
    assert build_one(request_for()).manifest.go_version.startswith("go1.")
    monkeypatch.setenv("OCELOT_GO", os.devnull + "-missing")
    from ocelot_build.core.errors import UsageError

    with pytest.raises(UsageError, match="OCELOT_GO"):
        build_one(request_for())


def test_auto_jobs_build_the_same_bytes_as_one_job(request_for, tmp_path, monkeypatch):
    """-j auto (leads first, then two at a time) writes what -j 1 writes, in request order,
    and its --timings file says where the time went."""
    both, archs = ("minimal", "minimal-memlimit"), tuple(Architecture)
    serial = build_layers(
        request_for(
            distributions=both,
            architectures=archs,
            output_dir=tmp_path / "s",
            use_cache=False,
            jobs=1,
        )
    )
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1}, raising=False)  # 2 cores
    timings = tmp_path / "timings.json"
    parallel = build_layers(
        request_for(
            distributions=both,
            architectures=archs,
            output_dir=tmp_path / "p",
            use_cache=False,
            jobs=None,
            timings_path=timings,
        )
    )
    assert [a.sha256 for a in serial] == [a.sha256 for a in parallel]
    assert [a.distribution for a in parallel] == [d for d in both for _ in archs]  # not finish
    data = json.loads(timings.read_text())
    assert data["jobs"] == 2
    assert data["leads"] == ["minimal-memlimit/amd64", "minimal-memlimit/arm64"]
    builds = {s["subject"]: s for s in data["steps"] if s["step"] == "go build"}
    assert sorted(builds) == sorted(f"{a.distribution}/{a.architecture.value}" for a in parallel)
    for lead in data["leads"]:  # the others of an architecture start after its lead ended
        arch = lead.rsplit("/", 1)[1]
        end = builds[lead]["start"] + builds[lead]["wall"]
        assert all(b["start"] >= end for k, b in builds.items() if k.endswith(arch) and k != lead)
    assert data["totals"]["go build"]["cpu"] > 0


def test_verify_fails_a_layer_that_does_not_speak_the_extensions_api(request_for):
    """The stand-in binary prints JSON and exits: --verify must refuse it, in the manifest too."""
    from ocelot_build.core.errors import VerifyError

    request = request_for(verify=True)
    with pytest.raises(VerifyError, match="minimal/amd64: boot check failed"):
        build_layers(request)
    manifest = json.loads((request.output_dir / "ocel-minimal-amd64.json").read_text())
    assert manifest["verify"]["status"] == "failed"
    assert manifest["verify"]["reason"]


def test_a_passed_boot_check_is_reused_for_the_same_bytes(request_for, ocelot_cache):
    """A passed check is cached by zip sha256; failures never are (the stand-in would fail)."""
    from ocelot_build.core.errors import VerifyError
    from ocelot_build.stages import checks
    from ocelot_build.store.cache import digest

    with pytest.raises(VerifyError):
        build_layers(request_for(verify=True))
    assert not (ocelot_cache / "verify").exists()
    artifact = build_one(request_for())
    key = digest(
        {
            "zip": artifact.sha256,
            "arch": "amd64",
            "components": artifact.manifest.components,
            "format": checks.VERIFY_CACHE_FORMAT,
            "sandbox": True,
            "memory_mb": 128,  # the distribution's default memory size
            "limits": True,
        }
    )
    (ocelot_cache / "verify").mkdir()
    (ocelot_cache / "verify" / f"{key}.json").write_text(
        json.dumps({"status": "passed", "init_ms": 40.0, "emulated": False})
    )
    verified = build_one(request_for(verify=True))
    assert verified.manifest.verify == {
        "status": "passed",
        "init_ms": 40.0,
        "emulated": False,
        "cached": True,
    }
