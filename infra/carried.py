"""Boot checks carried from the build job to the deploy job, matched by zip sha256.

The publish workflow's deploy jobs hold cloud credentials, so they never execute a layer
binary: the build jobs (no credentials) boot-check each layer and upload its manifest, and
the deploy jobs point ``OCELOT_CARRIED_CHECKS`` at those manifests. The program then builds
(from the cache) without booting anything and requires, for every layer it declares, a
carried manifest whose zip sha256 is the layer's and whose boot check passed. A zip without
one (different bytes, a failed or skipped check) stops the program before any resource is
registered.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ocelot_build.api import LayerArtifact
from ocelot_build.core.errors import UsageError, VerifyError

ENV = "OCELOT_CARRIED_CHECKS"


def carried_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The directory of carried manifests, when this run is a deploy job's."""
    value = environ.get(ENV, "").strip()
    if not value:
        return None
    path = Path(value)
    if not path.is_dir():
        raise UsageError(f"{ENV}={value} is not a directory of layer manifests")
    return path


def passed_checks(directory: Path) -> dict[str, str]:
    """zip sha256 → the boot check's status, from every manifest in ``directory``."""
    found: dict[str, str] = {}
    for path in sorted(directory.rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("zip"), dict):
            continue  # an SBOM or another file: not a layer manifest
        status = (data.get("verify") or {}).get("status", "not run")
        sha = str(data["zip"].get("sha256", ""))
        if found.get(sha) != "passed":
            found[sha] = str(status)
    return found


def check_carried(artifacts: Sequence[LayerArtifact], directory: Path) -> None:
    """VerifyError (exit 1) naming every layer without a passed check for its exact bytes."""
    checks = passed_checks(directory)
    missing = []
    for artifact in artifacts:
        status = checks.get(artifact.sha256)
        if status != "passed":
            label = f"{artifact.distribution}/{artifact.architecture.value}"
            why = f"its check {status}" if status else "no check carried for these bytes"
            missing.append(f"{label} (zip sha256 {artifact.sha256[:12]}: {why})")
    if missing:
        raise VerifyError(
            f"no passed boot check carried in {directory} for {'; '.join(missing)}; "
            "the deploy job never boots a layer itself, so build and check it in the build job"
        )
