"""``CollectorLayer``: one published layer version, its upload, its sharing and its pointer.

Retention. Every input of a LayerVersion forces a new version, and Pulumi's default
create-before-delete would then delete the old one, breaking every function whose next deploy
pins the old ARN. So the version is created with ``retain_on_delete=True``: the engine never
calls Delete, the old version stays in AWS and only leaves the state. ``skip_destroy=True``
would do the same from the provider side, but it is itself a ForceNew input, so adding it to
an existing stack would publish a new version of every layer; the resource option has no
such cost. Old versions are pruned deliberately (``python -m ocelot_build.prune``).

Ownership. ``<slot>-owner`` (``/ocelot/<family>/owner``, ``ocelot_build.publish.records``)
names the stack that owns the slot's layer names in its region. The version depends on it,
and creating a parameter that exists fails, so a second stack can never publish into them.

Sharing. The current version's grants are state: one ``LayerVersionPermission``
``<slot>-share-<grantee>`` per grantee (ids ``ocelot-current-…``), shown by preview,
refreshed like any resource. They are ordinary, not retained: a new version replaces them,
and the replaced one's delete (which Pulumi runs at the end of the update) takes its
statement off the old version. By then the ``command.local.Command`` ``<slot>-sharing``,
which depends on the permissions, has given the old version the reconciler's own
``ocelot-<grantee>`` statements: it keeps every retained version the stack published in
line with the mode, and with ``--revoke`` on delete takes them all away. Its environment
holds the sharing token, the stack's name and the current version's ARN, so a new mode or
a new version is an update of it. The command line holds no path (the provider runs it in
the project directory), so moving the checkout changes nothing.

Upload. The inline path carries the zip base64-encoded in a JSON request, which Lambda caps
at ``REQUEST_LIMIT`` bytes; a zip goes inline only while its base64 form plus
``REQUEST_MARGIN`` for the rest of the request stays under that cap (``INLINE_LIMIT``
bytes, 49,154 less than 50 MiB), otherwise through S3 in the layer's region. On the S3 path
every LayerVersion input is ForceNew in pulumi-aws, ``s3_bucket`` included, so a bucket change
alone would publish a byte-identical version. Two rules stop that and keep replacement tied
to the bytes: the staged object ignores changes of its bucket (an existing slot keeps
staging in the bucket it started with), and the LayerVersion takes the bucket from the
object's *output*, which is that recorded bucket. Ignoring ``s3Bucket`` on the LayerVersion
itself would be wrong: a replacement reuses an ignored property's old value, so a later
new zip would be published from a stale bucket. The object key names everything the version
is made of (``layers/<layer name>/<zip sha256>-<inputs digest>.zip``), so any new version
uploads a fresh object, and the staging bucket may expire old ones. ``source_code_hash`` is
set only on this path; with ``code=`` Pulumi hashes the prebuilt, byte-deterministic zip itself.

Pointer. ``/ocelot/<layerName>/<distribution>/<arch>/latest`` (an SSM String parameter in
the layer's region, not retained: it moves with every new version) holds the latest version
ARN, for consumers that should not hard-code version numbers.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_command as command

from ocelot_build.core.model import Architecture
from ocelot_build.publish import naming
from ocelot_build.publish.reconcile import COMMAND as RECONCILE
from ocelot_build.publish.reconcile import REVOKE, command_environment
from ocelot_build.publish.records import owner_parameter
from ocelot_build.publish.sharing import ACTION, Sharing, permissions

LICENSE_INFO = "Apache-2.0"  # the OpenTelemetry Collector's (and opentelemetry-lambda's) licence
REQUEST_LIMIT = 69_905_067  # bytes; "Request must be smaller than 69905067 bytes" (Lambda)
REQUEST_MARGIN = 64 * 1024  # the request's JSON around the zip: names, description, runtimes


def inline_request_bytes(zip_size: int) -> int:
    """Size of the zip once base64-encoded into the PublishLayerVersion request body."""
    return 4 * -(-zip_size // 3)


def fits_inline(zip_size: int) -> bool:
    """The one upload rule: inline while base64 + margin stays under Lambda's request cap."""
    return inline_request_bytes(zip_size) + REQUEST_MARGIN < REQUEST_LIMIT


INLINE_LIMIT = 3 * ((REQUEST_LIMIT - 1 - REQUEST_MARGIN) // 4)  # the largest zip that fits
assert fits_inline(INLINE_LIMIT) and not fits_inline(INLINE_LIMIT + 1)


@dataclass(frozen=True)
class LayerSpec:
    """Everything known about one layer version before it is declared."""

    region: str
    distribution: str
    architecture: Architecture
    layer_name: str
    description: str
    zip_path: Path
    sha256: str  # hex
    size: int
    runtimes: tuple[str, ...] = ()
    sharing: Sharing = field(default_factory=Sharing)
    base_name: str = "ocel"  # ocelot:layerName, for the SSM parameter's path
    aws_profile: str | None = None  # aws:profile, for the sharing step's own AWS calls
    stack: str = "organization/ocelot/dev"  # the owning stack's fully qualified name

    @property
    def via_s3(self) -> bool:
        return not fits_inline(self.size)

    @property
    def s3_key(self) -> str:
        """Names the bytes and every other input, so each new version stages a fresh object."""
        inputs = [
            self.layer_name,
            self.description,
            sorted(self.runtimes),
            self.architecture.lambda_name,
            LICENSE_INFO,
        ]
        digest = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:16]
        return f"layers/{self.layer_name}/{self.sha256}-{digest}.zip"

    @property
    def source_code_hash(self) -> str:
        return base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

    @property
    def owner_parameter(self) -> str:
        return owner_parameter(naming.family(self.base_name, self.distribution, self.architecture))

    @property
    def ssm_parameter(self) -> str:
        return f"/ocelot/{self.base_name}/{self.distribution}/{self.architecture.value}/latest"


class CollectorLayer(pulumi.ComponentResource):
    """A LayerVersion (+ its staged object when big), its sharing command, its SSM pointer."""

    arn: pulumi.Output[str]
    layer_arn: pulumi.Output[str]
    version: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        spec: LayerSpec,
        *,
        bucket: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("ocelot:index:CollectorLayer", name, None, opts)
        self.spec = spec
        self.owner = aws.ssm.Parameter(
            f"{name}-owner",
            name=spec.owner_parameter,
            type="String",
            insecure_value=spec.stack,
            description=f"The stack that owns the ocelot layer names {spec.owner_parameter}",
            region=spec.region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        code = self._code(name, spec, bucket)
        self.layer_version = aws.lambda_.LayerVersion(
            name,
            layer_name=spec.layer_name,
            compatible_architectures=[spec.architecture.lambda_name],
            compatible_runtimes=list(spec.runtimes) or None,
            description=spec.description,
            license_info=LICENSE_INFO,
            region=spec.region,
            **code,
            opts=pulumi.ResourceOptions(
                parent=self, retain_on_delete=True, depends_on=[self.owner]
            ),
        )
        self.arn = self.layer_version.arn
        self.layer_arn = self.layer_version.layer_arn
        self.version = self.layer_version.version.apply(int)
        self.permissions = [
            aws.lambda_.LayerVersionPermission(
                f"{name}-{suffix}",
                layer_name=spec.layer_name,
                version_number=self.version,
                statement_id=statement.sid,
                action=ACTION,
                principal=statement.principal,
                organization_id=statement.organization_id,
                region=spec.region,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for suffix, statement in permissions(spec.sharing).items()
        ]
        self.sharing = self._share(name, spec)
        self.latest = aws.ssm.Parameter(
            f"{name}-latest",
            name=spec.ssm_parameter,
            type="String",
            insecure_value=self.arn,  # an ARN is no secret; previews show it move
            description=f"Latest version ARN of the ocelot layer {spec.layer_name}",
            region=spec.region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"arn": self.arn, "version": self.version})

    def _code(self, name: str, spec: LayerSpec, bucket: pulumi.Input[str] | None) -> dict[str, Any]:
        """``code=`` for an inline upload, or a staged object and its coordinates."""
        if not spec.via_s3:
            return {"code": pulumi.FileArchive(str(spec.zip_path))}
        if bucket is None:
            raise ValueError(f"{name}: a {spec.size}-byte zip needs an S3 bucket in {spec.region}")
        self.s3_object = aws.s3.BucketObjectv2(
            f"{name}-zip",
            bucket=bucket,
            key=spec.s3_key,
            source=pulumi.FileAsset(str(spec.zip_path)),
            region=spec.region,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["bucket"]),
        )
        return {
            "s3_bucket": self.s3_object.bucket,  # the recorded bucket, not the configured one
            "s3_key": self.s3_object.key,
            "source_code_hash": spec.source_code_hash,
        }

    def _share(self, name: str, spec: LayerSpec) -> command.local.Command:
        """The reconciler for this slot: runs when the mode or the version changes."""
        return command.local.Command(
            f"{name}-sharing",
            create=RECONCILE,
            update=RECONCILE,
            delete=REVOKE,
            environment=command_environment(
                spec.layer_name, spec.sharing, spec.region, self.arn, spec.stack, spec.aws_profile
            ),
            add_previous_output_in_env=True,
            logging=command.local.Logging.STDERR,  # the per-version lines, not the JSON record
            # after the current version's grants exist (an old version is never left bare)
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.permissions, self.owner]),
        )
