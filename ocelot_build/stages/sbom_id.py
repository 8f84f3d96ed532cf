"""What names an SBOM, without the CycloneDX library: its file suffix and the zip it says
it describes. Kept apart from ``stages.sbom`` (which imports cyclonedx, about 0.3 s) so a
cache hit, which only reads a stored SBOM, never imports the library that renders one."""

from __future__ import annotations

import json

SBOM_SUFFIX = ".cdx.json"
ZIP_SHA256_PROPERTY = "ocelot:layer:zip:sha256"


def sbom_zip_sha256(sbom: bytes) -> str | None:
    """The zip sha256 an SBOM says it describes; None when it is not one of ours."""
    try:
        props = json.loads(sbom)["metadata"]["component"]["properties"]
        return next(p["value"] for p in props if p["name"] == ZIP_SHA256_PROPERTY)
    except (ValueError, KeyError, TypeError, StopIteration):
        return None
