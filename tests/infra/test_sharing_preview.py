"""What a preview shows for each sharing transition: the sharing step's update and the
current version's permission resources, exactly ``sharing.permissions`` (the rule the
transitions table in docs/publishing.md replays on moto), and no layer version."""

from __future__ import annotations

import itertools

from pulumi_harness import PERMISSION, FakeBuilder, run_program

from ocelot_build.publish.sharing import Sharing, permissions

MODES = {
    "private": ({}, Sharing()),
    "accounts": (
        {"ocelot:accounts": ["111122223333", "444455556666"]},
        Sharing.with_accounts(("111122223333", "444455556666")),
    ),
    "org": ({"ocelot:organizationId": "o-abcdef1234"}, Sharing.organization("o-abcdef1234")),
    "public": (
        {"ocelot:public": "true", "aws:allowedAccountIds": ["123456789012"]},
        Sharing.public(),
    ),
}
SLOT = "minimal-arm64-eu-west-1"


def test_every_mode_change_changes_the_sharing_step_and_the_permissions_only(tmp_path, base_config):
    one_slot = {
        **base_config,
        "ocelot:distributions": ["minimal"],
        "ocelot:architectures": ["arm64"],
    }
    runs = {
        mode: run_program({**one_slot, **extra}, root=tmp_path, builder=FakeBuilder())
        for mode, (extra, _) in MODES.items()
    }
    for mode, run in runs.items():
        declared = {r.name: r.inputs for r in run.mocks.of_type(PERMISSION)}
        expected = {f"{SLOT}-{k}": s for k, s in permissions(MODES[mode][1]).items()}
        assert sorted(declared) == sorted(expected), mode
        for name, statement in expected.items():
            assert declared[name]["statementId"] == statement.sid
            assert declared[name]["principal"] == statement.principal
            assert declared[name].get("organizationId") == statement.organization_id
    for source, target in itertools.product(MODES, MODES):
        before, after = runs[source].inputs(), runs[target].inputs()
        changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
        if source == target:
            assert changed == [], (source, target)
            continue
        shares = [n for n in changed if n.startswith(f"{SLOT}-share-")]
        assert changed == sorted([f"{SLOT}-sharing", *shares]), (source, target)
        old, new = before[f"{SLOT}-sharing"], after[f"{SLOT}-sharing"]
        assert {k for k in old if old[k] != new[k]} == {"environment"}
        assert {
            k for k in old["environment"] if old["environment"][k] != new["environment"][k]
        } == {"OCELOT_SHARING"}
