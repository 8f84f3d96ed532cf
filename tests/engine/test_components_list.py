"""``python -m ocelot_build.components`` against the stand-in: every tag a distribution may
use, with the YAML id read from the component's source, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from ocelot_build.stages.catalogue import read_catalogue
from ocelot_build.stages.upstream import fetch_upstream
from ocelot_build.store.cache import Cache


def components(args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "ocelot_build.components", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_every_catalogue_tag_is_listed_with_its_yaml_id(
    standin, dists_file, empty_registry, tmp_path, ocelot_cache
):
    costs = tmp_path / "costs.json"
    costs.write_text(
        json.dumps({"rows": [{"tag": "receiver.otlp", "architecture": "amd64", "zip_mib": 1.5}]})
    )
    base = ["-r", str(standin.path), "-b", standin.main_commit, "-c", str(dists_file)]
    base += ["--components", str(empty_registry), "--costs", str(costs)]
    listed = components([*base, "--json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {r["tag"]: r for r in json.loads(listed.stdout)}
    source = fetch_upstream(str(standin.path), standin.main_commit, Cache(ocelot_cache))
    catalogue = read_catalogue(source, {})
    assert set(rows) == {
        c.tag.removeprefix("lambdacomponents.") for c in catalogue.components.values()
    }
    assert rows["processor.memorylimiter"]["yaml_ids"][0] == "memory_limiter"  # not the tag
    assert rows["receiver.otlp"]["zip_mib"] == 1.5
    table = components(base, tmp_path)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == [
        "kind",
        "tag",
        "yaml",
        "id",
        "module",
        "zip",
        "MiB",
        "init",
        "ms",
    ]
    assert f"component tags at upstream commit {standin.main_commit[:12]}" in table.stdout
    assert "also: all, " in table.stdout and "custom" in table.stdout
