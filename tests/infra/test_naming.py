"""Layer names, resource names, descriptions and the direct-upload threshold."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from infra.layers import INLINE_LIMIT, LayerSpec
from ocelot_build.core.errors import ConfigError
from ocelot_build.core.model import Architecture
from ocelot_build.core.runtimes import layer_name_limit
from ocelot_build.publish import naming

ARM, AMD = Architecture.ARM64, Architecture.AMD64
COMMIT = hashlib.sha1(b"commit").hexdigest()
SHA = hashlib.sha256(b"zip").hexdigest()


@pytest.mark.parametrize(
    ("version", "slug"),
    [("v0.158.0", "0_158_0"), ("0.158.0", "0_158_0"), ("v0.159.0-rc.1", "0_159_0-rc_1")],
)
def test_collector_version_becomes_a_name_safe_slug(version, slug):
    assert naming.version_slug(version) == slug


def test_layer_name_carries_base_distribution_arch_and_version():
    assert naming.layer_name("ocel", "minimal", ARM, "v0.158.0") == "ocel-minimal-arm64-0_158_0"
    assert naming.layer_name("ocel", "minimal", AMD, "v0.158.0") == "ocel-minimal-amd64-0_158_0"


def test_layer_name_over_lambdas_limit_names_the_key():
    long_dist = "d" * (layer_name_limit() - len("ocel--arm64-0_158_0") + 1)
    with pytest.raises(ConfigError, match=r"^ocelot:layerName: .* is 141 characters; .* 140"):
        naming.layer_name("ocel", long_dist, ARM, "v0.158.0")
    fits = naming.layer_name("ocel", long_dist[:-1], ARM, "v0.158.0")
    assert len(fits) == layer_name_limit()


def test_layer_name_with_a_forbidden_character_names_the_key():
    with pytest.raises(ConfigError, match=r"^ocelot:layerName: .*outside \[A-Za-z0-9_-\]"):
        naming.layer_name("ocel", "mini.mal", ARM, "v0.158.0")


def test_resource_name_is_stable_data_only():
    assert naming.resource_name("minimal", ARM, "eu-west-1") == "minimal-arm64-eu-west-1"


def test_description_is_traceable_and_within_lambdas_limit():
    text = naming.description("minimal", AMD, "v0.158.0", COMMIT, SHA)
    assert "minimal" in text and "x86_64" in text and "v0.158.0" in text
    assert COMMIT in text and SHA[:16] in text and SHA[:17] not in text
    assert len(naming.description("x" * 300, AMD, "v0.158.0", COMMIT, SHA)) == 256


def _spec(size: int) -> LayerSpec:
    return LayerSpec("eu-west-1", "minimal", ARM, "n", "d", Path("x.zip"), SHA, size)


def test_zips_over_the_inline_limit_take_the_s3_path():
    assert not _spec(INLINE_LIMIT).via_s3
    spec = _spec(INLINE_LIMIT + 1)
    assert spec.via_s3
    assert spec.s3_key.startswith(f"layers/n/{SHA}-") and spec.s3_key.endswith(".zip")
    assert base64.b64decode(spec.source_code_hash) == bytes.fromhex(SHA)
    assert spec.ssm_parameter == "/ocelot/ocel/minimal/arm64/latest"
