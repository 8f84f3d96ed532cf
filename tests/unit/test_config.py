"""Distributions files: validation names the field, inheritance resolves, errors at once."""

from __future__ import annotations

import pytest
from standin.fixtures import write_dists

from ocelot_build.core import gobuildexpr
from ocelot_build.core.errors import ConfigError, UsageError
from ocelot_build.stages.config import DEFAULT_CONFIG, load_distributions


def test_project_distributions_resolve_as_the_issue_lists_them():
    dists = load_distributions(DEFAULT_CONFIG).distributions
    short = {n: [t.removeprefix("lambdacomponents.") for t in d.tags] for n, d in dists.items()}
    minimal = [
        "custom",
        "exporter.otlphttp",
        "processor.batch",
        "processor.decouple",
        "receiver.otlp",
    ]
    assert short["default"] == []
    assert short["full"] == ["all", "custom"]
    assert short["minimal"] == minimal
    assert short["minimal-clickhouse"] == sorted([*minimal, "exporter.clickhouse"])
    assert short["minimal-forwarder"] == sorted(
        [
            *minimal,
            "connector.signaltometrics",
            "connector.spaneventtolog",
            "extension.asmauthextension",
        ]
    )
    assert len(dists) == 9
    assert dists["minimal-s3export"].config_file == dists["minimal"].config_file
    assert dists["minimal-forwarder"].config_file.name == "forwarder.yaml"


def test_user_distribution_needs_no_code(tmp_path):
    path = write_dists(
        tmp_path / "d.yaml",
        {
            "minimal": {"description": "m", "build-tags": ["custom", "receiver.otlp"]},
            "minimal-prometheus": {
                "description": "p",
                "base": "minimal",
                "build-tags": ["lambdacomponents.exporter.prometheusremotewrite"],
            },
        },
    )
    dist = load_distributions(path).distributions["minimal-prometheus"]
    assert dist.tags == (
        "lambdacomponents.custom",
        "lambdacomponents.exporter.prometheusremotewrite",
        "lambdacomponents.receiver.otlp",
    )
    assert dist.lineage == ("minimal-prometheus", "minimal")


def test_every_problem_is_reported_with_its_field(tmp_path):
    path = write_dists(
        tmp_path / "d.yaml",
        {
            "a": {"description": "a", "buildtags": ["custom"]},
            "b": {"base": "minimall", "build-tags": "custom"},
            "c": {"description": "c", "max-zip-mb": -1},
        },
    )
    with pytest.raises(ConfigError) as err:
        load_distributions(path)
    text = str(err.value)
    assert "distributions.a: unknown key 'buildtags' (did you mean: build-tags)" in text
    assert "distributions.b.description is required" in text
    assert "distributions.b.build-tags must be a list" in text
    assert "distributions.b.base: unknown distribution 'minimall'" in text
    assert "max-zip-mb" in text
    assert "\n" not in text


def test_inheritance_cycles_are_named(tmp_path):
    path = write_dists(
        tmp_path / "d.yaml",
        {"x": {"description": "x", "base": "y"}, "y": {"description": "y", "base": "x"}},
    )
    with pytest.raises(ConfigError, match="inheritance cycle x → y → x"):
        load_distributions(path)


def test_budgets_are_inherited_and_overridden(tmp_path):
    path = write_dists(
        tmp_path / "d.yaml",
        {
            "base": {"description": "b", "max-zip-mb": 20, "max-init-ms": 300},
            "child": {"description": "c", "base": "base", "max-zip-mb": 25},
        },
    )
    budgets = load_distributions(path).distributions["child"].budgets
    assert (budgets.max_zip_mb, budgets.max_init_ms) == (25, 300)


def test_memory_size_defaults_to_lambdas_and_is_inherited(tmp_path):
    path = write_dists(
        tmp_path / "d.yaml",
        {
            "base": {"description": "b", "memory-mb": 512},
            "child": {"description": "c", "base": "base"},
            "own": {"description": "o", "base": "base", "memory-mb": 1769},
            "plain": {"description": "p"},
        },
    )
    dists = load_distributions(path).distributions
    assert {n: d.memory_mb for n, d in dists.items()} == {
        "base": 512,
        "child": 512,
        "own": 1769,
        "plain": 128,
    }


@pytest.mark.parametrize("value", [64, 10241, 512.5, "512", True])
def test_memory_size_outside_lambdas_range_is_one_line(tmp_path, value):
    path = write_dists(tmp_path / "d.yaml", {"x": {"description": "x", "memory-mb": value}})
    with pytest.raises(ConfigError) as caught:
        load_distributions(path)
    assert str(caught.value).endswith(
        f"distributions.x.memory-mb must be a whole number of MB from 128 to 10240 "
        f"(Lambda's range), got {value!r}"
    )
    assert "\n" not in str(caught.value)


def test_unknown_distribution_lists_the_valid_ones():
    with pytest.raises(UsageError, match="allowed: default, full, minimal"):
        load_distributions(DEFAULT_CONFIG).select(["nope"])


@pytest.mark.parametrize(
    ("expr", "tags", "expected"),
    [
        ("a && (b || c)", {"a", "c"}, True),
        ("a && (b || c)", {"b", "c"}, False),
        ("!lambdacomponents.custom", set(), True),
        ("!lambdacomponents.custom", {"lambdacomponents.custom"}, False),
        ("a || b && c", {"a"}, True),
        ("!(a || b)", {"b"}, False),
    ],
)
def test_go_build_expressions_evaluate_like_go(expr, tags, expected):
    assert gobuildexpr.satisfied(expr, frozenset(tags)) is expected


def test_malformed_go_build_expressions_raise():
    for bad in ("a &&", "(a", "a b", "&& a"):
        with pytest.raises(ValueError):
            gobuildexpr.parse(bad)


def test_a_users_file_builds_on_a_shipped_distribution(tmp_path):
    """``base: minimal`` in a file of one's own: no copy of the shipped file or its examples;
    the shipped entry's config-file stays resolved in the shipped tree."""
    path = write_dists(
        tmp_path / "mine.yaml",
        {"mine": {"description": "m", "base": "minimal", "build-tags": ["exporter.awss3"]}},
    )
    shipped = load_distributions(DEFAULT_CONFIG).distributions["minimal"]
    mine = load_distributions(path).distributions["mine"]
    assert (
        mine.config_file == shipped.config_file == DEFAULT_CONFIG.parent / "examples/minimal.yaml"
    )
    assert set(mine.tags) == {*shipped.tags, "lambdacomponents.exporter.awss3"}
    assert mine.lineage == ("mine", "minimal")
    assert list(load_distributions(path).distributions) == ["mine"]  # -d all: the user's only


def test_an_unknown_base_suggests_shipped_distributions_too(tmp_path):
    path = write_dists(tmp_path / "mine.yaml", {"mine": {"description": "m", "base": "minmal"}})
    with pytest.raises(ConfigError, match=r"unknown distribution 'minmal' \(did you mean: minimal"):
        load_distributions(path)
