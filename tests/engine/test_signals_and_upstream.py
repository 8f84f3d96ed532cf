"""SIGTERM is handled like Ctrl-C; an upstream with links out of its tree is one line; the
extraction works on Pythons without tarfile's filter=; sizes are MiB."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tarfile
import time

import pytest

from ocelot_build.core.errors import UsageError

from .conftest import build_one, run_cli


@pytest.fixture
def base_args(standin, dists_file, empty_registry, tmp_path, ocelot_cache) -> list[str]:
    return [
        *("-r", str(standin.path), "-c", str(dists_file), "--components", str(empty_registry)),
        *("-o", str(tmp_path / "out"), "--skip-publish"),
    ]


@pytest.mark.parametrize(
    "layers",
    [["-d", "minimal-memlimit"], ["-d", "minimal-memlimit", "-a", "amd64,arm64", "-j", "2"]],
    ids=["one layer", "two builds in worker threads"],
)
def test_sigterm_during_a_build_exits_143_and_leaves_nothing(
    base_args, tmp_path, ocelot_cache, monkeypatch, layers
):
    from standin import go_binary

    slow_go = tmp_path / "slow-go"
    slow_go.write_text(f'#!/bin/sh\n[ "$1" = build ] && exec sleep 62.5\nexec {go_binary()} "$@"\n')
    slow_go.chmod(0o755)
    monkeypatch.setenv("OCELOT_GO", str(slow_go))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocelot_build", *base_args, *layers, "-v"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("+ ") and " build " in line:
            time.sleep(1.0)
            proc.send_signal(signal.SIGTERM)
            break
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "ocelot: terminated" in err and "Traceback" not in err
    leftover = subprocess.run(["pgrep", "-f", "sleep 62.5"], capture_output=True, text=True)
    assert leftover.stdout == ""
    assert list((tmp_path / "tmp").iterdir()) == []  # the private work tree was removed
    assert not list((ocelot_cache / "layers").rglob("layer.zip"))


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../outside"])
def test_an_upstream_with_links_out_of_collector_is_one_line(
    request_for, standin, tmp_path, target
):
    work = tmp_path / "evil-upstream"
    git = ["git", "-C", str(work)]
    subprocess.run(["git", "clone", "-q", str(standin.path), str(work)], check=True)
    os.symlink(target, work / "collector" / "evil")
    subprocess.run([*git, "add", "collector/evil"], check=True)
    subprocess.run(
        [*git, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "evil"], check=True
    )
    with pytest.raises(UsageError, match=f"collector/evil is a link to {target}, outside"):
        build_one(request_for(upstream_repo=str(work), distributions=("minimal-memlimit",)))


def test_extraction_works_without_tarfiles_filter(request_for, monkeypatch):
    """Python 3.11.0-3.11.3 have no filter= (and no data_filter): the build must still run."""
    original = tarfile.TarFile.extractall

    def old_extractall(self, path=".", members=None, *, numeric_owner=False, **kwargs):
        assert "filter" not in kwargs, "filter= does not exist before Python 3.11.4"
        return original(self, path, members, numeric_owner=numeric_owner)

    monkeypatch.delattr(tarfile, "data_filter")
    monkeypatch.setattr(tarfile.TarFile, "extractall", old_extractall)
    assert build_one(request_for()).sha256


def test_summary_sizes_are_mib(base_args, tmp_path):
    result = run_cli([*base_args, "-d", "minimal"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert " MiB" in result.stdout and " MB" not in result.stdout


def test_a_killed_runs_old_temp_dirs_are_swept_and_nothing_else(
    request_for, ocelot_cache, tmp_path, monkeypatch
):
    """SIGKILL runs no clean-up: the next run removes what it left, if it is ours and old."""
    import tempfile

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    build_one(request_for())  # creates the cache layout
    two_days_ago = time.time() - 2 * 24 * 3600
    leftovers = [
        tmp / "ocelot-tmp-minimal-a1b2c3d4",
        tmp / "ocelot-tmp-out-zz9_x8y7",
        ocelot_cache / "tmp-k1l2m3n4",
        ocelot_cache / "repos" / "clone-q86mw9lk",
        ocelot_cache / "layers" / "ab" / "tmp-e5f6g7h8",
    ]
    kept = [
        tmp / "ocelot-tmp-minimal-fresh123",  # young: a run may still be using it
        tmp / "ocelot-kept-minimal-a1b2c3d4",  # --keep-temp asked for it
        tmp / "ocelot-real-cache",  # not a name we make
        tmp / "other-tool-a1b2c3d4",
    ]
    for path in leftovers + kept:
        (path / "collector").mkdir(parents=True)
        if "fresh" not in path.name:
            os.utime(path, (two_days_ago, two_days_ago))
    assert build_one(request_for()).cache_hit
    assert [p for p in leftovers if p.exists()] == []
    assert [p for p in kept if not p.exists()] == []
