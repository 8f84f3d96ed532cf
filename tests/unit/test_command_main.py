"""The one exit-code rule every long-running command's ``main`` runs under."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ocelot_build import costs
from ocelot_build.errors import BuildError, UsageError, command_main


@pytest.fixture(autouse=True)
def _restore_sigterm():
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


def test_sigterm_unwinds_the_body_and_exits_143(capsys):
    cleaned = []

    def body() -> int:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
            return 0
        finally:
            cleaned.append(True)

    assert command_main("ocelot", body) == 143
    assert cleaned == [True]
    assert capsys.readouterr().err == "ocelot: terminated\n"


def test_ctrl_c_exits_130(capsys):
    def body() -> int:
        raise KeyboardInterrupt

    assert command_main("ocelot", body) == 130
    assert capsys.readouterr().err == "ocelot: interrupted\n"


def test_an_ocelot_error_prints_message_and_detail_with_its_code(capsys):
    def bad_input() -> int:
        raise UsageError("unknown distribution 'x'")

    def failed_build() -> int:
        raise BuildError("go failed (exit 1)", detail="last line of go")

    assert command_main("ocelot", bad_input) == 2
    assert capsys.readouterr().err == "ocelot: error: unknown distribution 'x'\n"
    assert command_main("ocelot", failed_build) == 1
    assert capsys.readouterr().err == "ocelot: error: go failed (exit 1)\nlast line of go\n"


def test_costs_runs_under_the_same_rule(capsys):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert costs.main(["--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ocelot: error: ") and err.count("\n") == 1
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # SIGTERM now unwinds
