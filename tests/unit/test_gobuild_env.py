"""The go command's environment: the compiler's GOGC (ocelot's default, a user's own
setting winning), what is not recorded, and the work directory go leaves behind."""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path

import pytest

from ocelot_build.core.errors import BuildError
from ocelot_build.core.files import TEMP_PREFIX
from ocelot_build.core.model import Architecture
from ocelot_build.core.toolchain import GoToolchain
from ocelot_build.stages import gobuild


def test_go_build_runs_the_compiler_with_a_larger_gc_target() -> None:
    env = gobuild.compiler_env({"GOARCH": "arm64"})
    assert env["GOGC"] == gobuild.COMPILER_GOGC == "400"
    assert env["GOARCH"] == "arm64"


def test_a_gogc_the_user_set_is_kept() -> None:
    assert gobuild.compiler_env({"GOGC": "100"})["GOGC"] == "100"


def test_gogc_is_not_a_byte_affecting_setting() -> None:
    """It must not be stripped by the hermetic environment (so a user's value reaches go)
    nor be part of what ocelot fixes: it changes when the compiler collects, not its output."""
    from ocelot_build.core import toolchain

    assert "GOGC" not in toolchain.HERMETIC
    assert not toolchain._affects_bytes("GOGC")


def test_the_leads_gomaxprocs_is_neither_recorded_nor_byte_affecting() -> None:
    """The schedule gives each lead GOMAXPROCS = jobs / leads: how fast Go compiles, not
    what. It must stay out of the manifest's go_env, or two runs with other -j would say
    they built differently, and it must not count as a setting that changes the bytes."""
    from ocelot_build.core import toolchain
    from ocelot_build.stages.builder import RECORDED_ENV

    assert "GOMAXPROCS" not in RECORDED_ENV
    assert not toolchain._affects_bytes("GOMAXPROCS")


LINK = 'while [ "$1" != "-o" ]; do shift; done; cp /bin/true "$2"'  # /bin/true as "the binary"
needs_amd64 = pytest.mark.skipif(
    platform.machine() != "x86_64", reason="/bin/true stands in for an amd64 binary"
)


def _fake_go(tmp_path: Path, script: str) -> tuple[GoToolchain, Path]:
    """A ``go`` that records its GOTMPDIR and leaves a ``go-build`` work directory in it (as
    an interrupted or killed go does), then runs ``script``."""
    record = tmp_path / "gotmpdir"
    go = tmp_path / "go"
    go.write_text(
        f'#!/bin/sh\necho "$GOTMPDIR" > {record}\nmkdir "$GOTMPDIR/go-build1"\n{script}\n'
    )
    go.chmod(0o755)
    return GoToolchain(go=go, goroot=None, version="go1.26.6", origin="OCELOT_GO"), record


def _build(tmp_path: Path, go: GoToolchain, env: dict[str, str]) -> Path:
    return gobuild.go_build(tmp_path, tmp_path / "out", Architecture.AMD64, (), "v0", "c", go, env)


@needs_amd64
def test_go_works_in_a_directory_of_ours_that_goes_with_the_build(tmp_path, monkeypatch):
    """Go leaves its go-build* work directory behind when it is interrupted or killed; it
    must land in an ocelot-tmp- directory that is removed however the build ends."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    go, record = _fake_go(tmp_path, LINK)
    assert _build(tmp_path, go, {}).exists()
    used = record.read_text().strip()
    assert used.startswith(str(tmp_path / f"{TEMP_PREFIX}go-")) and not os.path.exists(used)

    failing, record = _fake_go(tmp_path, "exit 1")
    with pytest.raises(BuildError):
        _build(tmp_path, failing, {})
    assert not os.path.exists(record.read_text().strip())


@needs_amd64
def test_a_gotmpdir_the_user_set_holds_ours(tmp_path):
    theirs = tmp_path / "big-disk"
    theirs.mkdir()
    go, record = _fake_go(tmp_path, LINK)
    _build(tmp_path, go, {"GOTMPDIR": str(theirs)})
    assert record.read_text().startswith(str(theirs / f"{TEMP_PREFIX}go-"))
    assert list(theirs.iterdir()) == []
