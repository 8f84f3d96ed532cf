"""A cache hit serves only bytes that still match their record; the cache is never
writable by others; a read-only cache still serves hits."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ocelot_build.stages import checks
from ocelot_build.store.cache import digest

from .conftest import build_one, messages


def _entry(cache: Path, key: str) -> Path:
    return cache / "layers" / key[:2] / key


def test_a_flipped_byte_in_the_cache_is_evicted_and_rebuilt(request_for, ocelot_cache, capfd):
    first = build_one(request_for())
    cached_zip = _entry(ocelot_cache, first.manifest.cache_key) / "layer.zip"
    data = bytearray(cached_zip.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cached_zip.write_bytes(bytes(data))
    again = build_one(request_for())
    assert not again.cache_hit
    assert again.zip_path.read_bytes() == first.zip_path.read_bytes()
    assert "changed on disk" in capfd.readouterr().err
    assert cached_zip.read_bytes() != bytes(data)  # the entry was replaced, not kept


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_text('{"truncated'),
        lambda p: p.write_text(json.dumps({"cache_key": "x"})),
        lambda p: p.write_bytes(b"\xff\xfe"),
        lambda p: p.unlink(),
    ],
    ids=["truncated", "incomplete", "binary", "missing"],
)
def test_a_broken_build_json_is_evicted_and_rebuilt(request_for, ocelot_cache, damage, capfd):
    first = build_one(request_for())
    damage(_entry(ocelot_cache, first.manifest.cache_key) / "build.json")
    again = build_one(request_for())
    assert not again.cache_hit and again.sha256 == first.sha256
    assert "evicting it and rebuilding" in capfd.readouterr().err
    assert build_one(request_for()).cache_hit  # and the rebuilt entry serves hits again


def test_the_verify_cache_is_keyed_by_the_bytes_on_disk(request_for, ocelot_cache):
    """A passed check recorded for the sha256 the manifest claims must not vouch for other
    bytes: the layer is booted (and the stand-in fails its boot check)."""
    from ocelot_build.core.errors import VerifyError
    from ocelot_build.core.progress import Progress
    from ocelot_build.stages.plan import plan_layers
    from ocelot_build.stages.resolve import resolve

    built = build_one(request_for())
    claimed = "0" * 64
    manifest = dataclasses.replace(
        built.manifest, zip=dataclasses.replace(built.manifest.zip, sha256=claimed)
    )
    artifact = dataclasses.replace(built, manifest=manifest)
    key = digest(
        {
            "zip": claimed,
            "arch": "amd64",
            "components": artifact.manifest.components,
            "format": checks.VERIFY_CACHE_FORMAT,
        }
    )
    (ocelot_cache / "verify").mkdir()
    (ocelot_cache / "verify" / f"{key}.json").write_text(json.dumps({"status": "passed"}))
    progress = Progress(enabled=False)
    ctx, chosen = resolve(request_for(), progress)
    plan = plan_layers(ctx, chosen)[0]
    with pytest.raises(VerifyError, match="boot check failed"):
        checks._boot_check(ctx, plan, artifact, progress)


def test_cache_files_are_never_group_or_world_writable(request_for, ocelot_cache):
    old = os.umask(0)
    try:
        build_one(request_for(distributions=("minimal-memlimit",)))  # overlay: private tree
    finally:
        os.umask(old)
    loose = [
        str(p.relative_to(ocelot_cache))
        for p in [ocelot_cache, *ocelot_cache.rglob("*")]
        if not p.is_symlink() and p.lstat().st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ]
    assert loose == []


def _cli(args: list[str], cwd: Path, ro: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI, with ``ro`` mounted read-only (bubblewrap) when given."""
    argv = [sys.executable, "-m", "ocelot_build", *args]
    if ro is not None:
        argv = ["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(ro), str(ro), *argv]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture
def cli_args(standin, dists_file, empty_registry, tmp_path) -> list[str]:
    return [
        *("-r", str(standin.path), "-c", str(dists_file), "--components", str(empty_registry)),
        *("-o", str(tmp_path / "out"), "--skip-publish", "-d", "minimal"),
    ]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_a_read_only_cache_serves_hits_and_refuses_misses(cli_args, tmp_path, ocelot_cache):
    assert _cli(cli_args, tmp_path).returncode == 0
    shutil.rmtree(tmp_path / "out")
    hit = _cli(cli_args, tmp_path, ro=ocelot_cache)
    assert hit.returncode == 0, hit.stderr
    assert "hit" in hit.stdout and (tmp_path / "out" / "ocel-minimal-amd64.zip").is_file()
    miss = _cli([*cli_args, "-a", "arm64"], tmp_path, ro=ocelot_cache)
    assert miss.returncode == 2, miss.stderr
    assert messages(miss.stderr) == [
        f"ocelot: warning: cache {ocelot_cache} is read-only: main resolved without fetching",
        f"ocelot: error: cache {ocelot_cache} is read-only and lacks minimal/arm64; "
        "use a writable OCELOT_CACHE_DIR or --no-cache",
    ]


def test_an_uncreatable_cache_is_one_line_exit_2(cli_args, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("OCELOT_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    result = _cli(cli_args, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"ocelot: error: cache directory {tmp_path / 'a-file' / 'cache'} cannot be created "
        "(Not a directory); set OCELOT_CACHE_DIR to a writable directory"
    ]
    assert not (tmp_path / "out").exists()
