"""The subprocess wrapper: stdout returned, stderr streamed with -v, tails on failure."""

from __future__ import annotations

import sys

import pytest

from ocelot_build.core import proc
from ocelot_build.core.errors import BuildError, ToolMissingError

SCRIPT = (
    "import sys\nprint('out')\n"
    "for i in range(3):\n    print(f'err {i}', file=sys.stderr, flush=True)\n"
)


@pytest.mark.parametrize("verbose", [False, True])
def test_stdout_is_returned_and_stderr_echoed_only_when_verbose(capfd, verbose):
    assert proc.run([sys.executable, "-c", SCRIPT], verbose=verbose) == "out\n"
    err = capfd.readouterr().err
    assert ("err 2" in err) is verbose


@pytest.mark.parametrize("verbose", [False, True])
def test_failure_carries_the_command_and_the_output_tail(verbose):
    failing = SCRIPT + "sys.exit(3)\n"
    with pytest.raises(BuildError) as err:
        proc.run([sys.executable, "-c", failing], verbose=verbose)
    assert "failed (exit 3)" in err.value.message
    assert err.value.detail.splitlines()[-2:] == ["err 2", "out"]


def test_missing_tool_is_a_usage_error():
    with pytest.raises(ToolMissingError, match="not found on PATH"):
        proc.run(["ocelot-no-such-tool"])


def test_git_redirecting_variables_are_scrubbed(monkeypatch):
    monkeypatch.setenv("GIT_DIR", "/elsewhere")
    env = proc.clean_env()
    assert "GIT_DIR" not in env and env["GIT_TERMINAL_PROMPT"] == "0"
