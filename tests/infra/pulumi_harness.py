"""Pulumi unit-test harness for the ``infra`` program (imported by the tests as ``pulumi_harness``).

Neither the Pulumi CLI nor the AWS provider can run here, so the engine is replaced by
Pulumi's own mocks: every registered resource is recorded as (type, name, inputs), and the
mock answers with camelCase state shaped like the provider's (ARNs carry the region, layer
name and version). Everything else is real: the config parser, the distributions file, the
zips (written by ``FakeBuilder``, deterministic, in the engine's manifest format) and their
bytes, which the mock hashes the way the Pulumi engine hashes a prebuilt zip.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

from infra.program import StackResult, build_stack
from ocelot_build.api import BuildRequest, LayerArtifact
from ocelot_build.core.errors import VerifyError
from ocelot_build.core.manifest import LayerManifest, LayerZip, Upstream
from ocelot_build.core.model import Architecture
from ocelot_build.publish.stack_config import parse_stack_config
from ocelot_build.stages.config import load_distributions

ACCOUNT = "123456789012"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

DISTRIBUTIONS_YAML = """\
distributions:
  minimal:
    description: OTLP in, OTLP/HTTP out
    build-tags: [custom, receiver.otlp, exporter.otlphttp, processor.batch, processor.decouple]
  tracing:
    description: minimal plus the Telemetry API receiver
    base: minimal
    build-tags: [receiver.telemetryapi]
  full:
    description: every upstream component
    build-tags: [custom, all]
"""


@dataclass
class Recorded:
    """One resource registration as the mock saw it."""

    typ: str
    name: str
    inputs: dict[str, Any]
    archive_sha256: str | None = None  # sha256 of the zip bytes, as the engine would hash them
    retain_on_delete: bool = False
    parent: str = ""  # the parent's URN
    dependencies: tuple[str, ...] = ()  # URNs it depends on (depends_on and inputs)


class RecordingMonitor(MockMonitor):
    """Keeps the resource options the mock API leaves out (retainOnDelete, parent,
    ignoreChanges)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recorder = mocks

    def RegisterResource(self, request):
        self.recorder.ignore[(request.type, request.name)] = list(request.ignoreChanges)
        response = super().RegisterResource(request)
        for recorded in self.recorder.resources:
            if recorded.name == request.name and recorded.typ == request.type:
                recorded.retain_on_delete = bool(request.retainOnDelete)
                recorded.parent = request.parent
                recorded.dependencies = tuple(request.dependencies)
        return response


class RecordingMocks(pulumi.runtime.Mocks):
    """Records registrations; answers with provider-shaped state.

    With ``prior`` (an earlier run's recorder) it applies ``ignore_changes`` the way the
    engine does: an ignored input takes its value from the prior state, and so does the
    output that echoes it. That is what decides whether a later update diffs.
    """

    def __init__(self, *, preview: bool = False, prior: RecordingMocks | None = None) -> None:
        self.resources: list[Recorded] = []
        self.preview = preview  # in a preview, computed outputs of new resources are unknown
        self.prior = {(r.typ, r.name): r for r in prior.resources} if prior else {}
        self.ignore: dict[tuple[str, str], list[str]] = {}
        self.bucket_regions: dict[str, str] = {}  # getBucket answers; default: asked region

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        old = self.prior.get((args.typ, args.name))
        for prop in self.ignore.get((args.typ, args.name), []):
            if old is not None and prop in old.inputs:
                inputs[prop] = old.inputs[prop]
        code = inputs.get("code") or inputs.get("source")
        path = getattr(code, "path", None)
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else None
        self.resources.append(Recorded(args.typ, args.name, inputs, digest))
        if self.preview:
            return f"{args.name}-id", inputs
        return f"{args.name}-id", {**inputs, **_state(args.typ, args.name, inputs)}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        if args.token == "aws:s3/getBucket:getBucket":
            name = args.args["bucket"]
            region = self.bucket_regions.get(name, args.args.get("region", "us-east-1"))
            return {"bucket": name, "bucketRegion": region, "region": region}
        return {}

    def of_type(self, token: str) -> list[Recorded]:
        return [r for r in self.resources if r.typ == token]


def _state(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    region = inputs.get("region", "us-east-1")
    if typ == "aws:lambda/layerVersion:LayerVersion":
        layer_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:layer:{inputs['layerName']}"
        return {"layerArn": layer_arn, "arn": f"{layer_arn}:1", "version": "1"}
    if typ == "aws:s3/bucket:Bucket":
        return {"bucket": f"{name}-0a1b2c3", "arn": f"arn:aws:s3:::{name}-0a1b2c3"}
    if typ == "aws:lambda/layerVersionPermission:LayerVersionPermission":
        return {"policy": "{}", "revisionId": "r1"}
    if typ == "command:local:Command":
        env = inputs.get("environment", {})
        names = [env.get("OCELOT_LAYER_NAME")]
        sharing = env.get("OCELOT_SHARING")
        return {"stdout": json.dumps({"layer_names": names, "sharing": sharing}), "stderr": ""}
    if typ == "aws:ssm/parameter:Parameter":
        return {"arn": f"arn:aws:ssm:{region}:{ACCOUNT}:parameter{inputs['name']}", "version": 1}
    return {}


@dataclass
class FakeBuilder:
    """Stands in for ``api.build_layers``: real deterministic zips and their manifests.

    The zip's bytes depend on the upstream ref (through a fake commit), the distribution's
    resolved build tags (read from the real distributions file) and the architecture, the
    same inputs that decide the real engine's output.
    """

    sizes: Mapping[str, int] = field(default_factory=dict)  # distribution → payload bytes
    collector_version: str = "v0.158.0"
    broken: frozenset[str] = frozenset()  # distributions whose boot check fails
    no_qemu: bool = False  # report arm64 boot checks as skipped, as the engine does
    calls: list[BuildRequest] = field(default_factory=list)

    def __call__(self, request: BuildRequest, progress: Callable[[str], None] | None = None):
        self.calls.append(request)
        dists = load_distributions(request.config_path).select(list(request.distributions))
        commit = request.upstream_ref  # a full commit resolves to itself, as upstream does
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            commit = hashlib.sha1(f"{request.upstream_repo}@{commit}".encode()).hexdigest()
        request.output_dir.mkdir(parents=True, exist_ok=True)
        artifacts = [
            self._one(request, dist.name, dist.tags, arch, commit)
            for dist in dists
            for arch in request.architectures
        ]
        for artifact in artifacts:
            if request.verify and artifact.distribution in self.broken:
                raise self._boot_failure(artifact)
            label = f"{artifact.distribution}/{artifact.architecture.value}"
            if request.verify and self.no_qemu and progress and label.endswith("arm64"):
                progress(
                    f"[   0.1s] {label}: boot check skipped no qemu-aarch64 on this amd64 host"
                )
            elif progress:
                progress(f"[   0.1s] {label}: cache hit")
        return artifacts

    @staticmethod
    def _boot_failure(artifact: LayerArtifact) -> VerifyError:
        """What the engine raises for a failed boot check: reason, error type, log lines."""
        label = f"{artifact.distribution}/{artifact.architecture.value}"
        return VerifyError(
            f"{label}: boot check failed: collector did not start"
            ' (error type: failed to start the collector: unknown type "clickhouse")',
            detail='{"level":"error","msg":"failed to build pipelines"}\n{"msg":"done"}',
        )

    def _one(self, request: BuildRequest, name: str, tags, arch: Architecture, commit: str):
        stem = f"{request.layer_name}-{name}-{arch.value}"
        zip_path = request.output_dir / f"{stem}.zip"
        binary = f"{commit}\n{name}\n{arch.value}\n{','.join(tags)}\n".encode()
        payload = random.Random(binary).randbytes(self.sizes.get(name, 0))
        write_zip(
            zip_path,
            {
                "collector-config/config.yaml": b"receivers: {}\n",
                "extensions/collector": binary + payload,
            },
        )
        manifest = manifest_for(request, name, arch, commit, tags, zip_path, self.collector_version)
        manifest_path = zip_path.with_suffix(".json")
        manifest.write(manifest_path)
        return LayerArtifact(name, arch, zip_path, manifest_path, manifest, cache_hit=False)


def write_zip(path: Path, files: Mapping[str, bytes]) -> None:
    """A byte-deterministic zip: sorted entries, fixed dates and modes, stored."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.create_system = 3
            mode = 0o755 if name.startswith("extensions/") else 0o644
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, files[name])


def manifest_for(request, name, arch, commit, tags, zip_path: Path, version: str) -> LayerManifest:
    """A manifest of the engine's type, with what a fake build can honestly say."""
    data = zip_path.read_bytes()
    components: dict[str, list[str]] = {
        k: [] for k in ("connector", "exporter", "extension", "processor", "receiver")
    }
    for tag in tags:
        kind, _, comp = tag.removeprefix("lambdacomponents.").partition(".")
        if kind in components and comp and comp != "all":
            components[kind].append(comp)
    return LayerManifest(
        layer_name=request.layer_name,
        distribution=name,
        description="",
        architecture=arch,
        upstream=Upstream(request.upstream_repo, request.upstream_ref, commit),
        collector_version=version,
        go_version="go1.26.6",
        build_tags=tuple(tags),
        go_replaces={},
        config_providers=None,  # a fake build links no providers it could name
        cold_start=None,
        components={k: tuple(sorted(v)) for k, v in components.items()},
        component_ids={},
        modules=(),
        config_sha256=hashlib.sha256(b"receivers: {}\n").hexdigest(),
        zip=LayerZip(zip_path.name, hashlib.sha256(data).hexdigest(), len(data)),
        unzipped_size=len(data),
        cache_key=hashlib.sha256(zip_path.name.encode() + commit.encode()).hexdigest(),
    )


@dataclass
class ProgramRun:
    """One program run under mocks: what it registered, exported and logged."""

    mocks: RecordingMocks
    result: StackResult | None
    output: dict[str, Any] | None
    logs: list[str]

    def names(self, token: str) -> list[str]:
        return sorted(r.name for r in self.mocks.of_type(token))

    def by_name(self, name: str) -> Recorded:
        """The custom resource called ``name`` (components share their child's name)."""
        (found,) = [r for r in self.mocks.resources if r.name == name and r.typ != COMPONENT]
        return found

    def inputs(self) -> dict[str, dict[str, Any]]:
        """Every custom resource's inputs by name, archives and assets compared by their
        bytes: two runs declare the same thing exactly when these are equal."""
        return {
            r.name: {k: r.archive_sha256 if hasattr(v, "path") else v for k, v in r.inputs.items()}
            for r in self.mocks.resources
            if r.typ != COMPONENT
        }


LAYER = "aws:lambda/layerVersion:LayerVersion"
PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
BUCKET = "aws:s3/bucket:Bucket"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
COMPONENT = "ocelot:index:CollectorLayer"
COMMAND = "command:local:Command"
PARAMETER = "aws:ssm/parameter:Parameter"


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__()
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{record.levelname.lower()}: {record.getMessage()}")


def run_program(
    raw: Mapping[str, Any],
    *,
    root: Path,
    builder: Callable[..., list[LayerArtifact]],
    preview: bool = False,
    on_mocks: Callable[[RecordingMocks], None] | None = None,
    prior: ProgramRun | None = None,
    mocks_type: type[RecordingMocks] = RecordingMocks,
) -> ProgramRun:
    """Parse ``raw`` config and run ``build_stack`` under fresh mocks; raises what it raises.

    ``on_mocks`` receives the recorder before the program runs, for tests of failing runs;
    ``prior`` is the run whose state this one updates (for ``ignore_changes``);
    ``mocks_type`` may create the resources somewhere (``moto_engine.MotoMocks``).
    """
    mocks = mocks_type(preview=preview, prior=prior.mocks if prior else None)
    if on_mocks:
        on_mocks(mocks)
    logs: list[str] = []
    logger = logging.getLogger(f"ocelot-test-{id(mocks)}")
    logger.addHandler(_ListHandler(logs))
    logger.setLevel(logging.INFO)
    logger.propagate = False
    pulumi.runtime.set_mocks(
        mocks,
        project="ocelot",
        stack="dev",
        organization="organization",  # what the engine says on a self-managed backend
        preview=preview,
        logger=logger,
        monitor=RecordingMonitor(mocks),
    )
    pulumi.runtime.set_all_config({k: _wire(v) for k, v in raw.items()})
    box: dict[str, Any] = {}

    @pulumi.runtime.test
    def program():
        config = parse_stack_config(pulumi.runtime.config.CONFIG.get(), root=root)
        box["result"] = build_stack(config, builder=builder, root=root)
        tree = box["result"].output
        return pulumi.Output.from_input(tree).apply(lambda v: box.setdefault("output", v))

    program()
    return ProgramRun(mocks, box.get("result"), box.get("output"), logs)


def _wire(value: Any) -> str:
    """Config as the engine passes it: strings, structured values JSON-encoded."""
    if isinstance(value, str):
        return value
    return json.dumps(value)
