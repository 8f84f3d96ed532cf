"""The sharing transitions table in docs/publishing.md is what moto measures, row for row."""

from __future__ import annotations

import pytest

from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.publish.sharing import Statement
from tests.aws.layers import lambda_client, publish
from tests.aws.transitions import Slot, render, table


def test_docs_table_is_the_measured_table(moto):
    measured = render(table())
    docs = (PROJECT_ROOT / "docs" / "publishing.md").read_text()
    assert measured in docs, "re-measure: uv run python -m tests.aws.transitions\n" + measured


def test_the_replay_refuses_what_lambda_would_and_what_fails_open(moto):
    """moto accepts a duplicate statement id where Lambda answers ResourceConflictException,
    so the replay checks every add itself; and it checks no version is ever shared wider
    than either mode asks. Both checks can fail."""
    client = lambda_client()
    publish(client, "ocel-x-arm64-1_0_0", 1)
    slot = Slot(client, "ocel-x-arm64-1_0_0", allowed={Statement("", "*")})
    slot.add(1, Statement("ocelot-current-public", "*"))
    with pytest.raises(AssertionError, match="ResourceConflictException"):
        slot.add(1, Statement("ocelot-current-public", "*"))
    slot.add(1, Statement("ocelot-account-111122223333", "111122223333"))
    with pytest.raises(AssertionError, match="fails open"):
        slot.check_closed()
