"""Budgets: YAML validation, base inheritance, and violations with figures."""

from __future__ import annotations

import pytest

from ocelot_build.core.budgets import MIB, Budgets, budget_errors, check_budgets
from ocelot_build.core.errors import ConfigError


def test_from_mapping_reads_the_three_keys_and_ignores_others() -> None:
    b = Budgets.from_mapping(
        {"max-zip-mb": 20, "max-init-ms": 150.5, "base": "default"}, "distributions.yaml: minimal"
    )
    assert b == Budgets(max_zip_mb=20.0, max_unzipped_mb=None, max_init_ms=150.5)
    assert Budgets.from_mapping({}, "x").is_empty()


@pytest.mark.parametrize("value", [0, -1, "10", True, None, float("nan"), float("inf"), [5]])
def test_from_mapping_rejects_non_positive_or_non_numbers(value: object) -> None:
    with pytest.raises(ConfigError) as err:
        Budgets.from_mapping({"max-unzipped-mb": value}, "distributions.yaml: minimal")
    msg = str(err.value)
    assert msg.startswith("distributions.yaml: minimal: max-unzipped-mb must be a positive")
    assert repr(value) in msg
    assert err.value.exit_code == 2


def test_every_bad_key_is_reported_at_once() -> None:
    errors = budget_errors({"max-zip-mb": 0, "max-init-ms": "fast"}, "d: x")
    assert errors == [
        "d: x: max-zip-mb must be a positive number, got 0",
        "d: x: max-init-ms must be a positive number, got 'fast'",
    ]


def test_merged_over_takes_own_limits_and_inherits_the_rest() -> None:
    base = Budgets(max_zip_mb=50, max_unzipped_mb=250, max_init_ms=None)
    child = Budgets(max_zip_mb=20, max_init_ms=100)
    assert child.merged_over(base) == Budgets(max_zip_mb=20, max_unzipped_mb=250, max_init_ms=100)
    assert Budgets().merged_over(base) == base


def test_check_budgets_reports_each_violation_with_figures() -> None:
    b = Budgets(max_zip_mb=10, max_unzipped_mb=250, max_init_ms=100)
    violations = check_budgets(b, zip_size=12 * MIB + 1, unzipped_size=250 * MIB, init_ms=180.25)
    assert violations == [
        f"zip is 12.00 MiB ({12 * MIB + 1:,} B), over max-zip-mb 10",
        "init took 180.2 ms, over max-init-ms 100",
    ]


def test_limits_are_mib_so_lambdas_250_mb_is_exact() -> None:
    b = Budgets(max_unzipped_mb=250)
    assert check_budgets(b, zip_size=0, unzipped_size=262_144_000, init_ms=None) == []
    assert check_budgets(b, zip_size=0, unzipped_size=262_144_001, init_ms=None) != []


def test_unmeasured_init_is_not_checked() -> None:
    assert check_budgets(Budgets(max_init_ms=1), zip_size=1, unzipped_size=1, init_ms=None) == []
