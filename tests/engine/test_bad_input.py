"""Adversarial input: every case is one line on stderr, the right exit code, nothing
written to -o (and no traceback)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import messages, run_cli

GOOD = "distributions:\n  minimal:\n    description: m\n    build-tags: [custom, receiver.otlp]\n"
BOMB = (
    "distributions:\n  minimal: {description: m, build-tags: [custom]}\n"
    'go-replaces:\n  a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    "  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "  c: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
)

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "base is a list": (
        (GOOD + "  child: {description: c, base: [minimal]}\n").encode(),
        "distributions.child.base must be a distribution name, got ['minimal']",
    ),
    "integer name": (
        (GOOD + "  1: {description: c}\n").encode(),
        "distribution name 1 must be letters, digits",
    ),
    "non-UTF-8": (GOOD.encode() + b"  # caf\xe9\n", "not UTF-8 text (byte 92)"),
    "anchors": (BOMB.encode(), "line 4: anchors and aliases (&, *, <<) are not allowed"),
    "path in a name": (
        GOOD.replace("minimal:", "x/../../escaped:").encode(),
        "distribution name 'x/../../escaped' must be letters, digits",
    ),
    "dot-dot name": (
        GOOD.replace("minimal:", "../escape:").encode(),
        "distribution name '../escape' must be",
    ),
    "reserved name": (GOOD.replace("minimal:", "all:").encode(), "'all' is reserved"),
    "go-replaces value": (
        (GOOD + "go-replaces: {a: [b]}\n").encode(),
        "go-replaces: 'a': ['b'] must map a module path",
    ),
    "component files": (
        (GOOD + "components:\n  exporter.x: {files: [1], modules: []}\n").encode(),
        "components.exporter.x.files must list at least one wrapper .go file path",
    ),
}


@pytest.fixture
def args(standin, empty_registry, tmp_path, ocelot_cache) -> list[str]:
    return [
        *("-r", str(standin.path), "--components", str(empty_registry)),
        *("-o", str(tmp_path / "out"), "--skip-publish"),
    ]


def _one_line(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, result.stderr
    lines = messages(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("ocelot: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_distributions_file_is_one_line_exit_2(args, tmp_path, case):
    text, expected = BAD_FILES[case]
    (tmp_path / "d.yaml").write_bytes(text)
    result = run_cli([*args, "-c", str(tmp_path / "d.yaml"), "-d", "minimal"], cwd=tmp_path)
    assert expected in _one_line(result)
    assert not (tmp_path / "out").exists() and not list(tmp_path.parent.glob("escaped*"))


def test_cold_start_options_an_upstream_cannot_take_stop_before_go(args, tmp_path):
    """The stand-in has no internal/collector/collector.go to edit: planning says so in
    one line, exit 2, and nothing is written to -o."""
    (tmp_path / "d.yaml").write_text(GOOD + "    cold-start: [sleep-wait]\n")
    result = run_cli([*args, "-c", str(tmp_path / "d.yaml"), "-d", "minimal"], cwd=tmp_path)
    line = _one_line(result)
    assert "distribution minimal: config-providers/cold-start cannot be applied" in line
    assert "internal/collector/collector.go is missing" in line
    assert not (tmp_path / "out").exists()


def test_anchors_in_the_collector_config_are_refused(args, dists_file, tmp_path):
    (dists_file.parent / "minimal.yaml").write_text("receivers: &r {otlp: {}}\nother: *r\n")
    result = run_cli([*args, "-c", str(dists_file), "-d", "minimal"], cwd=tmp_path)
    assert "collector config line 1: anchors and aliases" in _one_line(result)


@pytest.mark.parametrize("case", ["file", "under a file", "zip is a directory"])
def test_outputs_that_cannot_be_written_are_one_line_exit_2(args, dists_file, tmp_path, case):
    out = tmp_path / "out"
    if case == "file":
        out.write_text("")
        expected = f"output directory -o {out} is a file; give a directory"
    elif case == "under a file":
        out.write_text("")
        args = [a if a != str(out) else str(out / "sub") for a in args]
        expected = f"output directory -o {out / 'sub'} is under the file {out}"
    else:
        (out / "ocel-minimal-amd64.zip").mkdir(parents=True)
        expected = f"{out / 'ocel-minimal-amd64.zip'} is a directory"
    result = run_cli([*args, "-c", str(dists_file), "-d", "minimal"], cwd=tmp_path)
    assert expected in _one_line(result)
    assert not list(tmp_path.rglob("*.json")) or case == "zip is a directory"
    assert not list(tmp_path.glob("out*/*.json"))


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_an_unwritable_output_directory_is_one_line_exit_2(args, dists_file, tmp_path):
    (tmp_path / "out").mkdir()
    argv = [sys.executable, "-m", "ocelot_build", *args, "-c", str(dists_file), "-d", "minimal"]
    ro = str(tmp_path / "out")
    result = subprocess.run(
        ["bwrap", "--dev-bind", "/", "/", "--ro-bind", ro, ro, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert f"output directory -o {ro} is not writable" in _one_line(result)


def test_output_paths_never_leave_the_output_directory(request_for, tmp_path):
    """A backstop below the name rule: a name that slipped through still cannot escape."""
    from ocelot_build.core.errors import UsageError
    from ocelot_build.core.progress import Progress
    from ocelot_build.stages.outputs import output_paths
    from ocelot_build.stages.plan import plan_layers
    from ocelot_build.stages.resolve import resolve

    ctx, chosen = resolve(request_for(layer_name="../../escaped"), Progress(enabled=False))
    with pytest.raises(UsageError, match="would be written outside -o"):
        output_paths(ctx.request, plan_layers(ctx, chosen)[0])
    assert not Path(tmp_path.parent / "escaped-minimal-amd64.zip").exists()
