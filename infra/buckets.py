"""The per-region bucket that stages zips too big for an inline upload.

Lambda reads a layer's zip from S3 only at publish time (it keeps its own copy), so the
bucket holds nothing anyone needs afterwards. The one the program creates is locked down
accordingly: every public-access block on, a policy that refuses plain HTTP, and a lifecycle
rule that expires staged zips after ``EXPIRE_DAYS`` days (and abandoned multipart uploads
after one). A bucket named in ``ocelot:s3Buckets`` is the user's: it is only checked to be
in the layer's region, because Lambda refuses a bucket in another region.

The created bucket and its settings are retained when the program stops declaring them
(e.g. ``s3Buckets`` now names a bucket for that region): existing slots keep staging in the
bucket they started with (``infra.layers``), so deleting it would break their next publish.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ocelot_build.core.errors import ConfigError

STAGING_PREFIX = "layers/"
EXPIRE_DAYS = 7  # a staged zip is read once, at publish; a week leaves room for a retry


def created_bucket(region: str) -> pulumi.Output[str]:
    """A private, TLS-only, self-cleaning staging bucket in ``region``; its name."""
    name = f"ocelot-layers-{region}"
    bucket = aws.s3.Bucket(name, region=region, opts=pulumi.ResourceOptions(retain_on_delete=True))
    child = pulumi.ResourceOptions(parent=bucket, retain_on_delete=True)
    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-private",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        region=region,
        opts=child,
    )
    aws.s3.BucketPolicy(
        f"{name}-tls-only",
        bucket=bucket.id,
        policy=bucket.arn.apply(tls_only_policy),
        region=region,
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[block], retain_on_delete=True),
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-expiry",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-staged-layer-zips",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=STAGING_PREFIX),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=EXPIRE_DAYS),
                abort_incomplete_multipart_upload=(
                    aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    )
                ),
            )
        ],
        region=region,
        opts=child,
    )
    return bucket.bucket


def tls_only_policy(bucket_arn: str) -> str:
    """Deny every request to the bucket and its objects that does not use TLS."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyPlainHttp",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
        sort_keys=True,
    )


def check_bucket_region(bucket: str, region: str) -> None:
    """A configured bucket must be in the layer's region; ConfigError naming both if not."""
    found = aws.s3.get_bucket(bucket=bucket, region=region).bucket_region
    if found and found != region:
        raise ConfigError(
            f"ocelot:s3Buckets: bucket {bucket!r} is in {found}, but the layers it stages"
            f" are published in {region}; Lambda reads a layer's zip only from a bucket in"
            " the layer's own region"
        )
