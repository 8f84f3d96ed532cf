"""Path options: an empty one is bad input (one line, exit 2), never the current directory;
the distributions file `-d all` reads goes through the cache like the build's."""

from __future__ import annotations

import argparse

import pytest
from standin.fixtures import write_dists

from ocelot_build import cli
from ocelot_build.audit import costs
from ocelot_build.core import yamlio
from ocelot_build.core.files import not_a_file
from ocelot_build.core.options import count


@pytest.mark.parametrize("option", ["-o", "-c", "--components"])
def test_an_empty_path_option_is_refused_and_nothing_is_written(
    option, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["-d", "minimal", option, "", "--skip-publish"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith(f"ocelot: error: argument {option}")
    assert "is empty; give a path" in err
    assert list(tmp_path.iterdir()) == []


def test_costs_refuses_an_empty_output_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert costs.main(["-o", ""]) == 2
    assert "-o/--output-dir: is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_all_reads_a_large_file_through_the_cache_like_the_build(tmp_path, ocelot_cache):
    """``-d all`` reads the distributions file to check the layer name: a large one is
    parsed once and kept in the cache's ``yaml/`` (the build then reads it from there),
    not parsed twice (about a minute for 15 MB)."""
    entries = {f"w{i}": {"description": "x" * 60, "build-tags": ["custom"]} for i in range(10000)}
    path = write_dists(tmp_path / "big.yaml", entries)
    assert path.stat().st_size > yamlio.MEMO_MIN_BYTES
    request, _ = cli.parse_request(["-d", "all", "-c", str(path), "--skip-publish"])
    assert request.distributions == ("all",)
    assert len(list((ocelot_cache / "yaml").glob("*.marshal"))) == 1


@pytest.mark.parametrize("text", ["0", "-3", "2.5", "1e3", "", "three", "²"])
def test_a_count_below_its_minimum_or_not_whole_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        count(1)(text)
    assert str(refused.value) == f"needs a whole number of at least 1, got {text!r}"


def test_a_count_is_read_as_a_whole_number():
    assert count(2)(" 9 ") == 9
    assert count(2)("2") == 2
    with pytest.raises(argparse.ArgumentTypeError):
        count(2)("1")


def test_a_path_that_is_not_a_file_says_which_way(tmp_path):
    (tmp_path / "f.yaml").write_text("x: 1\n")
    assert not_a_file(tmp_path / "f.yaml") is None
    assert not_a_file(tmp_path) == "is a directory, not a file"
    assert not_a_file(tmp_path / "missing.yaml") == "does not exist"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--stack", "prod"], "--stack: only publishing reads it"),
        (["--public", "--runtimes", "python3.12"], "--public, --runtimes: only publishing"),
    ],
)
def test_publishing_options_with_skip_publish_are_refused(
    extra, named, tmp_path, monkeypatch, capsys
):
    """Before, they were silently dropped: a --public the user meant vanished unsaid."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["-d", "minimal", "--skip-publish", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and named in err and "drop one or the other" in err
    assert list(tmp_path.iterdir()) == []


def test_runtimes_may_be_separated_by_commas_or_spaces():
    _, publishing = cli.parse_request(
        ["-d", "minimal", "--stack", "s", "--runtimes", "python3.12, nodejs22.x python3.12"]
    )
    assert publishing is not None
    assert publishing.runtimes == ("python3.12", "nodejs22.x")
