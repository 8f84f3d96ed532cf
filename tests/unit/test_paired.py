"""The costs tool's one rule: the median of per-round differences is a cost only when its
distribution-free 95% interval excludes 0. Hand-made figures where the old rule (added
median larger than the larger max - min of the two layers) and the new one disagree."""

from __future__ import annotations

import random
import statistics

import pytest

from ocelot_build.audit.paired import MIN_ROUNDS, Paired, interval


def _old_rule(base: list[float], layer: list[float]) -> bool:
    """The rule this replaces, kept here only to show where the two disagree."""
    added = statistics.median(layer) - statistics.median(base)
    spread = max(max(base) - min(base), max(layer) - min(layer))
    return abs(added) > spread


@pytest.mark.parametrize(
    ("n", "low_index"),
    [(6, 0), (8, 0), (9, 1), (12, 2), (15, 3), (20, 5)],  # from Binomial(n, 1/2) tables
)
def test_the_interval_drops_the_sign_tests_order_statistics(n, low_index):
    diffs = [float(i) for i in range(n)]
    assert interval(diffs) == (low_index, n - 1 - low_index)


def test_fewer_than_six_rounds_have_no_interval_and_no_cost():
    assert MIN_ROUNDS == 6
    assert interval([1.0, 2.0, 3.0, 4.0, 5.0]) is None
    five = Paired((1.0,) * 5, (100.0,) * 5)
    assert five.added == 99.0 and five.bounds is None and not five.measurable


def test_a_steady_cost_under_a_drifting_load_is_measurable():
    """The machine's load moves both layers by up to 300 ms between rounds; the component
    is always 4-6 ms slower than minimal in its own round."""
    base = [600.0, 700, 800, 650, 900, 620, 750, 680, 820]
    layer = [b + extra for b, extra in zip(base, [5, 4, 6, 5, 5, 4, 6, 5, 4], strict=True)]
    assert not _old_rule(base, layer)  # +5 against a spread of 300: "noise"
    cost = Paired(tuple(base), tuple(layer))
    assert cost.added == 5 and cost.bounds == (4, 6) and cost.measurable


def test_a_steady_saving_is_measurable_too():
    cost = Paired((50.0,) * 7, (45.0, 44, 46, 45, 45, 44, 47))
    assert cost.bounds is not None and cost.bounds[1] < 0 and cost.measurable


def test_pure_noise_that_the_old_rule_called_a_cost_is_not_one():
    """Three rounds where the component happened to be slower each time: apart by more
    than either layer's spread, so the old rule saw a cost; three rounds cannot show one."""
    base, layer = [10.0, 11.0, 10.5], [12.0, 12.5, 13.0]
    assert _old_rule(base, layer)
    assert not Paired(tuple(base), tuple(layer)).measurable


def test_pure_noise_with_one_wild_round_is_not_a_cost():
    diffs = [3.0, -2.0, 4.0, -1.0, 1.0, -3.0, 2.0, -4.0, 250.0]  # a load spike in one round
    cost = Paired((100.0,) * 9, tuple(100 + d for d in diffs))
    assert cost.added == 1.0 and not cost.measurable


def _share_called_a_cost(trials: int, rounds: int, shift: float) -> float:
    """How often the rule calls a cost when the component's boots are the base's
    (mean 50, sd 5) moved by ``shift``; seeded, so the share is the same every run."""
    rng = random.Random(19)
    found = sum(
        Paired(
            tuple(rng.gauss(50, 5) for _ in range(rounds)),
            tuple(rng.gauss(50 + shift, 5) for _ in range(rounds)),
        ).measurable
        for _ in range(trials)
    )
    return found / trials


def test_on_pure_noise_it_is_wrong_at_most_one_time_in_twenty():
    assert _share_called_a_cost(trials=2000, rounds=9, shift=0) <= 0.05


def test_a_cost_of_one_noise_width_shows_within_fifteen_rounds():
    # differences: mean 7, sd 7.1
    assert _share_called_a_cost(trials=500, rounds=15, shift=7) >= 0.5


def test_figures_that_are_not_paired_are_refused():
    assert Paired.of([1.0, 2.0], [1.0]) is None
    assert Paired.of([], []) is None
    with pytest.raises(ValueError, match="not paired"):
        Paired((1.0, 2.0), (1.0,))
