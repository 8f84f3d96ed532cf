"""Lambda runtime identifiers and layer-name rules, from botocore's Lambda service model.

Typing these lists by hand is how tools drift from AWS; botocore's model is what the AWS
API itself validates against.
"""

from __future__ import annotations

import re
from functools import cache

from ocelot_build.errors import UsageError


@cache
def _shapes() -> dict[str, object]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return {name: model.shape_for(name) for name in ("Runtime", "LayerName")}


def allowed_runtimes() -> list[str]:
    return list(_shapes()["Runtime"].enum)  # type: ignore[attr-defined]


def check_runtimes(runtimes: list[str]) -> list[str]:
    allowed = allowed_runtimes()
    bad = [r for r in runtimes if r not in allowed]
    if bad:
        current = [r for r in allowed if not r.endswith(("-edge", "1.x"))]
        raise UsageError(f"unknown runtime {', '.join(map(repr, bad))}; "
                         f"allowed: {' '.join(sorted(current))}")
    if len(runtimes) > 15:
        raise UsageError(f"{len(runtimes)} runtimes given; a layer takes at most 15")
    return runtimes


def check_layer_name(name: str, longest_suffix: str = "") -> str:
    """The base layer name, checked against AWS's pattern with room for ocelot's suffix."""
    shape = _shapes()["LayerName"]
    limit = int(shape.metadata.get("max", 140))  # type: ignore[attr-defined]
    pattern = str(shape.metadata.get("pattern", "[a-zA-Z0-9-_]+"))  # type: ignore[attr-defined]
    if name.startswith("arn:") or not re.fullmatch(pattern, name):
        raise UsageError(f"layer name {name!r} may only contain letters, digits, '-' and '_'")
    if len(name + longest_suffix) > limit:
        raise UsageError(f"layer name {name!r} is too long: with the suffix "
                         f"{longest_suffix!r} it exceeds AWS's {limit} characters")
    return name
