"""Names of the AWS layers and of the Pulumi resources that publish them.

Two different names matter, and they must not be confused:

* the **layer name** is what AWS shows and what consumers put in their ARNs. It carries the
  base name, the distribution, the architecture and the collector version, so a new collector
  release starts a new layer (version ``:1``) instead of bumping a shared counter; because
  every region gets the same name from the same content, the version numbers line up across
  regions, as upstream's ``opentelemetry-collector-<arch>-<x_y_z>`` layers do;
* the **resource name** is Pulumi's key in the state. It comes from stable data only
  (distribution, architecture, region) and never from a hash or a version: a new zip for the
  same slot is then a *replacement* of the same resource, which ``pulumi preview`` shows as
  such, not an unrelated create plus delete.
"""

from __future__ import annotations

import re

from ocelot_build.core.errors import ConfigError
from ocelot_build.core.model import Architecture
from ocelot_build.core.runtimes import layer_name_problem

MAX_DESCRIPTION = 256  # Lambda's Description limit
DESCRIPTION_PREFIX = "ocelot "  # how every version description starts (informative only)
_VERSION_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
# Room the stack config's layer-name check keeps for ``-<collector version>`` before the
# version is known: up to v9999.9999.9999 (today's ``-0_158_0`` takes 8 characters).
VERSION_RESERVE = "-9999_9999_9999"


def version_slug(collector_version: str) -> str:
    """``v0.158.0`` → ``0_158_0``: Lambda layer names allow no dots (upstream's spelling)."""
    text = collector_version.strip()
    text = text[1:] if text[:1] in "vV" else text
    return _VERSION_UNSAFE.sub("_", text)


def layer_name(
    base: str, distribution: str, architecture: Architecture, collector_version: str
) -> str:
    """The AWS layer name, e.g. ``ocel-minimal-arm64-0_158_0``.

    Raises ConfigError naming ``ocelot:layerName`` when the result breaks Lambda's rules, so
    the message points at the one key the user can shorten.
    """
    suffix = f"-{distribution}-{architecture.value}-{version_slug(collector_version)}"
    problem = layer_name_problem(base, suffix)
    if problem:
        raise ConfigError(f"ocelot:layerName: {problem}")
    return f"{family(base, distribution, architecture)}-{version_slug(collector_version)}"


def family(base: str, distribution: str, architecture: Architecture) -> str:
    """The layer name without its collector version, e.g. ``ocel-minimal-arm64``: what a
    stack owns in an account and region (``ocelot_build.publish.records``), known before
    upstream is fetched."""
    return f"{base}-{distribution}-{architecture.value}"


def resource_name(distribution: str, architecture: Architecture, region: str) -> str:
    """Pulumi resource name of one layer slot: ``<distribution>-<arch>-<region>``."""
    return f"{distribution}-{architecture.value}-{region}"


def description(
    distribution: str,
    architecture: Architecture,
    collector_version: str,
    upstream_commit: str,
    sha256: str,
) -> str:
    """The layer description: the only free-text metadata a layer version has (no tags).

    It names the distribution, collector version, the full upstream commit and a sha256
    prefix of the zip, so a version found in the console can be traced to its build. It is
    cut to Lambda's 256 characters; only an absurdly long distribution name gets near that.
    """
    text = (
        f"{DESCRIPTION_PREFIX}{distribution} ({architecture.lambda_name}):"
        f" otelcol {collector_version},"
        f" upstream commit {upstream_commit}, zip sha256 {sha256[:16]}"
    )
    return text[:MAX_DESCRIPTION]
