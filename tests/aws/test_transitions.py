"""The sharing transitions table in docs/publishing.md is what moto measures, row for row."""

from __future__ import annotations

from ocelot_build.core.files import PROJECT_ROOT
from tests.aws.transitions import render, table


def test_docs_table_is_the_measured_table(moto):
    measured = render(table())
    docs = (PROJECT_ROOT / "docs" / "publishing.md").read_text()
    assert measured in docs, "re-measure: uv run python -m tests.aws.transitions\n" + measured
