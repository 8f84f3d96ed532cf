"""A linked component the bundled config never uses is pointed out when the layer is built."""

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
    idle = run_cli([*args, "-d", "minimal-memlimit"], cwd=tmp_path)
    assert idle.returncode == 0, idle.stderr  # a warning, not a failure
    (warning,) = [line for line in idle.stderr.splitlines() if "warning:" in line]
    assert "distribution minimal-memlimit" in warning
    assert "leaves processor memorylimiter unused" in warning
