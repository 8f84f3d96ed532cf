"""The costs page is made to be published: a local mirror's path never reaches it unless
the user names the upstream that way; --upstream-name says what it shows."""

from __future__ import annotations

import pytest

from ocelot_build.audit import costs


def test_a_local_path_is_not_shown():
    label = costs.upstream_label("/work/.mirror/x/repo", "/work/.mirror/x/repo", None)
    assert label == "a local copy"


def test_a_url_or_owner_name_is_shown_as_given_without_credentials():
    url = "https://github.com/open-telemetry/opentelemetry-lambda.git"
    assert costs.upstream_label("open-telemetry/opentelemetry-lambda", url, None) == (
        "open-telemetry/opentelemetry-lambda"
    )
    secret = "https://user:hunter2@git.example.com/otel.git"
    assert "hunter2" not in costs.upstream_label(secret, secret, None)


def test_the_name_given_wins_even_for_a_local_path():
    name = costs.upstream_label("/srv/mirror", "/srv/mirror", " open-telemetry/x ")
    assert name == "open-telemetry/x"


@pytest.mark.parametrize("bad", ["", "  ", "two\nlines"])
def test_a_bad_name_is_one_line_exit_2_and_nothing_written(bad, tmp_path, capsys):
    out = tmp_path / "costs"
    assert costs.main(["--upstream-name", bad, "-o", str(out), "--no-chart"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--upstream-name" in err and "allowed:" in err
    assert not out.exists()
