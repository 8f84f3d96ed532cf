"""Boot check for collector layers: run ``extensions/collector`` against a local Lambda.

Public API (used by the build CLI and the Pulumi program):

- ``verify_layer(zip_path, *, architecture=None, components=None, timeout=30.0, log=None,
  budgets=None) -> VerifyReport``
- ``VerifyReport`` (``to_dict()`` is the manifest's ``verify`` field)
- ``write_report_to_manifest(manifest_path, report)`` and ``manifest_path_for(zip_path)``

See docs/verify.md for what is checked and why.

May import: `core` (the boot check knows nothing of how a layer was built).

``verify_layer`` is imported on first use: the boot check pulls in protobuf and the OTLP
messages, which every command that only reads a rule of ``verify.box`` (the build's
``memory-mb``) would otherwise pay for at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocelot_build.verify.report import (
    FAILED,
    PASSED,
    SKIPPED,
    VerifyReport,
    manifest_path_for,
    write_report_to_manifest,
)

__all__ = [
    "FAILED",
    "PASSED",
    "SKIPPED",
    "VerifyReport",
    "manifest_path_for",
    "verify_layer",
    "write_report_to_manifest",
]

if TYPE_CHECKING:
    from ocelot_build.verify.check import verify_layer


def __getattr__(name: str) -> Any:
    """The lazily imported part of the API (PEP 562)."""
    if name == "verify_layer":
        from ocelot_build.verify.check import verify_layer

        return verify_layer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
