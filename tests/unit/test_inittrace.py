"""Go's inittrace lines: parsed strictly, attributed to modules."""

from __future__ import annotations

import pytest

from ocelot_build.audit import inittrace
from ocelot_build.audit.inittrace import PackageInit

LINES = [
    "init internal/bytealg @0.006 ms, 0 ms clock, 0 bytes, 0 allocs",
    "init github.com/prometheus/client_golang/prometheus @12 ms, 0.41 ms clock, 9112 bytes, "
    "120 allocs",
    "init github.com/prometheus/procfs @12.5 ms, 0.20 ms clock, 800 bytes, 9 allocs",
    "init example.com/lone/pkg @13 ms, 0.05 ms clock, 16 bytes, 1 allocs",
    '{"level":"info","msg":"init github.com/x @1 ms, 1 ms clock, 1 bytes, 1 allocs"}',
    "init evil @nan ms, 5 ms clock, 1 bytes, 1 allocs",
    "init evil2 @1 ms, -5 ms clock, 1 bytes, 1 allocs",
    "init evil3 @1 ms, 1e309 ms clock, 1 bytes, 1 allocs",
    "gc 1 @0.040s 20%: 0.11+37+0.033 ms clock",
]
MODULES = ["github.com/prometheus/client_golang", "github.com/prometheus/procfs"]


def test_only_well_formed_init_lines_count():
    inits = inittrace.parse(LINES)
    assert [i.package for i in inits] == [
        "internal/bytealg",
        "github.com/prometheus/client_golang/prometheus",
        "github.com/prometheus/procfs",
        "example.com/lone/pkg",
    ]
    assert inits[1] == PackageInit(
        "github.com/prometheus/client_golang/prometheus", 12.0, 0.41, 9112, 120
    )


@pytest.mark.parametrize(
    ("package", "module"),
    [
        ("github.com/prometheus/client_golang/prometheus", "github.com/prometheus/client_golang"),
        ("github.com/prometheus/procfs", "github.com/prometheus/procfs"),
        ("github.com/prometheus/procfsx", "github.com/prometheus"),  # procfs is no prefix at /
        ("net/netip", inittrace.STD),
        ("example.com/lone/pkg", "example.com/lone/pkg"),
    ],
)
def test_a_package_belongs_to_the_longest_module_prefix(package, module):
    assert inittrace.module_of(package, [*MODULES, "github.com/prometheus"]) == module


def test_init_time_is_summed_per_module_and_attributed_by_median():
    boots = [
        inittrace.by_module(inittrace.parse(LINES), MODULES),
        {"github.com/prometheus/client_golang": 3.0, inittrace.STD: 1.0},
        {"github.com/prometheus/procfs": 0.5},
    ]
    assert boots[0] == {
        inittrace.STD: 0.0,
        "github.com/prometheus/client_golang": 0.41,
        "github.com/prometheus/procfs": 0.20,
        "example.com/lone/pkg": 0.05,
    }
    # client_golang + procfs per boot: 0.61, 3.0, 0.5 -> median 0.61
    assert inittrace.attributed(boots, MODULES) == pytest.approx(0.61)
    assert inittrace.attributed([], MODULES) == 0.0
    assert inittrace.top(boots, 2)[0] == ("github.com/prometheus/client_golang", 0.41)
