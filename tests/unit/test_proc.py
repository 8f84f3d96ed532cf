"""The subprocess wrapper: stdout returned, stderr streamed with -v, tails on failure."""

from __future__ import annotations

import socket
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


# What go 1.26 printed when proxy.golang.org refused a module version (a real build here).
PROXY_REFUSAL = """\
go: github.com/open-telemetry/opentelemetry-lambda/collector/lambdacomponents imports
\tgithub.com/go-openapi/jsonreference: github.com/open-telemetry/opentelemetry-collector-contrib/\
confmap/provider/secretsmanagerprovider@v0.158.0: reading https://proxy.golang.org/github.com/\
open-telemetry/opentelemetry-collector-contrib/confmap/provider/secretsmanagerprovider/@v/\
v0.158.0.mod: 403 Forbidden
\tserver response: This module version is not available.
"""


def test_a_go_proxy_refusal_points_to_go_replaces_in_one_line(tmp_path):
    go = tmp_path / "go"  # a stand-in go that fails the way the real one did
    go.write_text(f"#!/bin/sh\ncat >&2 <<'EOF'\n{PROXY_REFUSAL}EOF\nexit 1\n")
    go.chmod(0o755)
    with pytest.raises(BuildError) as err:
        proc.run([go, "mod", "tidy"])
    module = "github.com/open-telemetry/opentelemetry-collector-contrib/confmap/provider/"
    module += "secretsmanagerprovider"
    message = err.value.message
    assert "\n" not in message
    assert f"the Go proxy refused {module}@v0.158.0 (403 Forbidden)" in message
    assert f"'go-replaces: {{{module}: {module}@<version>}}'" in message
    assert "docs/components.md#replacing-go-modules-go-replaces" in message


def test_an_unreachable_upstream_suggests_a_local_path(tmp_path):
    from ocelot_build.stages.upstream import fetch_upstream
    from ocelot_build.store.cache import Cache

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(BuildError) as err:
        fetch_upstream(f"http://127.0.0.1:{port}/x.git", "main", Cache(tmp_path / "cache"))
    message = err.value.message
    assert "\n" not in message
    assert "the upstream cannot be reached (Failed to connect" in message
    assert "pass -r <local path or mirror>" in message


def test_other_failures_get_no_invented_advice():
    assert proc.next_step("go", "go: updates to go.mod needed") == ""
    assert proc.next_step("git", "fatal: bad revision 'x'") == ""
