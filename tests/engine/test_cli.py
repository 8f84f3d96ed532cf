"""The CLI as a user runs it: bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import messages, run_cli


@pytest.fixture
def base_args(standin, dists_file, empty_registry, tmp_path, ocelot_cache) -> list[str]:
    return [
        "-r",
        str(standin.path),
        "-c",
        str(dists_file),
        "--components",
        str(empty_registry),
        "-o",
        str(tmp_path / "out"),
        "--skip-publish",
    ]


BAD_INPUT = {
    "distribution": (["-d", "minimall"], "unknown distribution 'minimall' (did you mean: minimal"),
    "architecture": (["-a", "x86"], "unknown architecture 'x86'; allowed: amd64, arm64"),
    "runtime": (["--runtimes", "python3.99"], "unknown runtime 'python3.99' (did you mean"),
    "layer name": (["-l", "bad name!"], "layer name 'bad name!' may only contain"),
    "long layer name": (["-l", "x" * 141], "too long"),
    "config path": (["-c", "/nonexistent.yaml"], "file /nonexistent.yaml does not exist"),
    "config dir": (["-c", "/"], "distributions file / is a directory, not a file"),
    "registry dir": (["--components", "/"], "component registry / is a directory, not a file"),
    "repo": (["-r", "/nonexistent/repo/path"], "not owner/name, a git URL, or an existing"),
    "ref": (["-b", "no-such-branch"], "upstream ref 'no-such-branch' not found"),
    "option": (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    "jobs": (["-j", "0"], "--jobs must be auto or a whole number of at least 1, got '0'"),
    "jobs word": (["-j", "many"], "--jobs must be auto or a whole number of at least 1"),
    "timings": (["--timings", "/nonexistent/t.json"], "/nonexistent is not a directory"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(base_args, tmp_path, case):
    extra, expected = BAD_INPUT[case]
    result = run_cli(base_args + extra, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = messages(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("ocelot: error: "), result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def _ship_config(dists_file: Path, text: str) -> None:
    """Make the minimal distribution bundle a collector config with this text."""
    (dists_file.parent / "shipped.yaml").write_text(text)
    dists_file.write_text(dists_file.read_text().replace("minimal.yaml", "shipped.yaml"))


def test_invalid_collector_config_is_bad_input(base_args, tmp_path, dists_file):
    _ship_config(dists_file, "this: [is not: a collector config\n")
    result = run_cli([*base_args, "-d", "minimal"], cwd=tmp_path)
    assert result.returncode == 2
    assert "collector config line 2: " in result.stderr
    assert not (tmp_path / "out").exists()


def test_build_failure_is_exit_1_with_the_tools_tail(base_args, tmp_path, dists_file):
    _ship_config(dists_file, "receivers: {otlp: {}}\nexporters: {kafka: {}}\n")
    result = run_cli([*base_args, "-d", "minimal"], cwd=tmp_path)
    assert result.returncode == 1
    assert "names components the layer lacks: exporters.kafka" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*.zip"))


def test_successful_build_prints_a_summary(base_args, tmp_path):
    result = run_cli([*base_args, "-d", "minimal", "-a", "arm64"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "minimal  arm64" in result.stdout and "built" in result.stdout
    again = run_cli([*base_args, "-d", "minimal", "-a", "arm64"], cwd=tmp_path)
    assert "hit" in again.stdout
    assert (tmp_path / "out" / "ocel-minimal-arm64.zip").is_file()


def test_dry_run_prints_the_plan_and_writes_nothing(base_args, tmp_path, ocelot_cache):
    args = [*base_args, "-d", "minimal,default", "-a", "all", "--dry-run"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0].split() == ["layer", "arch", "cache", "key", "cache", "zip"]
    assert sorted(r.split()[:2] for r in rows[1:5]) == [
        ["default", "amd64"],
        ["default", "arm64"],
        ["minimal", "amd64"],
        ["minimal", "arm64"],
    ]
    assert all("miss: would build" in r for r in rows[1:5])
    assert (
        rows[5] == "would build 4 of 4 layers (2 distributions); dry run: nothing built or written"
    )
    assert not (tmp_path / "out").exists()
    written = {p.name for p in ocelot_cache.iterdir()}
    assert written <= {"repos", "locks", "CACHEDIR.TAG"}, written  # the mirror and its lock
    assert all(p.name.startswith("repo-") for p in (ocelot_cache / "locks").iterdir())
    built = run_cli([*base_args, "-d", "minimal"], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    again = run_cli(args, cwd=tmp_path)
    hit = next(r for r in again.stdout.splitlines() if r.startswith("minimal  amd64"))
    assert hit.split()[3] == "hit" and "would build 3 of 4 layers" in again.stdout


def test_publishing_without_pulumi_says_how_to_install_it(base_args, tmp_path, monkeypatch):
    if shutil.which("pulumi"):
        pytest.skip("a Pulumi CLI is installed on this machine")
    args = [a for a in base_args if a != "--skip-publish"]
    result = run_cli([*args, "-d", "minimal", "--stack", "dev"], cwd=tmp_path)
    assert result.returncode == 2
    assert "pulumi CLI not found; install it" in result.stderr
    assert "--skip-publish" in result.stderr
    assert not Path(tmp_path / "out").exists()


def test_interrupted_build_leaves_no_output_and_no_cache_entry(
    base_args, tmp_path, ocelot_cache, monkeypatch
):
    import signal
    import subprocess
    import sys
    import time

    from standin import go_binary

    # The real go, except that `go build` becomes a long sleep: the interrupt surely lands
    # mid-build, and the sleeping process is the child ocelot must not leave behind.
    slow_go = tmp_path / "slow-go"
    slow_go.write_text(
        f'#!/bin/sh\n[ "$1" = build ] && exec sleep 61.25\nexec {go_binary()} "$@"\n'
    )
    slow_go.chmod(0o755)
    monkeypatch.setenv("OCELOT_GO", str(slow_go))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocelot_build", *base_args, "-d", "minimal", "-a", "arm64", "-v"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        # as from a terminal: a runner started in the background by a
        # shell passes SIGINT down ignored, and Python would keep it so
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("+ ") and " build " in line:  # -v echoes the go build command
            time.sleep(1.0)  # past Popen's start-up: the build is running, ocelot waits on it
            proc.send_signal(signal.SIGINT)
            break
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    leftover = subprocess.run(["pgrep", "-f", "sleep 61.25"], capture_output=True, text=True)
    assert leftover.stdout == ""  # the interrupted build left no process behind
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True
    assert not list((ocelot_cache / "layers").rglob("layer.zip"))
    assert not list((ocelot_cache / "layers").rglob("tmp-*"))


def test_boot_check_is_sandboxed_unless_no_sandbox_is_given() -> None:
    from ocelot_build import cli

    request, _ = cli.parse_request(["-d", "minimal", "--verify", "--skip-publish"])
    assert request.verify and request.sandbox is True
    request, _ = cli.parse_request(["-d", "minimal", "--verify", "--no-sandbox", "--skip-publish"])
    assert request.sandbox is False
