"""Size and cold-start budgets per distribution (`max-zip-mb`, `max-unzipped-mb`, `max-init-ms`).

A right-sized layer only stays right-sized if growing past a limit fails the build, so each
distribution may declare budgets in ``distributions.yaml`` (inherited through ``base``), and
a layer over any of them fails its check with the figures.

**MB means MiB (2^20 bytes).** AWS writes its Lambda limits as "250 MB" unzipped and "50 MB"
zipped but enforces 262,144,000 and 52,428,800 bytes, i.e. MiB; using the same unit lets
``max-unzipped-mb: 250`` mean exactly Lambda's limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ocelot_build.core.errors import ConfigError

MIB = 1024 * 1024

# YAML key -> dataclass field.
_KEYS = {
    "max-zip-mb": "max_zip_mb",
    "max-unzipped-mb": "max_unzipped_mb",
    "max-init-ms": "max_init_ms",
}
BUDGET_KEYS = tuple(_KEYS)  # in a distribution's entry


@dataclass(frozen=True)
class Budgets:
    """Optional upper limits for one distribution; ``None`` means no limit."""

    max_zip_mb: float | None = None
    max_unzipped_mb: float | None = None
    max_init_ms: float | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], where: str) -> Budgets:
        """Read the budget keys of a distribution's mapping; other keys are left alone.

        The config loader owns unknown-key checks; this only validates the three budget
        keys, reporting every bad one at once, each named with ``where``.
        """
        problems = budget_errors(mapping, where)
        if problems:
            raise ConfigError("; ".join(problems))
        values = {field: float(mapping[key]) for key, field in _KEYS.items() if key in mapping}
        return cls(**values)

    def merged_over(self, base: Budgets) -> Budgets:
        """``base`` inheritance: a limit set here wins, an unset one comes from ``base``."""
        own = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(base, **{k: v for k, v in own.items() if v is not None})

    def is_empty(self) -> bool:
        """True when no limit is set (nothing to check)."""
        return all(getattr(self, f.name) is None for f in fields(self))


def budget_errors(mapping: Mapping[str, Any], where: str) -> list[str]:
    """Every problem with the budget keys in ``mapping``, for loaders that collect errors."""
    problems = []
    for key in _KEYS:
        if key not in mapping:
            continue
        value = mapping[key]
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value > 0
        )
        if not ok:
            problems.append(f"{where}: {key} must be a positive number, got {value!r}")
    return problems


def check_budgets(
    budgets: Budgets, *, zip_size: int, unzipped_size: int, init_ms: float | None
) -> list[str]:
    """Human-readable violations, each with the measured figure and the limit.

    ``init_ms`` may be ``None`` (not measured, e.g. a skipped or emulated boot); the init
    budget is then not checked.
    """
    violations = []
    if budgets.max_zip_mb is not None and zip_size > budgets.max_zip_mb * MIB:
        violations.append(
            f"zip is {_mib(zip_size)} ({zip_size:,} B), over max-zip-mb {budgets.max_zip_mb:g}"
        )
    if budgets.max_unzipped_mb is not None and unzipped_size > budgets.max_unzipped_mb * MIB:
        violations.append(
            f"unzipped layer is {_mib(unzipped_size)} ({unzipped_size:,} B), "
            f"over max-unzipped-mb {budgets.max_unzipped_mb:g}"
        )
    if budgets.max_init_ms is not None and init_ms is not None and init_ms > budgets.max_init_ms:
        violations.append(f"init took {init_ms:.1f} ms, over max-init-ms {budgets.max_init_ms:g}")
    return violations


def _mib(size: int) -> str:
    return f"{size / MIB:.2f} MiB"
