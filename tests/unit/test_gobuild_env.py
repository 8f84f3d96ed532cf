"""The compiler's GOGC: ocelot's default, and a user's own setting winning over it."""

from __future__ import annotations

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
