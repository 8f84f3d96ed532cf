"""``python -m ocelot_build.cache info | prune``: sizes per kind, and removing unused entries."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ocelot_build.store.cache import Cache

DAY = 24 * 3600


def fill(root: Path, age_days: float) -> dict[str, Path]:
    """One entry of each kind, each last used ``age_days`` ago; returns them by kind."""
    made = {
        "repos": root / "repos" / "abc123",
        "trees": root / "trees" / ("c" * 40),
        "layers": root / "layers" / "ke" / ("key" + "0" * 61),
        "verify": root / "verify" / ("v" * 64 + ".json"),
    }
    for kind, path in made.items():
        if kind == "verify":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text('{"status": "passed"}')
        else:
            path.mkdir(parents=True)
            (path / "data").write_bytes(b"x" * 1024 * 1024)
    old = time.time() - age_days * DAY
    for path in made.values():
        for p in [*path.rglob("*"), path] if path.is_dir() else [path]:
            os.utime(p, (old, old))
    (root / "locks").mkdir()
    (root / "locks" / "x.lock").write_text("")
    return made


def cache_cli(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OCELOT_CACHE_DIR": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "ocelot_build.cache", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def test_info_shows_every_kind_with_its_size(tmp_path):
    fill(tmp_path, age_days=1)
    result = cache_cli("info", root=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:]}
    assert rows["repos"] == ["1", "1.0", "MiB"] and rows["layers"] == ["1", "1.0", "MiB"]
    assert rows["trees"] == ["1", "1.0", "MiB"] and rows["verify"] == ["1", "0.0", "MiB"]
    assert rows["total"] == ["4", "3.0", "MiB"]


def test_prune_is_a_dry_run_until_apply(tmp_path):
    made = fill(tmp_path, age_days=40)
    dry = cache_cli("prune", "--older-than", "30", root=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "would remove 4 entries unused for 30 days, 3.0 MiB; dry run" in dry.stdout
    assert all(p.exists() for p in made.values())
    kept = cache_cli("prune", "--older-than", "50", "--apply", root=tmp_path)
    assert "removed 0 entries" in kept.stdout and all(p.exists() for p in made.values())
    applied = cache_cli("prune", "--older-than", "30", "--apply", root=tmp_path)
    assert "removed 4 entries" in applied.stdout
    assert not any(p.exists() for p in made.values())
    assert (tmp_path / "locks" / "x.lock").exists()
    assert not list(tmp_path.rglob("tmp-prune-*"))


def test_serving_an_entry_marks_it_used(tmp_path):
    made = fill(tmp_path, age_days=40)
    cache = Cache(tmp_path)
    assert cache.recall_verify("v" * 64) == {"status": "passed"}
    result = cache_cli("prune", "--older-than", "30", root=tmp_path)
    assert "verify/" not in result.stdout and "would remove 3 entries" in result.stdout
    assert made["verify"].stat().st_mtime > time.time() - 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prune"], "the following arguments are required: --older-than"),
        (["prune", "--older-than", "-1"], "--older-than must be 0 or more days, got -1"),
        (["clean"], "invalid choice: 'clean'"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, args, message):
    result = cache_cli(*args, root=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
