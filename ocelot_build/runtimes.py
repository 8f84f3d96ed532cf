"""Lambda runtime identifiers and layer-name rules, from botocore's Lambda service model.

Typing these lists by hand is how tools drift from AWS; botocore's model is what the AWS
API itself validates against.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ocelot_build.errors import UsageError


@cache
def _shapes() -> dict[str, Any]:
    """The Lambda model's shapes, read with botocore's loader (a full session costs ~1 s)."""
    from botocore.loaders import Loader

    return dict(Loader().load_service_model("lambda", "service-2")["shapes"])


def allowed_runtimes() -> list[str]:
    return list(_shapes()["Runtime"]["enum"])


def check_runtimes(runtimes: list[str]) -> list[str]:
    if not runtimes:
        return runtimes
    allowed = allowed_runtimes()
    bad = [r for r in runtimes if r not in allowed]
    if bad:
        current = [r for r in allowed if not r.endswith(("-edge", "1.x"))]
        raise UsageError(
            f"unknown runtime {', '.join(map(repr, bad))}; allowed: {' '.join(sorted(current))}"
        )
    if len(runtimes) > 15:
        raise UsageError(f"{len(runtimes)} runtimes given; a layer takes at most 15")
    return runtimes


def check_layer_name(name: str, longest_suffix: str = "") -> str:
    """The base layer name, checked against AWS's pattern with room for ocelot's suffix."""
    shape = _shapes()["LayerName"]
    limit = int(shape.get("max", 140))
    if name.startswith("arn:") or not re.fullmatch(str(shape["pattern"]), name):
        raise UsageError(f"layer name {name!r} may only contain letters, digits, '-' and '_'")
    if len(name + longest_suffix) > limit:
        raise UsageError(
            f"layer name {name!r} is too long: with the suffix "
            f"{longest_suffix!r} it exceeds AWS's {limit} characters"
        )
    return name
