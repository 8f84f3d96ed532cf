"""docs/benchmarks.md tells users to run bench scripts: each script it names exists, starts,
and knows every option the page gives it (the full runs are the slow tests
tests/engine/test_bench.py and tests/verify/test_bench_*.py)."""

from __future__ import annotations

import re
import subprocess
import sys

from ocelot_build.core.files import PROJECT_ROOT

PAGE = (PROJECT_ROOT / "docs" / "benchmarks.md").read_text()


def _commands() -> dict[str, set[str]]:
    """bench script → the options the page passes it."""
    found: dict[str, set[str]] = {}
    for script, rest in re.findall(r"python (bench/[a-z_]+\.py)([^\n`#]*)", PAGE):
        found.setdefault(script, set()).update(re.findall(r"(--[a-z][a-z-]*)", rest))
    return found


def test_the_page_names_bench_scripts():
    assert "bench/matrix.py" in _commands()


def test_every_named_script_starts_and_knows_the_options_the_page_uses():
    for script, options in sorted(_commands().items()):
        assert (PROJECT_ROOT / script).is_file(), script
        result = subprocess.run(
            [sys.executable, script, "--help"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, (script, result.stderr[-500:])
        missing = sorted(o for o in options if o not in result.stdout)
        assert not missing, f"{script} --help lacks {missing}, which docs/benchmarks.md uses"


def test_the_costs_command_the_page_gives_knows_its_options():
    found = re.findall(r"python -m ocelot_build\.costs ((?:\\\n|[^\n`])*)", PAGE)
    options = {o for rest in found for o in re.findall(r"(--[a-z][a-z-]*)", rest)}
    assert {"--memory-mb", "--runs"} <= options
    result = subprocess.run(
        [sys.executable, "-m", "ocelot_build.costs", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert not sorted(o for o in options if o not in result.stdout)
