"""What a preview shows for each sharing transition: an update of the sharing step, only."""

from __future__ import annotations

import itertools

from pulumi_harness import COMMAND, FakeBuilder, run_program

MODES = {
    "private": {},
    "accounts": {"ocelot:accounts": ["111122223333", "444455556666"]},
    "org": {"ocelot:organizationId": "o-abcdef1234"},
    "public": {"ocelot:public": "true", "aws:allowedAccountIds": ["123456789012"]},
}


def test_every_mode_change_is_an_update_of_the_sharing_step_and_nothing_else(tmp_path, base_config):
    one_slot = {
        **base_config,
        "ocelot:distributions": ["minimal"],
        "ocelot:architectures": ["arm64"],
    }
    runs = {
        mode: run_program({**one_slot, **extra}, root=tmp_path, builder=FakeBuilder()).inputs()
        for mode, extra in MODES.items()
    }
    slot = "minimal-arm64-eu-west-1"
    for source, target in itertools.product(MODES, MODES):
        before, after = runs[source], runs[target]
        changed = sorted(n for n in before if before[n] != after[n])
        assert set(before) == set(after)
        if source == target:
            assert changed == [], (source, target)
            continue
        assert changed == [f"{slot}-sharing"], (source, target)
        old, new = before[changed[0]], after[changed[0]]
        assert {k for k in old if old[k] != new[k]} == {"environment"}
        assert {
            k for k in old["environment"] if old["environment"][k] != new["environment"][k]
        } == {"OCELOT_SHARING"}
    assert all(COMMAND for _ in runs)
