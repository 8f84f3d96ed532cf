"""The one rule for calling a component's added init a cost: paired differences.

``minimal + X`` is booted in rounds with ``minimal`` (X, minimal, X, minimal, ...), so each
round gives one difference ``X - minimal`` in which the machine's load of that moment
largely cancels. The added cost is the median of those differences, and it is called
measurable when the distribution-free 95% confidence interval of that median excludes 0.
That interval runs between two order statistics of the differences chosen from the
binomial distribution with p = 1/2 (the sign test's; Conover, *Practical Nonparametric
Statistics*, 3rd ed., section 3.2), so "measurable" means exactly that the two-sided sign
test rejects "X costs what minimal costs" at the 5% level. It narrows as rounds are added
(max - min, the rule it replaces, only ever widened), assumes nothing about the shape of
the noise, and one round hit by a load spike moves one difference, not the median. With
fewer than 6 rounds no such interval exists, and nothing is called measurable.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

LEVEL = 0.95  # the interval's confidence
MIN_ROUNDS = 6  # the fewest rounds with a 95% interval: 2 * 0.5**6 = 0.031 <= 0.05


def interval(diffs: Sequence[float], level: float = LEVEL) -> tuple[float, float] | None:
    """The median's distribution-free confidence interval, ``(low, high)``: the k-th
    smallest and k-th largest difference for the largest k whose two tails, P(B < k) each
    for B ~ Binomial(n, 1/2), add up to at most ``1 - level``; None when even k = 1 does
    not reach ``level`` (too few rounds)."""
    n = len(diffs)
    tail, below, k = (1 - level) / 2, 0.0, 0
    while k < n and below + math.comb(n, k) / 2**n <= tail:
        below += math.comb(n, k) / 2**n
        k += 1  # P(B <= k - 1) = below <= tail: the interval may drop k values per side
    if k == 0:
        return None
    ordered = sorted(diffs)
    return ordered[k - 1], ordered[n - k]


@dataclass(frozen=True)
class Paired:
    """One figure (init wall or CPU ms) of ``minimal`` and of ``minimal + X``, round by
    round: ``base[i]`` and ``layer[i]`` were booted one after the other."""

    base: tuple[float, ...]
    layer: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.base) != len(self.layer):
            raise ValueError(f"{len(self.base)} base boots against {len(self.layer)}: not paired")

    @property
    def diffs(self) -> tuple[float, ...]:
        return tuple(x - b for b, x in zip(self.base, self.layer, strict=True))

    @property
    def added(self) -> float | None:
        """The median of the per-round differences: what X adds."""
        return statistics.median(self.diffs) if self.diffs else None

    @property
    def bounds(self) -> tuple[float, float] | None:
        return interval(self.diffs)

    @property
    def measurable(self) -> bool:
        """The interval excludes 0: X costs something (or saves something) for certain."""
        b = self.bounds
        return b is not None and (b[0] > 0 or b[1] < 0)

    @classmethod
    def of(cls, base: Sequence[float], layer: Sequence[float]) -> Paired | None:
        """Paired figures, or None when the two layers do not have a figure for every
        round alike (a failed boot, a figure the machine could not read)."""
        if not base or len(base) != len(layer):
            return None
        return cls(tuple(base), tuple(layer))
