"""The Pulumi program under mocks: what it declares for private, shared and multi-region stacks."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from pulumi_harness import (
    BUCKET,
    COMMAND,
    COMPONENT,
    LAYER,
    OBJECT,
    PARAMETER,
    PERMISSION,
    FakeBuilder,
    run_program,
)

from infra.buckets import EXPIRE_DAYS, STAGING_PREFIX
from infra.layers import (
    INLINE_LIMIT,
    LICENSE_INFO,
    RECONCILE,
    REQUEST_LIMIT,
    fits_inline,
    inline_request_bytes,
)
from ocelot_build.core.errors import ConfigError, VerifyError

ORG = "o-abcdef1234"
ALLOWED = {"aws:allowedAccountIds": ["123456789012"]}  # required for a public stack


def _names(dists, arches, regions):
    return sorted(f"{d}-{a}-{r}" for d in dists for a in arches for r in regions)


def test_private_stack_declares_one_version_per_layer_and_nothing_else(tmp_path, base_config):
    run = run_program(base_config, root=tmp_path, builder=FakeBuilder())
    expected = _names(["minimal", "tracing"], ["amd64", "arm64"], ["eu-west-1"])
    assert run.names(LAYER) == expected
    assert run.names(COMPONENT) == expected
    assert run.names(PERMISSION) == []
    assert run.names(BUCKET) == run.names(OBJECT) == []


def test_layer_version_inputs_come_from_the_manifest(tmp_path, base_config):
    builder = FakeBuilder()
    run = run_program(base_config, root=tmp_path, builder=builder)
    artifact = next(
        a
        for a in run.result.artifacts
        if (a.distribution, a.architecture.value) == ("minimal", "arm64")
    )
    inputs = run.by_name("minimal-arm64-eu-west-1").inputs
    assert inputs["layerName"] == "ocel-minimal-arm64-0_158_0"
    assert inputs["compatibleArchitectures"] == ["arm64"]
    assert inputs["licenseInfo"] == LICENSE_INFO
    assert inputs["region"] == "eu-west-1"
    assert Path(inputs["code"].path) == artifact.zip_path
    description = inputs["description"]
    assert len(description) <= 256
    for part in ("minimal", "v0.158.0", artifact.upstream_commit, artifact.sha256[:16]):
        assert part in description
    # Pulumi hashes a prebuilt zip by its bytes; a hand-set hash would fight that.
    assert "sourceCodeHash" not in inputs and "s3Bucket" not in inputs
    assert "compatibleRuntimes" not in inputs and "skipDestroy" not in inputs
    assert run.by_name("minimal-arm64-eu-west-1").archive_sha256 == artifact.sha256
    amd = run.by_name("minimal-amd64-eu-west-1").inputs
    assert amd["compatibleArchitectures"] == ["x86_64"]
    assert amd["layerName"] == "ocel-minimal-amd64-0_158_0"


def test_runtimes_and_layer_name_reach_every_version(tmp_path, base_config):
    config = {
        **base_config,
        "ocelot:runtimes": ["python3.13", "provided.al2023"],
        "ocelot:layerName": "acme-otel",
    }
    builder = FakeBuilder()
    run = run_program(config, root=tmp_path, builder=builder)
    request = builder.calls[0]
    assert (request.layer_name, request.upstream_ref, request.use_cache) == (
        "acme-otel",
        "main",
        True,
    )
    assert request.config_path == Path(base_config["ocelot:configFile"])
    assert request.registry_path is None  # the project's config/components.yaml
    for record in run.mocks.of_type(LAYER):
        assert record.inputs["compatibleRuntimes"] == ["provided.al2023", "python3.13"]
        assert record.inputs["layerName"].startswith("acme-otel-")


def test_versions_are_retained_nothing_else_is(tmp_path, base_config):
    run = run_program(
        {**base_config, "ocelot:public": "true", **ALLOWED}, root=tmp_path, builder=FakeBuilder()
    )
    retained = {r.typ for r in run.mocks.resources if r.retain_on_delete}
    assert retained == {LAYER}
    version = run.by_name("tracing-amd64-eu-west-1")
    assert version.parent.endswith("ocelot:index:CollectorLayer::tracing-amd64-eu-west-1")


SLOTS = _names(["minimal", "tracing"], ["amd64", "arm64"], ["eu-west-1"])


@pytest.mark.parametrize(
    ("config", "token", "grants"),
    [
        ({}, "private", {}),
        ({"ocelot:public": "true", **ALLOWED}, "public", {"public": ("*", None)}),
        ({"ocelot:organizationId": ORG}, f"org:{ORG}", {f"org-{ORG}": ("*", ORG)}),
        (
            {"ocelot:accounts": ["444455556666", "111122223333"]},
            "accounts:111122223333,444455556666",
            {f"account-{a}": (a, None) for a in ("111122223333", "444455556666")},
        ),
    ],
)
def test_every_slot_has_one_sharing_command_whatever_the_mode(
    tmp_path, base_config, config, token, grants
):
    """Private stacks too: narrowing to private must be an update that revokes, not nothing."""
    run = run_program({**base_config, **config}, root=tmp_path, builder=FakeBuilder())
    assert run.names(COMMAND) == [f"{n}-sharing" for n in SLOTS]
    inputs = run.by_name("tracing-arm64-eu-west-1-sharing").inputs
    env = inputs["environment"]
    assert env["OCELOT_SHARING"] == token
    assert env["OCELOT_LAYER_NAME"] == "ocel-tracing-arm64-0_158_0"
    assert env["OCELOT_VERSION_ARN"].endswith(":layer:ocel-tracing-arm64-0_158_0:1")
    assert env["OCELOT_STACK"] == "organization/ocelot/dev"
    assert env["AWS_REGION"] == "eu-west-1"
    assert inputs["create"] == inputs["update"] == RECONCILE
    assert inputs["delete"] == f"{RECONCILE} --revoke"
    assert inputs["addPreviousOutputInEnv"] is True and inputs["logging"] == "stderr"
    assert "/" not in inputs["create"]  # no checkout path in the state
    assert run.output["eu-west-1"]["tracing"]["arm64"]["sharing"] == token
    assert "AWS_PROFILE" not in env
    assert run.names(PERMISSION) == sorted(f"{n}-share-{g}" for n in SLOTS for g in grants)


def test_the_current_version_s_grants_are_permission_resources(tmp_path, base_config):
    """Why: no stack declared any LayerVersionPermission, so state, preview and refresh
    showed nothing of who may use a version."""
    config = {**base_config, "ocelot:accounts": ["111122223333", "444455556666"]}
    run = run_program(config, root=tmp_path, builder=FakeBuilder())
    slot = "tracing-arm64-eu-west-1"
    permission = run.by_name(f"{slot}-share-account-111122223333")
    assert permission.inputs == {
        "action": "lambda:GetLayerVersion",
        "layerName": "ocel-tracing-arm64-0_158_0",
        "principal": "111122223333",
        "region": "eu-west-1",
        "statementId": "ocelot-current-account-111122223333",
        "versionNumber": 1,
    }
    assert not permission.retain_on_delete  # a replaced one's delete takes its own id away
    urn = {r.name: f"::{r.name}" for r in run.mocks.resources}
    step = run.by_name(f"{slot}-sharing")
    needs = [f"{slot}-share-account-111122223333", f"{slot}-share-account-444455556666"]
    for name in [*needs, f"{slot}-owner"]:  # the sharing step runs after them
        assert any(d.endswith(urn[name]) for d in step.dependencies), name
    version = next(r for r in run.mocks.of_type(LAYER) if r.name == slot)
    assert any(d.endswith(f"::{slot}-owner") for d in version.dependencies)


def test_each_slot_declares_its_owner(tmp_path, base_config):
    run = run_program({**base_config, "ocelot:layerName": "acme"}, root=tmp_path,
                      builder=FakeBuilder())  # fmt: skip
    owner = run.by_name("minimal-arm64-eu-west-1-owner")
    assert owner.inputs["name"] == "/ocelot/acme-minimal-arm64/owner"
    assert owner.inputs["insecureValue"] == "organization/ocelot/dev"
    assert owner.inputs["region"] == "eu-west-1" and not owner.retain_on_delete


def test_the_stacks_aws_profile_reaches_the_sharing_step(tmp_path, base_config):
    run = run_program(
        {**base_config, "aws:profile": "publisher"}, root=tmp_path, builder=FakeBuilder()
    )
    for record in run.mocks.of_type(COMMAND):
        assert record.inputs["environment"]["AWS_PROFILE"] == "publisher"


def test_a_sharing_change_touches_only_the_sharing_commands(tmp_path, base_config):
    public = run_program(
        {**base_config, "ocelot:public": "true", **ALLOWED}, root=tmp_path, builder=FakeBuilder()
    )
    private = run_program(base_config, root=tmp_path, builder=FakeBuilder(), prior=public)
    assert _fingerprint(public) == _fingerprint(private)  # no new versions
    changed = _changed(public.inputs(), private.inputs())
    assert changed == sorted([f"{n}-sharing" for n in SLOTS] + [f"{n}-share-public" for n in SLOTS])
    assert not [n for n in private.inputs() if "-share-" in n]  # the permissions go


def test_each_slot_has_a_latest_parameter_that_is_not_retained(tmp_path, base_config):
    config = {
        **base_config,
        "ocelot:regions": ["eu-west-1", "us-east-1"],
        "ocelot:layerName": "acme",
    }
    run = run_program(config, root=tmp_path, builder=FakeBuilder())
    slots = _names(["minimal", "tracing"], ["amd64", "arm64"], ["eu-west-1", "us-east-1"])
    assert run.names(PARAMETER) == sorted(
        [f"{n}-latest" for n in slots] + [f"{n}-owner" for n in slots]
    )
    param = run.by_name("minimal-arm64-us-east-1-latest")
    assert param.inputs["name"] == "/ocelot/acme/minimal/arm64/latest"
    assert param.inputs["type"] == "String"
    assert param.inputs["region"] == "us-east-1"
    assert param.inputs["insecureValue"] == run.output["us-east-1"]["minimal"]["arm64"]["arn"]
    assert not param.retain_on_delete
    record = run.output["us-east-1"]["minimal"]["arm64"]
    assert record["ssm_parameter"] == "/ocelot/acme/minimal/arm64/latest"
    assert record["layer_arn"] == record["arn"].rsplit(":", 1)[0]


def test_multi_region_stack_has_the_same_layer_names_in_every_region(tmp_path, base_config):
    regions = ["eu-west-1", "us-east-1", "ap-southeast-2"]
    builder = FakeBuilder()
    run = run_program({**base_config, "ocelot:regions": regions}, root=tmp_path, builder=builder)
    assert run.names(LAYER) == _names(["minimal", "tracing"], ["amd64", "arm64"], regions)
    assert len(builder.calls) == 1  # one build serves every region
    for region in regions:
        record = run.by_name(f"minimal-amd64-{region}")
        assert record.inputs["region"] == region
        assert record.inputs["layerName"] == "ocel-minimal-amd64-0_158_0"
    arns = {r: run.output[r]["tracing"]["arm64"]["arn"] for r in regions}
    assert all(f":lambda:{r}:" in arn for r, arn in arns.items())


def test_stack_output_maps_region_distribution_architecture(tmp_path, base_config):
    run = run_program(base_config, root=tmp_path, builder=FakeBuilder())
    assert sorted(run.output) == ["eu-west-1"]
    assert sorted(run.output["eu-west-1"]) == ["minimal", "tracing"]
    for artifact in run.result.artifacts:
        record = run.output["eu-west-1"][artifact.distribution][artifact.architecture.value]
        assert record["arn"].endswith(f":layer:{record['layer_name']}:1")
        assert record["version"] == 1
        assert record["sha256"] == artifact.sha256
        assert record["size"] == artifact.zip_path.stat().st_size
        assert record["collector_version"] == "v0.158.0"
        assert record["upstream_commit"] == artifact.upstream_commit


def test_preview_builds_in_process_and_tolerates_unknown_outputs(tmp_path, base_config):
    config = {**base_config, "ocelot:public": "true", **ALLOWED}
    builder = FakeBuilder()
    preview = run_program(config, root=tmp_path, builder=builder, preview=True)
    assert len(builder.calls) == 1  # the zips (and so their hashes) exist during preview
    assert preview.output is None  # ARNs are unknown until up
    assert preview.names(LAYER) == preview.names(COMPONENT)
    assert len(preview.names(COMMAND)) == 4  # the sharing step shows in preview
    up = run_program(config, root=tmp_path, builder=builder)
    assert _fingerprint(preview) == _fingerprint(up)


BIG = INLINE_LIMIT  # payload bytes: the zip around it is a little bigger, so it takes S3


def test_exactly_50_mib_does_not_go_inline():
    """Base64 of 50 MiB is 69,905,068 bytes: over Lambda's request cap before any JSON."""
    assert inline_request_bytes(50 * 1024 * 1024) >= REQUEST_LIMIT
    assert not fits_inline(50 * 1024 * 1024)
    assert INLINE_LIMIT == 52_379_646 and 50 * 1024 * 1024 - INLINE_LIMIT == 49_154
    assert fits_inline(INLINE_LIMIT) and not fits_inline(INLINE_LIMIT + 1)


def test_big_zip_goes_through_a_locked_down_bucket_per_region(tmp_path, base_config):
    regions = ["eu-west-1", "us-east-1"]
    builder = FakeBuilder(sizes={"tracing": BIG})
    run = run_program({**base_config, "ocelot:regions": regions}, root=tmp_path, builder=builder)
    assert run.names(BUCKET) == ["ocelot-layers-eu-west-1", "ocelot-layers-us-east-1"]
    assert run.by_name("ocelot-layers-us-east-1").inputs["region"] == "us-east-1"
    staging = [r for r in run.mocks.resources if r.name.startswith("ocelot-layers-us-east-1")]
    assert len(staging) == 4 and all(r.retain_on_delete for r in staging)
    block = run.by_name("ocelot-layers-us-east-1-private").inputs
    assert all(
        block[k]
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    policy = json.loads(run.by_name("ocelot-layers-us-east-1-tls-only").inputs["policy"])
    (deny,) = policy["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (rule,) = run.by_name("ocelot-layers-us-east-1-expiry").inputs["rules"]
    assert rule["status"] == "Enabled" and rule["filter"]["prefix"] == STAGING_PREFIX
    assert rule["expiration"]["days"] == EXPIRE_DAYS
    assert run.names(OBJECT) == [
        f"{n}-zip" for n in _names(["tracing"], ["amd64", "arm64"], regions)
    ]
    artifact = next(a for a in run.result.artifacts if a.distribution == "tracing")
    assert not fits_inline(artifact.zip_path.stat().st_size)
    name = f"tracing-{artifact.architecture.value}-us-east-1"
    obj = run.by_name(f"{name}-zip")
    assert obj.inputs["key"].startswith(f"{STAGING_PREFIX}ocel-tracing-")
    assert artifact.sha256 in obj.inputs["key"]
    assert obj.inputs["bucket"] == "ocelot-layers-us-east-1-0a1b2c3"
    assert obj.archive_sha256 == artifact.sha256
    assert obj.inputs["region"] == "us-east-1"
    layer = run.by_name(name).inputs
    assert "code" not in layer
    assert layer["s3Bucket"] == "ocelot-layers-us-east-1-0a1b2c3"
    assert layer["s3Key"] == obj.inputs["key"]
    digest = hashlib.sha256(artifact.zip_path.read_bytes()).digest()
    assert layer["sourceCodeHash"] == base64.b64encode(digest).decode()
    assert "code" in run.by_name("minimal-amd64-us-east-1").inputs  # small ones stay inline


def test_configured_bucket_is_used_instead_of_creating_one(tmp_path, base_config):
    config = {**base_config, "ocelot:s3Buckets": {"eu-west-1": "acme-layer-uploads"}}
    builder = FakeBuilder(sizes={"minimal": BIG})
    run = run_program(config, root=tmp_path, builder=builder)
    assert run.names(BUCKET) == []
    assert run.by_name("minimal-arm64-eu-west-1").inputs["s3Bucket"] == "acme-layer-uploads"
    assert run.by_name("minimal-amd64-eu-west-1").inputs["s3Bucket"] == "acme-layer-uploads"
    assert "code" in run.by_name("tracing-arm64-eu-west-1").inputs


def test_configured_bucket_in_another_region_is_refused_before_any_build(tmp_path, base_config):
    config = {**base_config, "ocelot:s3Buckets": {"eu-west-1": "acme-layer-uploads"}}
    builder = FakeBuilder(sizes={"minimal": BIG})

    def elsewhere(mocks):
        mocks.bucket_regions["acme-layer-uploads"] = "us-east-1"

    with pytest.raises(ConfigError) as caught:
        run_program(config, root=tmp_path, builder=builder, on_mocks=elsewhere)
    assert str(caught.value).startswith(
        "ocelot:s3Buckets: bucket 'acme-layer-uploads' is in us-east-1, but the layers"
    )
    assert builder.calls == []  # a stack-config check: nothing was built first


def test_a_bucket_change_alone_publishes_nothing_new(tmp_path, base_config):
    builder = FakeBuilder(sizes={"minimal": BIG})
    first = run_program(
        {**base_config, "ocelot:s3Buckets": {"eu-west-1": "bucket-a"}},
        root=tmp_path,
        builder=builder,
    )
    moved = {**base_config, "ocelot:s3Buckets": {"eu-west-1": "bucket-b"}}
    second = run_program(moved, root=tmp_path, builder=builder, prior=first)
    assert _changed(first.inputs(), second.inputs()) == []  # no new version, no new object
    # The next new zip is published from where its object really is (the recorded bucket).
    third = run_program(
        moved, root=tmp_path, builder=FakeBuilder(sizes={"minimal": BIG + 1}), prior=second
    )
    for arch in ("amd64", "arm64"):
        layer = third.by_name(f"minimal-{arch}-eu-west-1").inputs
        obj = third.by_name(f"minimal-{arch}-eu-west-1-zip").inputs
        assert (layer["s3Bucket"], layer["s3Key"]) == (obj["bucket"], obj["key"])
        assert obj["key"] != first.by_name(f"minimal-{arch}-eu-west-1-zip").inputs["key"]


def test_any_new_version_stages_a_fresh_object(tmp_path, base_config):
    """The staging bucket expires objects, so a republish must never rely on an old one."""
    builder = FakeBuilder(sizes={"minimal": BIG})
    first = run_program(base_config, root=tmp_path, builder=builder)
    config = {**base_config, "ocelot:runtimes": ["python3.13"]}  # same bytes, new version
    second = run_program(config, root=tmp_path, builder=builder, prior=first)
    key = "minimal-arm64-eu-west-1-zip"
    assert first.by_name(key).inputs["key"] != second.by_name(key).inputs["key"]


def test_boot_check_runs_by_default_and_a_failure_declares_nothing(tmp_path, base_config):
    builder = FakeBuilder(broken=frozenset({"tracing"}))
    with pytest.raises(VerifyError) as caught:
        run_program(base_config, root=tmp_path, builder=builder)
    assert builder.calls[-1].verify is True
    assert "error type: failed to start the collector" in str(caught.value)
    assert "failed to build pipelines" in caught.value.detail
    run = run_program({**base_config, "ocelot:verify": "false"}, root=tmp_path, builder=builder)
    assert builder.calls[-1].verify is False
    assert len(run.names(LAYER)) == 4


def test_boot_check_is_sandboxed_unless_the_stack_says_otherwise(tmp_path, base_config):
    builder = FakeBuilder()
    run_program(base_config, root=tmp_path, builder=builder)
    assert builder.calls[-1].sandbox is True
    run_program({**base_config, "ocelot:verifySandbox": "false"}, root=tmp_path, builder=builder)
    assert builder.calls[-1].sandbox is False


def test_boot_check_has_lambdas_limits_unless_the_stack_says_otherwise(tmp_path, base_config):
    """Before, a stack could only drop the whole check (ocelot:verify false) on a machine
    where the box's cgroups cannot be made, such as a laptop without cgroup delegation."""
    builder = FakeBuilder()
    run_program(base_config, root=tmp_path, builder=builder)
    assert builder.calls[-1].limits is True
    run_program({**base_config, "ocelot:verifyLimits": "false"}, root=tmp_path, builder=builder)
    assert builder.calls[-1].limits is False and builder.calls[-1].verify is True


def test_skipped_boot_checks_are_warnings_other_progress_is_debug(tmp_path, base_config):
    run = run_program(base_config, root=tmp_path, builder=FakeBuilder(no_qemu=True))
    warnings = [line for line in run.logs if line.startswith("warning:")]
    assert len(warnings) == 2 and all("arm64: boot check skipped no qemu" in w for w in warnings)
    assert not any("cache hit" in line for line in run.logs)  # debug, below the log level
    assert len(run.names(LAYER)) == 4


def test_failed_build_registers_no_resources(tmp_path, base_config):
    from pulumi_harness import RecordingMocks

    seen: list[RecordingMocks] = []

    def failing(request, progress=None):
        raise VerifyError("tracing/arm64: boot check failed: timeout")

    with pytest.raises(VerifyError):
        run_program(base_config, root=tmp_path, builder=failing, on_mocks=seen.append)
    assert [r.typ for r in seen[0].resources] == []


def test_builder_that_drops_a_layer_is_an_error_not_a_deletion(tmp_path, base_config):
    def short(request, progress=None):
        return FakeBuilder()(request, progress)[1:]

    with pytest.raises(RuntimeError, match="no layer for minimal/amd64"):
        run_program(base_config, root=tmp_path, builder=short)


def _fingerprint(run) -> dict[str, tuple]:
    """Everything that decides whether a LayerVersion is replaced (all inputs are ForceNew)."""
    return {
        r.name: (
            r.inputs["layerName"],
            r.inputs["description"],
            r.archive_sha256,
            tuple(r.inputs["compatibleArchitectures"]),
            tuple(r.inputs.get("compatibleRuntimes") or ()),
            r.inputs["licenseInfo"],
        )
        for r in run.mocks.of_type(LAYER)
    }


def _changed(before, after) -> list[str]:
    return sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))


def test_unchanged_stack_declares_identical_inputs(tmp_path, base_config):
    first = _fingerprint(run_program(base_config, root=tmp_path, builder=FakeBuilder()))
    again = _fingerprint(run_program(base_config, root=tmp_path, builder=FakeBuilder()))
    assert first == again and len(first) == 4


def test_new_upstream_ref_replaces_every_layer(tmp_path, base_config):
    before = _fingerprint(run_program(base_config, root=tmp_path, builder=FakeBuilder()))
    config = {**base_config, "ocelot:upstreamRef": "v2"}
    after = _fingerprint(run_program(config, root=tmp_path, builder=FakeBuilder()))
    assert _changed(before, after) == sorted(before)


def test_changed_tags_replace_only_that_distribution(tmp_path, base_config, dist_file):
    before = _fingerprint(run_program(base_config, root=tmp_path, builder=FakeBuilder()))
    text = dist_file.read_text().replace(
        "[receiver.telemetryapi]", "[receiver.telemetryapi, processor.filter]"
    )
    dist_file.write_text(text)
    after = _fingerprint(run_program(base_config, root=tmp_path, builder=FakeBuilder()))
    assert _changed(before, after) == ["tracing-amd64-eu-west-1", "tracing-arm64-eu-west-1"]


def test_adding_an_architecture_only_adds_layers(tmp_path, base_config):
    config = {**base_config, "ocelot:architectures": ["arm64"]}
    before = _fingerprint(run_program(config, root=tmp_path, builder=FakeBuilder()))
    after = _fingerprint(run_program(base_config, root=tmp_path, builder=FakeBuilder()))
    assert sorted(set(after) - set(before)) == [
        "minimal-amd64-eu-west-1",
        "tracing-amd64-eu-west-1",
    ]
    assert _changed(before, after) == sorted(set(after) - set(before))


def test_new_collector_version_starts_new_layer_names(tmp_path, base_config):
    before = _fingerprint(run_program(base_config, root=tmp_path, builder=FakeBuilder()))
    builder = FakeBuilder(collector_version="v0.159.0")
    after = _fingerprint(run_program(base_config, root=tmp_path, builder=builder))
    assert {v[0] for v in after.values()} == {
        f"ocel-{d}-{a}-0_159_0" for d in ("minimal", "tracing") for a in ("amd64", "arm64")
    }
    assert not {v[0] for v in before.values()} & {v[0] for v in after.values()}
