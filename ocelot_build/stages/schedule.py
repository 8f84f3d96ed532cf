"""The order a matrix is built in, decided before any go command runs (pure: no I/O).

A cold matrix is bound by compiling. Go's build cache shares compiled packages between
builds, but only once a build has written them: two builds that need the same package at
the same time both compile it (measured: ``-j2`` in request order cost 49% more CPU). So:

- **Leads.** Per architecture, the widest layer (the most components; the first one on a
  tie) is built first and the other layers of that architecture wait for it. Its compile
  fills Go's build cache with nearly everything the others need, so they mostly link.
  Architectures share no compiled packages, so the two leads run side by side.
- **Shared work trees.** Layers whose overlay (components, pins and go replaces) and
  cold-start edits are the same share one work tree and one ``go mod tidy``: the tree and
  its module graph are the same.
- **Jobs.** After the leads, the builds are bound by single-threaded steps (link, zip),
  so one per core runs at a time; ``auto`` is that, within memory.

docs/benchmarks.md has the figures behind each rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocelot_build.core.errors import UsageError
from ocelot_build.stages.overlay import OverlayPlan
from ocelot_build.stages.plan import LayerPlan
from ocelot_build.stages.startup import StartOptions

JOB_MEMORY = 2 << 30  # bytes one build may need (a collector link peaks near 1.2 GiB)


@dataclass(frozen=True)
class Tree:
    """One work tree, prepared once (copy, cold-start edits, overlay, ``go mod tidy``) for
    its layers."""

    overlay: OverlayPlan
    start: StartOptions
    plans: tuple[LayerPlan, ...]

    @property
    def private(self) -> bool:
        """Whether the tree is a modified copy (else the shared clean tree)."""
        return self.overlay.needs_go_mod or not self.start.is_upstream

    @property
    def name(self) -> str:
        return ",".join(dict.fromkeys(p.distribution.name for p in self.plans))


@dataclass(frozen=True)
class Schedule:
    trees: tuple[Tree, ...]  # in the order they are first needed
    layers: tuple[LayerPlan, ...]  # in the order they start
    leads: tuple[LayerPlan, ...]  # one per architecture that has more than one layer
    jobs: int

    def tree_of(self, plan: LayerPlan) -> Tree:
        return next(t for t in self.trees if plan in t.plans)

    def go_procs(self, plan: LayerPlan) -> int | None:
        """GOMAXPROCS for this layer's ``go build``: a lead running beside other leads gets
        its share of the cores (``jobs`` / leads); everything else Go's default (None).

        Two leads at Go's default run four compilers on two cores. Measured, quiet, a cold
        ``minimal`` for amd64 and arm64 side by side: 635 s of CPU in 325 s with the
        default, 533 s in 273 s at GOMAXPROCS=1 each, with the same sha256."""
        side_by_side = min(self.jobs, len(self.leads))
        if plan not in self.leads or side_by_side < 2:
            return None
        return max(1, self.jobs // side_by_side)

    def waits_for(self, plan: LayerPlan) -> LayerPlan | None:
        """The lead of the plan's architecture, unless the plan is that lead (or has none)."""
        lead = next((p for p in self.leads if p.architecture == plan.architecture), None)
        return None if lead is None or lead == plan else lead


def width(plan: LayerPlan) -> int:
    """How much a layer compiles, as far as the plan knows: its components."""
    return sum(len(names) for names in plan.intended.values()) + len(plan.overlay.components)


def choose_leads(plans: list[LayerPlan]) -> tuple[LayerPlan, ...]:
    """Per architecture (in request order) with two or more layers, its widest layer."""
    leads = []
    for arch in dict.fromkeys(p.architecture for p in plans):
        mine = [p for p in plans if p.architecture == arch]
        if len(mine) > 1:
            leads.append(max(mine, key=width))  # max keeps the first of equals
    return tuple(leads)


def parse_jobs(text: str) -> int | None:
    """``-j``'s value: ``auto`` (None) or a whole number of at least 1."""
    if text.strip() == "auto":
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise UsageError(f"--jobs must be auto or a whole number of at least 1, got {text!r}")
    return int(text)


def choose_jobs(requested: int | None, layers: int, cpus: int, memory: int | None) -> int:
    """``-j N`` as asked; ``auto`` (None) one build per core, as many as memory holds."""
    if requested is not None:
        return max(1, min(requested, layers))
    fits = cpus if memory is None else min(cpus, memory // JOB_MEMORY)
    return max(1, min(fits, layers))


def schedule(plans: list[LayerPlan], jobs: int) -> Schedule:
    """Leads first, then the rest in request order; trees in the order they are needed."""
    leads = choose_leads(plans)
    layers = [*leads, *(p for p in plans if p not in leads)]
    groups: dict[tuple[OverlayPlan, StartOptions], list[LayerPlan]] = {}
    for plan in layers:
        groups.setdefault((plan.overlay, plan.distribution.start), []).append(plan)
    trees = tuple(Tree(o, start, tuple(members)) for (o, start), members in groups.items())
    return Schedule(trees, tuple(layers), leads, jobs)
