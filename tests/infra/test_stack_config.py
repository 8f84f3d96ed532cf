"""``ocelot:`` stack config: defaults, every key, and errors that name their key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocelot_build import api
from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.core.runtimes import check_layer_name, layer_name_limit, longest_suffix
from ocelot_build.publish.naming import VERSION_RESERVE
from ocelot_build.publish.stack_config import KEYS, StackConfigError, parse_stack_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _parse(raw: dict, root: Path):
    wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    return parse_stack_config(wire, root=root)


def _errors(raw: dict, root: Path) -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        _parse(raw, root)
    assert str(caught.value) == "\n".join(caught.value.errors)
    return list(caught.value.errors)


def test_defaults_apply_when_only_distributions_and_region_are_set(tmp_path, base_config):
    config = _parse(base_config, tmp_path)
    assert config.distributions == ("minimal", "tracing")
    assert config.architectures == (Architecture.AMD64, Architecture.ARM64)
    assert config.regions == ("eu-west-1",)  # the provider's aws:region
    assert config.layer_name == api.DEFAULT_LAYER_NAME
    assert config.upstream_repo == api.DEFAULT_UPSTREAM_REPO
    assert config.upstream_ref == api.DEFAULT_UPSTREAM_REF
    assert config.runtimes == ()
    assert (config.public, config.organization_id, config.shared) == (False, None, False)
    assert config.verify is True
    assert config.s3_buckets == ()


def test_every_key_is_read(tmp_path, base_config, dist_file):
    raw = {
        **base_config,
        "ocelot:architectures": ["x86_64"],
        "ocelot:layerName": "acme",
        "ocelot:upstreamRepo": "https://git.example.com/otel/lambda.git",
        "ocelot:upstreamRef": "v1.2.3",
        "ocelot:runtimes": ["python3.13", "nodejs22.x"],
        "ocelot:organizationId": "o-abcdef1234",
        "ocelot:regions": ["us-east-1", "eu-central-1"],
        "ocelot:verify": "false",
        "ocelot:s3Buckets": {"us-east-1": "acme-layers-use1"},
        "ocelot:configFile": dist_file.name,  # relative to the project root
        "ocelot:componentsFile": str(tmp_path / "components.yaml"),
    }
    (tmp_path / "components.yaml").write_text("components: {}\n")
    config = _parse(raw, tmp_path)
    assert config.architectures == (Architecture.AMD64,)
    assert config.layer_name == "acme"
    assert config.upstream_repo == "https://git.example.com/otel/lambda.git"
    assert config.upstream_ref == "v1.2.3"
    assert config.runtimes == ("nodejs22.x", "python3.13")
    assert config.organization_id == "o-abcdef1234" and config.shared
    assert config.regions == ("us-east-1", "eu-central-1")
    assert config.verify is False
    assert config.s3_bucket("us-east-1") == "acme-layers-use1"
    assert config.s3_bucket("eu-central-1") is None
    assert config.config_file == tmp_path / dist_file.name
    assert config.components_file == tmp_path / "components.yaml"


def test_cli_style_comma_lists_and_booleans_are_accepted(tmp_path, base_config):
    raw = {
        **base_config,
        "ocelot:distributions": "tracing, minimal",
        "ocelot:public": "True",
        "aws:allowedAccountIds": ["123456789012"],
    }
    raw["ocelot:architectures"] = "arm64"
    config = _parse(raw, tmp_path)
    assert config.distributions == ("tracing", "minimal")
    assert config.architectures == (Architecture.ARM64,)
    assert config.public is True and config.shared


def test_all_means_every_distribution_of_the_file(tmp_path, base_config):
    config = _parse({**base_config, "ocelot:distributions": ["all"]}, tmp_path)
    assert config.distributions == ("minimal", "tracing", "full")


def test_the_project_distributions_file_is_the_default():
    config = _parse({"ocelot:distributions": ["minimal"], "aws:region": "us-east-1"}, PROJECT_ROOT)
    assert config.config_file is None  # the engine's default: config/distributions.yaml


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path, base_config):
    errors = _errors({**base_config, "ocelot:architecture": "arm64"}, tmp_path)
    assert len(errors) == 1
    assert errors[0].startswith(
        "ocelot:architecture: unknown key (did you mean: ocelot:architectures)"
    )
    assert all(key in errors[0] for key in KEYS)


def test_other_namespaces_are_not_checked(tmp_path, base_config):
    config = _parse({**base_config, "aws:profile": "x", "other:thing": "y"}, tmp_path)
    assert config.distributions == ("minimal", "tracing")


def test_every_problem_is_reported_each_with_its_key(tmp_path, dist_file):
    raw = {
        "ocelot:distributions": ["minimal", "minmal"],
        "ocelot:architectures": ["arm64", "sparc"],
        "ocelot:layerName": "has space",
        "ocelot:runtimes": ["python3.13", "pyhton3.12"],
        "ocelot:public": "yes",
        "ocelot:organizationId": "org-1",
        "ocelot:regions": ["eu-west-1", "Europe"],
        "ocelot:verify": "maybe",
        "ocelot:s3Buckets": {"us-east-1": "Bad_Bucket"},
        "ocelot:configFile": str(dist_file),
    }
    errors = _errors(raw, tmp_path)
    keyed = {e.split(":", 2)[1] for e in errors}
    assert keyed == {
        "distributions", "architectures", "layerName", "runtimes", "public",
        "organizationId", "regions", "verify", "s3Buckets",
    }  # fmt: skip
    text = "\n".join(errors)
    assert "unknown distribution 'minmal' (did you mean: minimal)" in text
    assert "unknown architecture 'sparc'" in text
    assert "(did you mean: python3.12)" in text
    assert "unknown AWS region 'Europe'" in text
    assert "region 'us-east-1' is not one of the stack's regions" in text


def test_distributions_are_required(tmp_path):
    errors = _errors({"aws:region": "eu-west-1"}, tmp_path)
    assert errors == ["ocelot:distributions: is required: a list of distribution names"]


def test_empty_lists_are_errors(tmp_path, base_config):
    raw = {**base_config, "ocelot:architectures": [], "ocelot:regions": []}
    errors = _errors({**raw, "ocelot:distributions": []}, tmp_path)
    assert sorted(e.split(":")[1] for e in errors) == ["architectures", "distributions", "regions"]


def test_duplicates_are_errors(tmp_path, base_config):
    raw = {**base_config, "ocelot:distributions": ["minimal", "minimal"]}
    raw["ocelot:architectures"] = ["amd64", "x86_64"]
    errors = _errors(raw, tmp_path)
    assert "ocelot:distributions: lists 'minimal' more than once" in errors
    assert "ocelot:architectures: lists amd64 more than once" in errors


def test_a_region_is_required_from_somewhere(tmp_path, dist_file):
    raw = {"ocelot:distributions": ["minimal"], "ocelot:configFile": str(dist_file)}
    assert _errors(raw, tmp_path) == [
        "ocelot:regions: not set, and the stack has no aws:region to default to"
    ]
    assert _parse({**raw, "ocelot:regions": ["sa-east-1"]}, tmp_path).regions == ("sa-east-1",)


def test_public_and_organization_together_is_an_error(tmp_path, base_config):
    raw = {
        **base_config,
        "ocelot:public": "true",
        "aws:allowedAccountIds": ["123456789012"],
        "ocelot:organizationId": "o-abcdef1234",
    }
    (error,) = _errors(raw, tmp_path)
    assert error.startswith("ocelot:organizationId: cannot be combined with ocelot:public;")


def test_accounts_are_a_sharing_mode_of_their_own(tmp_path, base_config):
    raw = {**base_config, "ocelot:accounts": ["444455556666", "111122223333"]}
    config = _parse(raw, tmp_path)
    assert config.accounts == ("111122223333", "444455556666") and config.shared
    assert config.sharing.token == "accounts:111122223333,444455556666"
    assert _parse(base_config, tmp_path).sharing.token == "private"
    (error,) = _errors({**raw, "ocelot:organizationId": "o-abcdef1234"}, tmp_path)
    assert error.startswith("ocelot:accounts: cannot be combined with ocelot:organizationId;")
    errors = _errors({**base_config, "ocelot:accounts": ["1234", "arn:aws:iam::1:root"]}, tmp_path)
    assert errors == [
        "ocelot:accounts: '1234' is not a 12-digit AWS account id",
        "ocelot:accounts: 'arn:aws:iam::1:root' is not a 12-digit AWS account id",
    ]


def test_too_many_runtimes_is_an_error(tmp_path, base_config):
    runtimes = ["python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
                "nodejs18.x", "nodejs20.x", "nodejs22.x", "java11", "java17", "java21",
                "dotnet8", "ruby3.3", "provided.al2", "provided.al2023", "ruby3.4"]  # fmt: skip
    (error,) = _errors({**base_config, "ocelot:runtimes": runtimes}, tmp_path)
    assert error == "ocelot:runtimes: lists 16 runtimes; Lambda allows at most 15"


def test_missing_components_file_names_its_key(tmp_path, base_config):
    (error,) = _errors({**base_config, "ocelot:componentsFile": "c.yaml"}, tmp_path)
    assert error.startswith("ocelot:componentsFile: 'c.yaml' is not a file")


def test_missing_or_broken_distributions_file_names_config_file(tmp_path, base_config):
    (error,) = _errors({**base_config, "ocelot:configFile": "nope.yaml"}, tmp_path)
    assert error.startswith("ocelot:configFile: 'nope.yaml' is not a file")
    broken = tmp_path / "broken.yaml"
    broken.write_text("distributions: [1, 2]\n")
    (error,) = _errors({**base_config, "ocelot:configFile": str(broken)}, tmp_path)
    assert error.startswith("ocelot:configFile: ") and "broken.yaml" in error


def test_structured_values_must_have_the_right_shape(tmp_path, base_config):
    raw = {**base_config, "ocelot:s3Buckets": ["a"], "ocelot:runtimes": "[not json"}
    errors = _errors(raw, tmp_path)
    assert errors[0].startswith("ocelot:runtimes: must be a list of non-empty strings")
    assert errors[1].startswith("ocelot:s3Buckets: must be a map of region to bucket name")


def test_raw_config_merges_the_engine_environment_and_old_key_spellings(monkeypatch):
    import pulumi

    from ocelot_build.publish.stack_config import raw_config

    monkeypatch.setenv(
        "PULUMI_CONFIG",
        json.dumps({"ocelot:config:layerName": "old", "ocelot:distributions": '["minimal"]'}),
    )
    pulumi.runtime.set_all_config({"ocelot:public": "true"})
    try:
        assert raw_config() == {
            "ocelot:layerName": "old",
            "ocelot:distributions": '["minimal"]',
            "ocelot:public": "true",
        }
    finally:
        pulumi.runtime.set_all_config({})


def test_layer_name_rule_is_the_clis_suffix_included(tmp_path, base_config):
    """One rule for the CLI and the stack: AWS's 140 characters count ``-<dist>-<arch>``."""
    suffix = longest_suffix(["minimal", "tracing"], ["amd64", "arm64"])
    assert suffix == "-minimal-amd64"
    fits = "b" * (layer_name_limit() - len(suffix))
    assert check_layer_name(fits, suffix) == fits
    too_long = fits + "b"
    with pytest.raises(UsageError, match="too long: with the suffix '-minimal-amd64' it is 141"):
        check_layer_name(too_long, suffix)
    # a stack publishes <base>-<dist>-<arch>-<collector version>: room is kept for the version
    in_stack = suffix + VERSION_RESERVE
    fits = "b" * (layer_name_limit() - len(in_stack))
    assert _parse({**base_config, "ocelot:layerName": fits}, tmp_path).layer_name == fits
    too_long = fits + "b"
    errors = _errors({**base_config, "ocelot:layerName": too_long}, tmp_path)
    assert [e for e in errors if e.startswith("ocelot:layerName:")] == [
        f"ocelot:layerName: layer name {too_long!r} is too long: with the suffix "
        f"{in_stack!r} it is 141 characters; AWS allows at most 140"
    ]


def test_a_large_distributions_file_is_parsed_once_through_the_cache(tmp_path, ocelot_cache):
    """The program checks the stack's names against the distributions file, then the
    build reads it again: a large one is parsed once and kept in the cache's yaml/."""
    from standin.fixtures import write_dists

    from ocelot_build.core import yamlio

    entries = {f"w{i}": {"description": "x" * 60, "build-tags": ["custom"]} for i in range(10000)}
    path = write_dists(tmp_path / "big.yaml", entries)
    assert path.stat().st_size > yamlio.MEMO_MIN_BYTES
    raw = {
        "aws:region": "eu-west-1",
        "ocelot:distributions": ["w7"],
        "ocelot:configFile": str(path),
    }
    assert _parse(raw, tmp_path).distributions == ("w7",)
    assert len(list((ocelot_cache / "yaml").glob("*.marshal"))) == 1
