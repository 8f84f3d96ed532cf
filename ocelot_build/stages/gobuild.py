"""Compile the collector the way upstream's ``make build`` does, minus its pitfalls.

Same flags as upstream (``-trimpath``, ``-tags``, ``-ldflags "-s -w -X main.Version -X
main.GitHash"``, CGO off), but GOARCH is always explicit (upstream's Makefile silently
builds for the host when it is not given) and the result's ELF machine is checked.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ocelot_build.core import proc
from ocelot_build.core.errors import BuildError
from ocelot_build.core.files import temp_prefix
from ocelot_build.core.model import Architecture, elf_machine
from ocelot_build.core.toolchain import GoToolchain

XRAY_DISTRIBUTION = (
    "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/awsxrayexporter"
    ".collectorDistribution=opentelemetry-collector-lambda"
)
BINARY_NAME = "collector"
# The Go compiler's garbage collector at its default (GOGC=100) costs a cold build about a
# seventh of its CPU. At 400 a cold `minimal` build took 13% less CPU (297 -> 257 s) and 12%
# less wall time for the same bytes, at ~10% more peak memory per compile (docs/benchmarks.md).
# GOGC changes only when the compiler and linker collect, never what they write, so it is not
# part of the cache key; a GOGC the user exported wins.
COMPILER_GOGC = "400"


def ldflags(version: str, commit: str) -> str:
    return f"-s -w -X main.GitHash={commit} -X main.Version={version} -X {XRAY_DISTRIBUTION}"


def build_flags(tags: tuple[str, ...], version: str, commit: str) -> list[str]:
    """The ``go build`` arguments; part of the cache key, so keep them a pure function."""
    flags = ["build", "-trimpath", "-buildvcs=false"]
    if tags:
        flags += ["-tags", ",".join(tags)]
    return [*flags, "-ldflags", ldflags(version, commit)]


def go_env(
    go: GoToolchain, arch: Architecture, extra: dict[str, str] | None = None
) -> dict[str, str]:
    return go.env({"GOOS": "linux", "GOARCH": arch.go, "CGO_ENABLED": "0", **(extra or {})})


def go_build(
    collector_dir: Path,
    out_dir: Path,
    arch: Architecture,
    tags: tuple[str, ...],
    version: str,
    commit: str,
    go: GoToolchain,
    env: dict[str, str],
    *,
    verbose: bool = False,
) -> Path:
    """Build ``out_dir/collector`` for ``arch`` and check it really is that architecture."""
    out_dir.mkdir(parents=True, exist_ok=True)
    binary = out_dir / BINARY_NAME
    argv: list[str | Path] = [go.go, *build_flags(tags, version, commit), "-o", binary, "."]
    with go_work_dir(env) as work:
        proc.run(
            argv, cwd=collector_dir, env=compiler_env({**env, "GOTMPDIR": work}), verbose=verbose
        )
    check_elf(binary, arch)
    return binary


def go_work_dir(env: dict[str, str]) -> tempfile.TemporaryDirectory[str]:
    """A directory of ours for the go command's own work directory (``$WORK``, GOTMPDIR).
    Go removes its ``go-build*`` directory only when it exits normally; a build interrupted
    or killed would leave one in $TMPDIR each time. Ours goes with the build, or is swept
    later (``ocelot-tmp-``). Inside a GOTMPDIR the user set (if it is a directory), so a small
    /tmp stays unused. Measured: the same binary either way (-trimpath), so it is neither
    recorded nor in the cache key."""
    theirs = env.get("GOTMPDIR")
    parent = theirs if theirs and Path(theirs).is_dir() else None
    return tempfile.TemporaryDirectory(prefix=temp_prefix("go"), dir=parent)


def compiler_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the compiler's GOGC (``COMPILER_GOGC``) unless it already sets one."""
    return {"GOGC": COMPILER_GOGC, **env}


def check_elf(binary: Path, arch: Architecture) -> None:
    machine = elf_machine(binary)
    if machine != arch.elf_machine:
        raise BuildError(
            f"{binary} is not a linux/{arch.value} ELF binary "
            f"(e_machine {machine}, expected {arch.elf_machine})"
        )
