"""How the costs tool boots a component beside minimal: in rounds, the order reversed every
other round, a layer stopping at its first failure, and every figure kept in its round."""

from __future__ import annotations

from typing import Any

from ocelot_build.audit.costs_measure import Boot, _boot_rounds


def _booter(figures: dict[str, list[Boot]]) -> tuple[list[str], Any]:
    calls: list[str] = []

    def boot(layer: Any, memory_mb: int) -> Boot:
        calls.append(layer)
        return figures[layer].pop(0)

    return calls, boot


def test_neither_layer_always_boots_first():
    ok = [Boot(100.0, 10.0), Boot(101.0, 11.0), Boot(102.0, 12.0), Boot(103.0, 13.0)]
    calls, boot = _booter({"x": list(ok), "base": list(ok)})
    x, base = _boot_rounds(["x", "base"], 4, boot, 128)
    assert calls == ["x", "base", "base", "x", "x", "base", "base", "x"]
    assert x.init_ms == base.init_ms == (100.0, 101.0, 102.0, 103.0)  # in round order
    assert x.cpu_ms == (10.0, 11.0, 12.0, 13.0)


def test_a_failure_stops_that_layer_only():
    calls, boot = _booter(
        {
            "x": [Boot(100.0, 10.0), Boot(failure="boot check failed: no")],
            "base": [Boot(90.0, 9.0)] * 3,
        }
    )
    x, base = _boot_rounds(["x", "base"], 3, boot, 128)
    assert calls == ["x", "base", "base", "x", "base"]
    assert x.failed == "boot check failed: no" and x.init_ms == (100.0,)
    assert base.init_ms == (90.0,) * 3 and not base.failed


def test_cpu_figures_are_kept_only_when_every_boot_has_one():
    _, boot = _booter({"x": [Boot(100.0, 10.0), Boot(101.0, None)]})
    [x] = _boot_rounds(["x"], 2, boot, 128)
    assert x.init_ms == (100.0, 101.0) and x.cpu_ms == ()  # never a round out of place
