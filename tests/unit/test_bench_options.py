"""bench/matrix.py checks every option before a run that takes an hour: a bad one stops it
at once with exit 2 and one line naming the option and what is allowed, no traceback."""

from __future__ import annotations

import benchscripts
import pytest

from ocelot_build.core.files import PROJECT_ROOT

matrix = benchscripts.load("matrix")


def _refused(capsys, argv: list[str]) -> str:
    ran: list[object] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(matrix, "scenarios", lambda *a: ran.append(a) or [])
        mp.setattr(matrix, "_collector_version", lambda args: ran.append(args) or "v0")
        code = None
        try:
            code = matrix.main(argv)
        except SystemExit as stop:
            code = stop.code
    assert code == 2 and not ran
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--scenarios", "ax"], "--scenarios 'ax': use letters from abcd"),
        (["--scenarios", "b"], "b reruns a's command on a's cache, so it needs a too"),
        (["--scenarios", "cd", "--skip-baseline"], "--scenarios '': use letters from abcd"),
        (["-a", "amd64,mips"], "unknown architecture 'mips'; allowed: amd64"),
        (["-a", ","], "-a/--architectures: name at least one of amd64, arm64"),
        (["-j", "auto,0"], "--jobs must be auto or a whole number of at least 1, got '0'"),
        (["-j", ","], "-j/--jobs: name at least one value, e.g. auto or 1,2"),
        (["--markdown", "/nonexistent/dir/t.md"], "--markdown /nonexistent/dir/t.md: /nonexistent"),
        (["--save-hashes", "/nonexistent/x"], "--save-hashes /nonexistent/x: /nonexistent is not"),
        (["--config", "/nonexistent.yaml"], "--config /nonexistent.yaml: no such distributions"),
    ],
)
def test_a_bad_option_stops_the_bench_before_anything_runs(capsys, argv, says):
    assert says in _refused(capsys, argv)


def test_an_unknown_distribution_is_named_with_a_suggestion_before_any_fetch(capsys):
    config = PROJECT_ROOT / "config" / "distributions.yaml"
    argv = ["--upstream", "/nonexistent", "--config", str(config), "-d", "minimal,defualt"]
    line = _refused(capsys, argv)
    assert line.startswith("bench/matrix.py: error: unknown distribution 'defualt'")
    assert "(did you mean: default)" in line and "allowed: default, full, minimal" in line


def test_spellings_are_normalised_once(tmp_path):
    args = matrix.parse_args(["-a", "x86_64, arm64", "-j", " auto , 2", "--scenarios", "ad"])
    assert args.archs == ["amd64", "arm64"] and args.jobs == ["auto", "2"]
    assert args.scenarios == "ad"
