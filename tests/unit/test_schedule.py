"""The build order as pure decisions: leads, shared work trees and -j, without Go."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from standin.fixtures import MINIMAL_TAGS, write_dists
from test_plan import context

from ocelot_build.core.errors import UsageError
from ocelot_build.stages.config import load_distributions
from ocelot_build.stages.plan import LayerPlan, plan_layers
from ocelot_build.stages.schedule import choose_jobs, parse_jobs, schedule, width
from ocelot_build.stages.taskgraph import Task, run_tasks

GIB = 1 << 30


def matrix(tmp_path, **dists) -> list[LayerPlan]:
    """Every distribution given (name → build tags) for amd64 and arm64, in that order."""
    ctx = context(tmp_path)
    path = write_dists(
        tmp_path / "m.yaml",
        {n: {"description": n, "build-tags": list(tags)} for n, tags in dists.items()},
    )
    ctx = dataclasses.replace(ctx, dists=load_distributions(path))
    return plan_layers(ctx, list(ctx.dists.distributions.values()))


def labels(plans) -> list[str]:
    return [p.label for p in plans]


def test_the_widest_layer_of_each_architecture_goes_first_and_the_rest_wait(tmp_path):
    plans = matrix(
        tmp_path,
        minimal=MINIMAL_TAGS,
        wide=[*MINIMAL_TAGS, "processor.memorylimiter"],
        other=MINIMAL_TAGS,
    )
    chosen = schedule(plans, jobs=2)
    assert labels(chosen.leads) == ["wide/amd64", "wide/arm64"]
    assert labels(chosen.layers) == [
        "wide/amd64",
        "wide/arm64",
        "minimal/amd64",
        "minimal/arm64",
        "other/amd64",
        "other/arm64",
    ]
    waits = {p.label: (chosen.waits_for(p) or p).label for p in plans}
    assert waits["minimal/arm64"] == "wide/arm64" and waits["other/amd64"] == "wide/amd64"
    assert waits["wide/amd64"] == "wide/amd64"  # a lead waits for nobody


def test_leads_side_by_side_share_the_cores_and_nothing_else_is_limited(tmp_path):
    plans = matrix(tmp_path, minimal=MINIMAL_TAGS, wide=[*MINIMAL_TAGS, "exporter.debug"])
    procs = {j: {p.label: schedule(plans, j).go_procs(p) for p in plans} for j in (1, 2, 4)}
    assert procs[2] == {
        "wide/amd64": 1,
        "wide/arm64": 1,
        "minimal/amd64": None,
        "minimal/arm64": None,
    }
    assert procs[4]["wide/amd64"] == procs[4]["wide/arm64"] == 2
    assert set(procs[1].values()) == {None}  # one at a time: a lead has every core
    amd64 = [p for p in plans if p.architecture.value == "amd64"]
    assert {schedule(amd64, 2).go_procs(p) for p in amd64} == {None}  # a lone lead too


def test_equal_widths_keep_request_order_and_a_lone_layer_has_no_lead(tmp_path):
    plans = matrix(tmp_path, first=MINIMAL_TAGS, second=MINIMAL_TAGS)
    assert width(plans[0]) == width(plans[2])
    assert labels(schedule(plans, 1).leads) == ["first/amd64", "first/arm64"]
    one_per_arch = [p for p in plans if p.distribution.name == "second"]
    alone = schedule(one_per_arch, 2)
    assert alone.leads == () and all(alone.waits_for(p) is None for p in one_per_arch)


def test_layers_with_the_same_overlay_share_one_work_tree(tmp_path):
    plans = matrix(tmp_path, minimal=MINIMAL_TAGS, default=[], third=MINIMAL_TAGS)
    other = dataclasses.replace(plans[4].overlay, go_replaces=(("example.com/m", "../m"),))
    plans[4:] = [dataclasses.replace(p, overlay=other) for p in plans[4:]]
    trees = schedule(plans, 2).trees
    assert [t.name for t in trees] == ["default,minimal", "third"]  # default is the lead
    assert [len(t.plans) for t in trees] == [4, 2]  # one go mod tidy for four layers


@pytest.mark.parametrize(
    ("requested", "layers", "cpus", "memory", "jobs"),
    [
        (None, 18, 2, 24 * GIB, 2),  # auto: one per core
        (None, 1, 8, 24 * GIB, 1),  # never more than there are layers
        (None, 18, 16, 8 * GIB, 4),  # nor than memory holds
        (None, 18, 4, None, 4),  # memory unknown: cores decide
        (None, 18, 1, 1 * GIB, 1),  # always at least one
        (3, 18, 2, 24 * GIB, 3),  # -j N is obeyed
        (5, 2, 2, 24 * GIB, 2),
    ],
)
def test_jobs(requested, layers, cpus, memory, jobs):
    assert choose_jobs(requested, layers, cpus, memory) == jobs


@pytest.mark.parametrize("text", ["0", "-1", "two", "", "1.5"])
def test_a_bad_jobs_value_is_one_line(text):
    with pytest.raises(UsageError, match=r"--jobs must be auto or a whole number of at least 1"):
        parse_jobs(text)


def test_jobs_values():
    assert parse_jobs("auto") is None and parse_jobs("3") == 3


def test_tasks_start_only_after_what_they_need_and_run_side_by_side():
    events: list[str] = []
    both = threading.Barrier(2, timeout=10)  # only passes if a and b run at the same time

    def step(name: str, meet: bool = False):
        def action() -> None:
            events.append(f"start {name}")
            if meet:
                both.wait()
            time.sleep(0.01)
            events.append(f"end {name}")

        return action

    run_tasks(
        [
            Task("a", (), step("a", meet=True)),
            Task("b", (), step("b", meet=True)),
            Task("c", ("a", "b"), step("c")),
        ],
        jobs=2,
    )
    assert events.index("start c") > max(events.index("end a"), events.index("end b"))


def test_the_first_failure_starts_nothing_more():
    started: list[str] = []

    def fail() -> None:
        started.append("bad")
        raise UsageError("broken")

    tasks = [
        Task("bad", (), fail),
        Task("after", ("bad",), lambda: started.append("after")),
        Task("later", ("bad",), lambda: started.append("later")),
    ]
    for jobs in (1, 2):
        started.clear()
        with pytest.raises(UsageError, match="broken"):
            run_tasks(tasks, jobs)
        assert started == ["bad"]
