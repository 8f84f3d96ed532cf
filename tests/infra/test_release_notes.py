"""The stack output rendered as a Markdown table, from stdin or from `pulumi stack output`."""

from __future__ import annotations

import io
import json
import os
import stat

import pytest
from pulumi_harness import FakeBuilder, run_program

from infra import release_notes
from infra.outputs import parse_stack_output, render_markdown
from ocelot_build.core.errors import UsageError


@pytest.fixture
def stack_output(tmp_path, base_config) -> dict:
    """What `pulumi stack output --json` prints for a two-region stack."""
    config = {**base_config, "ocelot:regions": ["eu-west-1", "us-east-1"]}
    run = run_program(config, root=tmp_path, builder=FakeBuilder())
    return {"layers": run.output}


def test_table_has_one_row_per_layer_version_with_its_arn(stack_output):
    text = render_markdown(parse_stack_output(json.dumps(stack_output)))
    rows = [line for line in text.splitlines() if line.startswith("| ") and "arn:" in line]
    assert len(rows) == 8  # 2 regions x 2 distributions x 2 architectures
    first = stack_output["layers"]["eu-west-1"]["minimal"]["amd64"]
    assert rows[0].startswith(f"| eu-west-1 | minimal | amd64 | `{first['arn']}` | v0.158.0 |")
    assert f"`{first['sha256'][:12]}`" in rows[0]
    assert rows[-1].startswith("| us-east-1 | tracing | arm64 |")
    assert f"upstream commit {first['upstream_commit']}" in text.splitlines()[0]


def test_main_reads_stdin(stack_output, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(stack_output)))
    assert release_notes.main(["-"]) == 0
    out = capsys.readouterr().out
    assert out.count("arn:aws:lambda:") == 8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "stack output is not JSON"),
        ("{}", "stack output has no 'layers' output"),
        (
            '{"layers": {"eu-west-1": {"minimal": {"amd64": {"arn": "x"}}}}}',
            "layers.eu-west-1.minimal.amd64 lacks version",
        ),
        ('{"layers": {"eu-west-1": []}}', "layers.eu-west-1 must be a mapping"),
    ],
)
def test_bad_input_exits_2_with_one_line(text, message, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert release_notes.main(["-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ocelot release-notes: error: {message}") and err.count("\n") == 1
    with pytest.raises(UsageError):
        parse_stack_output(text)


def test_stack_without_pulumi_cli_exits_2_saying_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert release_notes.main(["--stack", "dev"]) == 2
    err = capsys.readouterr().err
    assert "pulumi CLI not found" in err and "get.pulumi.com" in err


def _fake_pulumi(directory, script: str) -> None:
    path = directory / "pulumi"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_stack_runs_pulumi_stack_output(stack_output, monkeypatch, tmp_path, capsys):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    dump = tmp_path / "output.json"
    dump.write_text(json.dumps(stack_output))
    _fake_pulumi(bindir, f'echo "$@" > {tmp_path}/argv\ncat {dump}\n')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    assert release_notes.main(["--stack", "prod-eu"]) == 0
    assert capsys.readouterr().out.count("arn:aws:lambda:") == 8
    argv = (tmp_path / "argv").read_text().split()
    assert argv[:3] == ["stack", "output", "--json"] and argv[-2:] == ["--stack", "prod-eu"]


def test_failing_pulumi_exits_1_with_its_last_lines(monkeypatch, tmp_path, capsys):
    _fake_pulumi(tmp_path, 'echo "error: no stack named prod-eu found" >&2\nexit 255\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert release_notes.main(["--stack", "prod-eu"]) == 1
    err = capsys.readouterr().err
    assert "`pulumi stack output` failed for stack 'prod-eu'" in err
    assert "no stack named prod-eu found" in err
