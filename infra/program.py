"""The Pulumi program: build (or take from cache) every layer, check it, declare it per region.

The zips come from the build engine *in process*, before any resource is registered. That is
what makes previews exact: the engine runs in ``pulumi preview`` exactly as in ``pulumi up``,
a warm cache answers in well under a second per layer, and the prebuilt zip's bytes (hashed by
the engine) decide whether a version changes. ``command.local.Command`` cannot do this (it
never runs in preview, so every dependent shows as unknown), and ``command.local.run`` would
need the command provider plugin and a subprocess per layer only to hand back the same file;
a direct call also keeps the engine's typed errors and manifests.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from infra import outputs
from infra.buckets import check_bucket_region, created_bucket
from infra.carried import carried_dir, check_carried
from infra.layers import CollectorLayer, LayerSpec
from ocelot_build import api
from ocelot_build.api import BuildRequest, LayerArtifact, ProgressCallback
from ocelot_build.core.files import PROJECT_ROOT
from ocelot_build.core.model import Architecture
from ocelot_build.publish import naming
from ocelot_build.publish.stack_config import StackConfig

Builder = Callable[[BuildRequest, ProgressCallback | None], list[LayerArtifact]]
Slot = tuple[str, str, Architecture]  # (region, distribution, architecture)


@dataclass
class StackResult:
    """What the program declared, for tests and for timing."""

    artifacts: list[LayerArtifact]
    layers: dict[Slot, CollectorLayer] = field(default_factory=dict)
    buckets: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    output: dict[str, Any] = field(default_factory=dict)  # the exported ``layers`` tree
    build_seconds: float = 0.0  # engine time, boot checks included


def stack_name() -> str:
    """The running stack's fully qualified name, ``<org>/<project>/<stack>``: what its owner
    parameters hold (``organization`` is the org of a self-managed backend)."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


def project_root() -> Path:
    """The directory of Pulumi.yaml: the engine's answer, else the checkout ``infra`` is in.

    Only an absolute directory that holds Pulumi.yaml is taken: under Pulumi's mocks the
    engine's answer is the placeholder ``root_directory``, which would put ``build/`` (and
    relative config paths) under whatever the working directory is."""
    root = pulumi.runtime.get_root_directory()
    if root and Path(root).is_absolute() and (Path(root) / "Pulumi.yaml").is_file():
        return Path(root)
    return PROJECT_ROOT


def build_stack(
    config: StackConfig,
    *,
    builder: Builder | None = None,
    root: Path | None = None,
) -> StackResult:
    """Declare every (region, distribution, architecture) layer of the stack.

    Nothing is registered until every layer is built and has passed its boot check, so a
    failure (an OcelotError) publishes nothing.
    """
    root = root or project_root()
    for region, bucket in config.s3_buckets:  # a stack-config check: before any build
        check_bucket_region(bucket, region)
    started = time.perf_counter()
    artifacts = build_artifacts(config, builder or api.build_layers, root)
    result = StackResult(artifacts, build_seconds=time.perf_counter() - started)
    for region in config.regions:
        _declare_region(config, region, artifacts, result)
    result.output = outputs.stack_output(result.layers, {_key(a): a for a in artifacts})
    pulumi.export("layers", result.output)
    return result


def build_artifacts(config: StackConfig, builder: Builder, root: Path) -> list[LayerArtifact]:
    """The stack's layers from the engine, every one from the same upstream commit.

    Distributions declared in the same architectures share one engine call (usually the
    whole stack); a stack whose entries differ (``tracing/arm64`` beside ``minimal``) makes
    one call per architecture set, each after the first pinned to the first one's commit.
    """
    carried = carried_dir()  # a deploy job: checks were run by the build job
    groups: dict[tuple[Architecture, ...], list[str]] = {}
    for dist in config.distributions:
        arches = tuple(a for a in Architecture if (dist, a) in config.layers)
        groups.setdefault(arches, []).append(dist)
    artifacts: list[LayerArtifact] = []
    ref = config.upstream_ref
    for arches, dists in groups.items():
        request = _request(config, tuple(dists), arches, ref, root)
        if carried is not None:
            request = dataclasses.replace(request, verify=False)
        artifacts += builder(request, _progress)
        ref = artifacts[0].upstream_commit if artifacts else ref
    wanted = set(config.layers)
    got = {_key(a) for a in artifacts}
    if got != wanted:  # a broken builder must not shrink the stack (that deletes layers)
        missing = ", ".join(f"{d}/{a.value}" for d, a in sorted(wanted - got))
        raise RuntimeError(f"the build engine returned no layer for {missing or '?'}")
    if carried is not None and config.verify:
        check_carried(artifacts, carried)
    return sorted(artifacts, key=_key)


def _request(
    config: StackConfig,
    distributions: tuple[str, ...],
    architectures: tuple[Architecture, ...],
    ref: str,
    root: Path,
) -> BuildRequest:
    return BuildRequest(
        distributions=distributions,
        architectures=architectures,
        upstream_repo=config.upstream_repo,
        upstream_ref=ref,
        layer_name=config.layer_name,
        config_path=config.config_file,
        registry_path=config.components_file,
        # per stack: two stacks updated at once from one checkout must not share zip paths
        output_dir=root / "build" / "pulumi" / pulumi.get_stack(),
        use_cache=True,
        verify=config.verify,  # the engine's boot check, budgets included, as in the CLI
        sandbox=config.verify_sandbox,
        limits=config.verify_limits,
    )


def _declare_region(
    config: StackConfig, region: str, artifacts: list[LayerArtifact], result: StackResult
) -> None:
    for artifact in artifacts:
        spec = layer_spec(config, region, artifact)
        bucket = _bucket(config, region, result) if spec.via_s3 else None
        name = naming.resource_name(artifact.distribution, artifact.architecture, region)
        result.layers[(region, *_key(artifact))] = CollectorLayer(name, spec, bucket=bucket)


def layer_spec(config: StackConfig, region: str, artifact: LayerArtifact) -> LayerSpec:
    """The pure part: every input of one layer version, from config and manifest."""
    return LayerSpec(
        region=region,
        distribution=artifact.distribution,
        architecture=artifact.architecture,
        layer_name=naming.layer_name(
            config.layer_name,
            artifact.distribution,
            artifact.architecture,
            artifact.collector_version,
        ),
        description=naming.description(
            artifact.distribution,
            artifact.architecture,
            artifact.collector_version,
            artifact.upstream_commit,
            artifact.sha256,
        ),
        zip_path=artifact.zip_path,
        sha256=artifact.sha256,
        size=artifact.manifest.zip.size,
        runtimes=config.runtimes,
        sharing=config.sharing,
        base_name=config.layer_name,
        aws_profile=config.aws_profile,
        stack=stack_name(),
    )


def _bucket(config: StackConfig, region: str, result: StackResult) -> pulumi.Input[str]:
    """The region's bucket for big zips: configured, else created once."""
    if region not in result.buckets:
        configured = config.s3_bucket(region)
        if configured:  # its region was checked before the build
            result.buckets[region] = configured
        else:
            result.buckets[region] = created_bucket(region)
    return result.buckets[region]


def _progress(message: str) -> None:
    """Engine progress goes to Pulumi's debug log; a skipped boot check is worth a warning."""
    if "boot check skipped" in message:
        pulumi.log.warn(message)
    else:
        pulumi.log.debug(message)


def _key(artifact: LayerArtifact) -> tuple[str, Architecture]:
    return (artifact.distribution, artifact.architecture)
