"""The fast tier runs no go: tests/conftest.py marks tiers by directory and refuses go."""

from __future__ import annotations

import pytest

from ocelot_build.core.errors import OcelotError
from ocelot_build.core.toolchain import find_go


def test_a_fast_test_cannot_reach_go(request):
    assert request.node.get_closest_marker("slow") is None
    with pytest.raises(OcelotError, match="exit 97") as err:
        find_go()
    assert "go in the fast tier" in (err.value.detail or "")


def test_the_build_directories_are_the_slow_tier(request):
    engine = [i for i in request.session.items if i.path.parent.name == "engine"]
    assert all(i.get_closest_marker("slow") for i in engine)
