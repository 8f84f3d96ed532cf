"""Lambda runtime identifiers and layer-name rules, from botocore's Lambda service model.

Typing these lists by hand is how tools drift from AWS; botocore's model is what the AWS
API itself validates against. The model's JSON is read from botocore's data folder without
importing botocore: its loader pulls in urllib3 and most of botocore, a quarter of a
second of every build's start (the layer name is checked on every run).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from ocelot_build.core.errors import UsageError
from ocelot_build.core.yamlio import did_you_mean


def _botocore_data(*parts: str) -> Any:
    """One of botocore's bundled JSON files (``.json`` or ``.json.gz``, as its loader reads
    them); for a service, the newest API version's, as its loader picks it."""
    spec = importlib.util.find_spec("botocore")  # finds the package, does not run it
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("botocore is not installed: run uv sync")
    path = Path(next(iter(spec.submodule_search_locations)), "data", *parts[:-1])
    if len(parts) > 1:
        path = max(p for p in path.iterdir() if p.is_dir())
    plain, packed = path / f"{parts[-1]}.json", path / f"{parts[-1]}.json.gz"
    return json.loads(
        plain.read_bytes() if plain.is_file() else gzip.decompress(packed.read_bytes())
    )


@cache
def _shapes() -> dict[str, Any]:
    """The Lambda model's shapes."""
    return dict(_botocore_data("lambda", "service-2")["shapes"])


def allowed_runtimes() -> list[str]:
    return list(_shapes()["Runtime"]["enum"])


MAX_RUNTIMES = 15  # Lambda's CompatibleRuntimes limit


def runtime_problems(names: list[str]) -> list[str]:
    """The one rule for a layer's runtimes (CLI and stack config): each a name in Lambda's
    model, at most ``MAX_RUNTIMES`` of them."""
    allowed = allowed_runtimes()
    problems = [
        f"unknown runtime {n!r}{did_you_mean(n, allowed, n=1)}" for n in names if n not in allowed
    ]
    if len(names) > MAX_RUNTIMES:
        problems.append(f"lists {len(names)} runtimes; Lambda allows at most {MAX_RUNTIMES}")
    return problems


def check_runtimes(runtimes: list[str]) -> list[str]:
    problems = runtime_problems(runtimes)
    if problems:
        current = [r for r in allowed_runtimes() if not r.endswith(("-edge", "1.x"))]
        raise UsageError(f"{'; '.join(problems)}; allowed: {' '.join(sorted(current))}")
    return runtimes


@cache
def lambda_regions() -> tuple[str, ...]:
    """Every region where Lambda has an endpoint, from botocore's endpoint data (all
    partitions: aws, aws-cn, aws-us-gov, …), so a new region needs a botocore upgrade, not a
    code change."""
    found: set[str] = set()
    for partition in _botocore_data("endpoints")["partitions"]:
        endpoints = partition.get("services", {}).get("lambda", {}).get("endpoints", {})
        found.update(r for r in partition.get("regions", {}) if r in endpoints)
    return tuple(sorted(found))


def region_problem(name: str) -> str | None:
    """None for a Lambda region, else what is wrong with ``name`` and the closest names."""
    if name in lambda_regions():
        return None
    return f"unknown AWS region {name!r}{did_you_mean(name, lambda_regions())}"


def layer_name_limit() -> int:
    """Lambda's longest ``LayerName`` (140), as botocore's model states it."""
    return int(_shapes()["LayerName"].get("max", 140))


def layer_name_problem(name: str, suffix: str = "") -> str | None:
    """The one layer-name rule, or None when ``name + suffix`` keeps it.

    The name AWS sees is the base name plus ocelot's suffix (``-<dist>-<arch>``, and in a
    stack ``-<collector version>``), so the pattern and the length are checked on both
    together: a base that fits alone can still make the published name too long.
    """
    full = name + suffix
    pattern = str(_shapes()["LayerName"]["pattern"])
    bad = next(
        (n for n in (name, full) if n.startswith("arn:") or not re.fullmatch(pattern, n)), None
    )
    if bad is not None:
        return (
            f"layer name {bad!r} may only contain letters, digits, '-' and '_' "
            "(nothing outside [A-Za-z0-9_-])"
        )
    if len(full) > layer_name_limit():
        return (
            f"layer name {name!r} is too long: with the suffix {suffix!r} it is {len(full)} "
            f"characters; AWS allows at most {layer_name_limit()}"
        )
    return None


def longest_suffix(distributions: Iterable[str], architectures: Iterable[str]) -> str:
    """The longest ``-<dist>-<arch>`` ocelot appends to a base layer name."""
    return max((f"-{d}-{a}" for d in distributions for a in architectures), key=len, default="")


def check_layer_name(name: str, longest_suffix: str = "") -> str:
    """The base layer name, or UsageError (exit 2) naming what breaks the rule."""
    problem = layer_name_problem(name, longest_suffix)
    if problem:
        raise UsageError(problem)
    return name
