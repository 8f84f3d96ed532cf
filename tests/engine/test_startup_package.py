"""Our start-up Go package (components/ocelotstartup) vets, passes its tests, and every
variant a layer can compile builds.

It uses the standard library only, so this needs no module cache or network: the files
are built as a command-line package with the project's Go, offline.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from standin.goenv import go_binary, go_environ

from ocelot_build.stages import startup


def _go(tmp_path: Path, gocache: Path, *args: str) -> None:
    done = subprocess.run(
        [str(go_binary()), *args],
        env=go_environ(tmp_path, None, gocache=gocache),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_startup_package_passes_go_vet_and_go_test(tmp_path, go_build_cache):
    files = [str(startup.GO_SOURCE), str(startup.GO_SOURCE.with_name("ocelotstartup_test.go"))]
    _go(tmp_path, go_build_cache, "vet", *files)
    _go(tmp_path, go_build_cache, "test", "-count=1", *files)


def test_each_generated_variant_compiles(tmp_path, go_build_cache):
    """A layer compiles the repository's file with its constant set: both values must
    build (a broken substitution would otherwise show only in a real upstream build)."""
    for cuts in (("gc-off",), ("sleep-wait",)):
        source = tmp_path / f"{cuts[0]}.go"
        source.write_text(startup.startup_source(cuts))
        _go(tmp_path, go_build_cache, "build", "-o", os.devnull, str(source))
