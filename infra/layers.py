"""``CollectorLayer``: one published layer version, its upload path and its sharing.

Retention. Every input of a LayerVersion forces a new version, and Pulumi's default
create-before-delete would then delete the old one, breaking every function whose next deploy
pins the old ARN. So the version is created with ``retain_on_delete=True``: the engine never
calls Delete, the old version stays in AWS and only leaves the state. ``skip_destroy=True``
would do the same from the provider side, but it is itself a ForceNew input, so adding it to
an existing stack would publish a new version of every layer; the resource option has no
such cost. Prune old versions deliberately (``aws lambda delete-layer-version``).

The LayerVersionPermission is retained too. A new version means a new ``version_number``, so
the permission is replaced as well, and deleting the old one would call
RemoveLayerVersionPermission on the *old* version: a retained version would silently stop
being shared. Its statement id names the sharing mode (``ocelot-public``,
``ocelot-org-<id>``) so a switch of mode adds a statement instead of colliding with the one
that stays.

Upload path. Lambda accepts at most 50 MiB in a direct upload; a bigger zip goes to S3 under a
content-addressed key (``layers/<sha256>.zip``) in a bucket of the layer's own region, and
only on that path ``source_code_hash`` is set (base64 sha256). With ``code=`` Pulumi hashes
the prebuilt, byte-deterministic zip itself, and a hand-set hash there is what caused
perpetual replacements in the past.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from ocelot_build.model import Architecture

DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024  # bytes; Lambda's zipped direct-upload limit
LICENSE_INFO = "Apache-2.0"  # the OpenTelemetry Collector's (and opentelemetry-lambda's) licence
GET_LAYER_VERSION = "lambda:GetLayerVersion"  # the only action AWS accepts on a layer policy


@dataclass(frozen=True)
class Sharing:
    """Who may use a layer version: every account, or one AWS Organization."""

    organization_id: str | None = None

    @property
    def statement_id(self) -> str:
        if self.organization_id:
            return f"ocelot-org-{self.organization_id}"
        return "ocelot-public"


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
    sharing: Sharing | None = None

    @property
    def via_s3(self) -> bool:
        return self.size > DIRECT_UPLOAD_LIMIT

    @property
    def s3_key(self) -> str:
        return f"layers/{self.sha256}.zip"

    @property
    def source_code_hash(self) -> str:
        return base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")


class CollectorLayer(pulumi.ComponentResource):
    """A LayerVersion (+ its S3 object when big) (+ its permission when shared)."""

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
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.arn = self.layer_version.arn
        self.layer_arn = self.layer_version.layer_arn
        self.version = self.layer_version.version.apply(int)
        self.permission = self._share(name, spec) if spec.sharing else None
        self.register_outputs({"arn": self.arn, "version": self.version})

    def _code(self, name: str, spec: LayerSpec, bucket: pulumi.Input[str] | None) -> dict:
        """``code=`` for a direct upload, or an S3 object and its coordinates."""
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
            opts=pulumi.ResourceOptions(parent=self),
        )
        return {
            "s3_bucket": self.s3_object.bucket,
            "s3_key": self.s3_object.key,
            "source_code_hash": spec.source_code_hash,
        }

    def _share(self, name: str, spec: LayerSpec) -> aws.lambda_.LayerVersionPermission:
        sharing = spec.sharing
        assert sharing is not None
        return aws.lambda_.LayerVersionPermission(
            f"{name}-share",
            layer_name=self.layer_version.layer_arn,
            version_number=self.version,
            principal="*",
            action=GET_LAYER_VERSION,
            statement_id=sharing.statement_id,
            organization_id=sharing.organization_id,
            region=spec.region,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
