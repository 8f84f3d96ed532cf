"""The one rule for adding built layers to a stack
(``ocelot_build.publish.stack_layers.add_layers``) and the ``name/arch`` entries it writes,
as the program reads them."""

from __future__ import annotations

import json

import pytest
from pulumi_harness import LAYER, FakeBuilder, run_program

from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.publish.stack_config import StackConfigError, parse_stack_config
from ocelot_build.publish.stack_layers import add_layers

AMD, ARM = Architecture.AMD64, Architecture.ARM64


def _wire(raw: dict) -> dict:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


@pytest.mark.parametrize(
    ("stack", "built", "updates"),
    [
        # a fresh stack takes exactly what was built
        ({}, [("tracing", ARM)], {"ocelot:architectures": ["arm64"],
                                  "ocelot:distributions": ["tracing"]}),
        ({}, [("m", AMD), ("m", ARM)], {"ocelot:architectures": ["amd64", "arm64"],
                                        "ocelot:distributions": ["m"]}),
        # built in every stack architecture: added by name
        ({"ocelot:distributions": ["m"]}, [("t", AMD), ("t", ARM)],
         {"ocelot:distributions": ["m", "t"]}),
        # built in one of two: that layer alone, never its sibling
        ({"ocelot:distributions": ["m"]}, [("t", ARM)], {"ocelot:distributions": ["m", "t/arm64"]}),
        # a new architecture for one distribution: not for the others
        ({"ocelot:distributions": ["m", "t"], "ocelot:architectures": ["amd64"]}, [("t", ARM)],
         {"ocelot:distributions": ["m", "t", "t/arm64"]}),
        # already declared (by name, or by an earlier name/arch): nothing changes
        ({"ocelot:distributions": ["m"]}, [("m", ARM)], {}),
        ({"ocelot:distributions": ["m", "t/arm64"]}, [("t", ARM)], {}),
        ({"ocelot:distributions": ["all"]}, [("t", AMD)], {}),
    ],
)  # fmt: skip
def test_add_layers_adds_exactly_the_built_layers(stack, built, updates):
    got, changes = add_layers(_wire(stack), built, stack="dev")
    assert got == updates
    assert len(changes) == len(updates)


def test_all_cannot_take_a_layer_beside_it():
    with pytest.raises(UsageError, match=r"declares ocelot:distributions \[all\] in amd64"):
        add_layers(_wire({"ocelot:distributions": ["all"], "ocelot:architectures": ["amd64"]}),
                   [("t", ARM)], stack="dev")  # fmt: skip


def test_entries_name_one_architecture_and_the_program_declares_only_those(tmp_path, base_config):
    raw = {**base_config, "ocelot:distributions": ["minimal", "tracing/arm64"]}
    config = parse_stack_config(_wire(raw), root=tmp_path)
    assert config.distributions == ("minimal", "tracing")
    assert config.layers == (("minimal", AMD), ("minimal", ARM), ("tracing", ARM))
    builder = FakeBuilder()
    run = run_program(raw, root=tmp_path, builder=builder)
    assert run.names(LAYER) == [
        "minimal-amd64-eu-west-1", "minimal-arm64-eu-west-1", "tracing-arm64-eu-west-1"
    ]  # fmt: skip
    # two engine calls (two architecture sets), the second pinned to the first's commit
    assert [(c.distributions, c.architectures) for c in builder.calls] == [
        (("minimal",), (AMD, ARM)), (("tracing",), (ARM,))
    ]  # fmt: skip
    commits = {r.inputs["description"].split("upstream commit ")[1][:40]
               for r in run.mocks.of_type(LAYER)}  # fmt: skip
    assert len(commits) == 1


def test_bad_entries_name_the_key(tmp_path, base_config):
    raw = {**base_config, "ocelot:distributions": ["minimal", "minimal/arm64", "tracing/sparc"]}
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config(_wire(raw), root=tmp_path)
    assert caught.value.errors == (
        "ocelot:distributions: 'minimal/arm64' declares minimal/arm64 a second time",
        "ocelot:distributions: 'tracing/sparc': unknown architecture 'sparc'; allowed: amd64, "
        "arm64",
    )
