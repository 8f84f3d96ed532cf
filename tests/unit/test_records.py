"""The owner and record rules of ``ocelot_build.publish.records``, without AWS."""

from __future__ import annotations

import pytest

from ocelot_build.core.errors import UsageError
from ocelot_build.publish.records import Record, family_of, same_stack, version_of


def test_family_is_the_layer_name_without_its_collector_version():
    assert family_of("ocel-minimal-arm64-0_158_0") == "ocel-minimal-arm64"
    assert family_of("a-amd64-b-arm64-1_0_0-rc1") == "a-amd64-b-arm64"
    with pytest.raises(UsageError, match="is not an ocelot name"):
        family_of("my-layer")


def test_same_stack_fully_qualified_or_as_the_cli_names_it():
    owner = "acme/ocelot/prod"
    assert same_stack(owner, owner)
    assert same_stack(owner, "prod", "ocelot") and same_stack(owner, "acme/prod", "ocelot")
    assert not same_stack(owner, "prod", "other") and not same_stack(owner, "bob/prod", "ocelot")
    assert not same_stack(owner, "prod") and not same_stack(owner, "acme/ocelot/dev")


def test_a_record_round_trips_and_garbage_proves_nothing():
    record = Record("acme/ocelot/prod")
    record.add("arn:aws:lambda:eu-west-1:123456789012:layer:ocel-m-arm64-1_0_0:3")
    record.add("arn:aws:lambda:eu-west-1:123456789012:layer:ocel-m-arm64-1_0_0:1")
    assert record.versions == {"ocel-m-arm64-1_0_0": [1, 3]} and record.current.endswith(":1")
    assert Record.parse(record.text()) == record
    record.drop("ocel-m-arm64-1_0_0", [1, 3])
    assert record.versions == {}
    assert Record.parse("not json") is None and Record.parse('{"stack": "x"}') is None
    assert version_of("arn:aws:lambda:eu-west-1:1:layer:n:7") == ("n", 7)
    assert version_of("arn:nope") is None
