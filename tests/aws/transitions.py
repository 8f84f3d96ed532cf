"""The sharing transitions table of docs/publishing.md, measured on a real moto server.

For every (from, to) pair of modes, and destroy: a layer with two versions (1, which the
stack no longer declares, and 2, the current one) is reconciled to *from*, then to *to*
(or revoked), exactly as the sharing step's create/update/delete runs it. The row records
what the reconciler printed for the second run and the statement ids each version keeps.
The preview column is what the program declares (checked under Pulumi's mocks in
tests/infra/test_sharing_preview.py): a mode change is an update of the sharing step only.

    uv run python -m tests.aws.transitions      # starts its own moto server, prints the table
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ocelot_build.publish.reconcile import reconcile_layer
from ocelot_build.publish.sharing import Sharing
from tests.aws.layers import lambda_client, publish, sids

ORG, ORG_B = "o-abcdef1234", "o-zyxwvu9876"
A, B, C = "111122223333", "444455556666", "777788889999"
MODES: dict[str, Sharing] = {
    "private": Sharing(),
    "accounts A, B": Sharing.with_accounts((A, B)),
    "org": Sharing.organization(ORG),
    "public": Sharing.public(),
}
EXTRA = {"accounts A, C": Sharing.with_accounts((A, C)), "org B": Sharing.organization(ORG_B)}
PAIRS = [(s, t) for s in MODES for t in [*MODES, "destroy"]] + [
    ("accounts A, B", "accounts A, C"),
    ("org", "org B"),
]
PREVIEW = {
    "same": "nothing",
    "update": "`~ <slot>-sharing update`",
    "destroy": "`- <slot>-sharing delete`",
}
SHORT = {ORG: "<org>", ORG_B: "<org B>", A: "A", B: "B", C: "C"}
Row = tuple[str, str, str, str, str]  # from, to, preview, up prints, kept on 1 and 2


def _short(sid: str) -> str:
    for long, short in SHORT.items():
        sid = sid.replace(long, short)
    return f"`{sid}`"


def measure(index: int, source: str, target: str) -> Row:
    """One transition on a layer of its own name."""
    client: Any = lambda_client()
    name = f"ocel-t{index}-arm64-0_158_0"
    publish(client, name, 2)
    reconcile_layer(client, name, {**MODES, **EXTRA}[source])
    sharing = Sharing() if target == "destroy" else {**MODES, **EXTRA}[target]
    changes = reconcile_layer(client, name, sharing)
    printed = {
        " ".join([f"+{_short(s)}" for s in c.added] + [f"-{_short(s)}" for s in c.removed])
        or "unchanged"
        for c in changes
    }
    kept = {", ".join(_short(s) for s in sids(client, name, v)) or "none" for v in (1, 2)}
    assert len(printed) == len(kept) == 1, f"versions differ after {source} → {target}"
    kind = "destroy" if target == "destroy" else "same" if source == target else "update"
    return (source, target, PREVIEW[kind], printed.pop(), kept.pop())


def table() -> list[Row]:
    return [measure(i, s, t) for i, (s, t) in enumerate(PAIRS)]


def render(rows: list[Row]) -> str:
    lines = [
        "| From | To | `pulumi preview` | `up` prints for each version | Each version keeps |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from motoserver import start

    with tempfile.TemporaryDirectory() as tmp:
        server = start(Path(tmp) / "moto.log")
        try:
            os.environ.update(
                AWS_ENDPOINT_URL=server.url,
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
                AWS_DEFAULT_REGION="eu-west-1",
            )
            sys.stdout.write(render(table()))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
