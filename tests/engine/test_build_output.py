"""What a build tells its reader, stderr not a terminal (a CI log): one line per stage with
its time, the files written and the next step, and any linked component the bundled config
never uses."""

from __future__ import annotations

from .conftest import run_cli


def test_a_linked_component_the_config_leaves_unused_is_a_warning(
    standin, dists_file, empty_registry, tmp_path, ocelot_cache
):
    args = ["-r", str(standin.path), "-b", standin.main_commit, "-c", str(dists_file)]
    args += ["--components", str(empty_registry), "-o", str(tmp_path / "out"), "--skip-publish"]
    used = run_cli([*args, "-d", "minimal"], cwd=tmp_path)
    assert used.returncode == 0, used.stderr
    assert "unused" not in used.stderr
    stages = [line for line in used.stderr.splitlines() if ": done in " in line]
    assert any("] minimal/amd64: go build: done in " in line for line in stages), used.stderr
    assert any("] minimal/amd64: package: done in " in line for line in stages)
    out = tmp_path / "out" / "ocel-minimal-amd64"
    written = used.stdout.split("written:\n", 1)[1].splitlines()
    assert written[0].split() == [f"{out}.zip", f"{out}.json", f"{out}.cdx.json"]
    assert f"next: boot-check: uv run python -m ocelot_build.verify {out}.zip" in written
    assert any(
        line.startswith("next: publish") and "docs/quickstart.md" in line for line in written
    )
    idle = run_cli([*args, "-d", "minimal-memlimit"], cwd=tmp_path)
    assert idle.returncode == 0, idle.stderr  # a warning, not a failure
    (warning,) = [line for line in idle.stderr.splitlines() if "warning:" in line]
    assert "distribution minimal-memlimit" in warning
    assert "leaves processor memorylimiter unused" in warning
