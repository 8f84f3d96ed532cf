"""The one exit-code rule every command's ``main`` runs under."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ocelot_build.audit import costs
from ocelot_build.core.errors import BuildError, UsageError, command_main


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


def test_the_sigterm_handler_is_active_in_the_body_and_restored_after():
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    seen = []

    def body() -> int:
        seen.append(signal.getsignal(signal.SIGTERM))
        return 0

    assert command_main("ocelot", body) == 0
    assert seen[0] is not signal.SIG_DFL  # SIGTERM unwound the body
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # and nothing is left behind


@pytest.mark.parametrize(
    ("module", "argv", "prefix"),
    [
        ("ocelot_build.audit.diff", ["a.json"], "ocelot diff: error: "),
        ("ocelot_build.store.housekeeping", ["nope"], "ocelot cache: error: "),
        ("ocelot_build.publish.prune", ["--keep", "0"], "ocelot prune: error: "),
        ("ocelot_build.publish.reconcile", ["--bad"], "ocelot reconcile: error: "),
        ("ocelot_build.verify.__main__", [], "verify: error: "),
        ("infra.ci", ["nope"], "ocelot ci: error: "),
        ("infra.published_diff", [], "ocelot published-diff: error: "),
        ("infra.release_notes", [], "ocelot release-notes: error: "),
        ("infra.measure", ["--runs", "x"], "ocelot measure: error: "),
    ],
)
def test_every_short_command_shares_the_rule(module, argv, prefix, capsys):
    """Bad options are bad input everywhere: one line with the command's prefix, exit 2,
    and the SIGTERM handler put back."""
    import importlib

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    main = importlib.import_module(module).main
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(prefix) and err.count("\n") == 1, err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
