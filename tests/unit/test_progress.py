"""Progress in the form its reader can use: a live display on a terminal, one line per
finished stage elsewhere (CI logs), every line with -v, nothing twice under Pulumi."""

from __future__ import annotations

import io
import re

from ocelot_build.core.progress import Progress


def run_stages(progress: Progress) -> None:
    with progress:
        progress.say("upstream commit abc")
        progress.expect(2)
        for label in ("minimal/amd64", "minimal/arm64"):
            with progress.stage(f"{label}: go build"):
                pass
            progress.layer_done()


def test_without_a_terminal_each_finished_stage_is_one_timed_line(capsys):
    run_stages(Progress())  # pytest's stderr is not a terminal
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert re.fullmatch(r"\[ +\d+\.\ds\] upstream commit abc", lines[0])
    assert re.fullmatch(r"\[ +\d+\.\ds\] minimal/amd64: go build: done in \d+\.\ds", lines[1])
    assert lines[2].endswith("minimal/arm64: go build: done in 0.0s")


def test_on_a_terminal_a_live_display_counts_layers_and_shows_the_stage():
    screen = io.StringIO()
    progress = Progress(enabled=True, stream=screen)
    with progress:
        progress.expect(2)
        with progress.stage("minimal/amd64: go build"):
            progress._live.refresh()
            assert "layers 0/2  0:00  minimal/amd64: go build" in screen.getvalue()
        progress.layer_done()
        progress.layer_done()
    shown = screen.getvalue()
    assert "layers 2/2" in shown and "done" in shown
    assert "minimal/amd64: go build: done in" in shown  # finished stages scroll above it


def test_verbose_shows_stage_starts_too(capsys):
    run_stages(Progress(verbose=True))
    assert "minimal/amd64: go build …" in capsys.readouterr().err


def test_a_callback_gets_the_lines_instead_of_stderr(capsys):
    got: list[str] = []
    run_stages(Progress(callback=got.append))
    assert capsys.readouterr().err == ""
    assert len(got) == 3 and got[1].endswith("minimal/amd64: go build: done in 0.0s")
