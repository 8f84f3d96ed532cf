"""Where the check session runs: inside bubblewrap, or (only when asked) as a plain child.

The collector is untrusted code. With ``bwrap`` the whole session (emulator, sink,
collector) gets namespaces of its own: a network namespace with only loopback, a PID
namespace that the kernel empties when the session ends, no caller environment, and a
filesystem of public system directories (``/usr``, read-only), the Python that runs the
session (read-only), the unpacked layer (read-only, ``/opt``), a synthetic ``/etc`` and a
private, size-capped ``/tmp``; ``/``, ``/dev`` and ``/proc/sys`` are read-only. No home
directory, repository, cache, credentials or real ``/tmp``.

A root caller gets no user namespace (its uid 0 would still be the host's root inside):
the session keeps only CAP_SETUID and CAP_SETGID, to start the layer as ``LAYER_UID``, a
user that owns nothing and can signal nothing of ours, and CAP_KILL, to stop it. Other
callers get a user namespace (``--unshare-all``), and the layer runs as their uid. See
docs/verify.md.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import ocelot_build
from ocelot_build.core.budgets import MIB
from ocelot_build.verify.box import LAYER_UID

BWRAP_HINT = (
    "install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces, "
    "or pass --no-sandbox to run the layer without isolation"
)
SCRATCH_MB = 512  # the sandbox's /tmp, as on Lambda; memory-backed, so in the layer's limit
_ROOT_LINKS = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")
_SESSION = ["-s", "-B", "-m", "ocelot_build.verify.boot"]


@dataclass(frozen=True)
class Placement:
    """How to start the session, and the paths as the session sees them."""

    name: str  # "bwrap" or "none": the report's ``sandbox``
    argv: list[str]
    env: dict[str, str]
    layer_root: str
    scratch: str


def sandbox_problem() -> str | None:
    """Why the sandbox cannot run here (one line with the fix), or None if it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"sandbox unavailable: bwrap not found; {BWRAP_HINT}"
    return _probe(bwrap)


@functools.cache
def _probe(bwrap: str) -> str | None:
    argv = [bwrap, *_namespaces(), "--die-with-parent", *_system_binds(), "/usr/bin/true"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, env={})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"sandbox unavailable: {bwrap} did not run ({exc}); {BWRAP_HINT}"
    if proc.returncode == 0:
        return None
    why = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
    return f"sandbox unavailable: {why}; {BWRAP_HINT}"


def sandboxed(work: Path, launcher: list[str]) -> Placement:
    """The session inside bwrap; ``work`` holds the unpacked layer in ``work/opt``."""
    python = Path(sys.executable).resolve()
    etc = _synthetic_etc(work / "etc")
    binds = [
        *("--ro-bind", str(work / "opt"), "/opt"),
        *("--ro-bind", str(etc), "/etc"),
        *("--perms", "1777", "--size", str(SCRATCH_MB * MIB), "--tmpfs", "/tmp"),
    ]
    bound = [Path("/usr")]
    for path in [Path(sys.base_prefix).resolve(), python.parent, *map(Path, launcher)]:
        if not any(path.is_relative_to(b) for b in bound):
            binds += ["--ro-bind", str(path), str(path)]
            bound.append(path)
    pythonpath = ["/run/ocelot/src"]
    binds += ["--ro-bind", str(Path(ocelot_build.__file__).parent), "/run/ocelot/src/ocelot_build"]
    for i, site in enumerate(_site_dirs()):
        pythonpath.append(f"/run/ocelot/site{i}")
        binds += ["--ro-bind", site, pythonpath[-1]]
    argv = [
        shutil.which("bwrap") or "bwrap",
        *_namespaces(),
        *("--die-with-parent", "--new-session", "--hostname", "ocelot-verify"),
        *_system_binds(),
        *binds,
        *("--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp"),
        *("--", str(python), *_SESSION),
    ]
    return Placement("bwrap", argv, _env(":".join(pythonpath), "/tmp"), "/opt", "/tmp")


def layer_uid(placement: Placement) -> int | None:
    """Who the layer runs as: ``LAYER_UID`` in the sandbox of a root caller, else the
    caller (None; ``--no-sandbox`` means no isolation at all)."""
    return LAYER_UID if placement.name == "bwrap" and os.geteuid() == 0 else None


def _namespaces() -> list[str]:
    """Every namespace but the user one for root (see the module's docstring); capabilities
    dropped but for starting the layer as another user."""
    if os.geteuid() != 0:
        return ["--unshare-all", "--cap-drop", "ALL"]
    return [
        *("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"),
        *("--unshare-cgroup-try", "--cap-drop", "ALL"),
        *("--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_KILL"),
    ]


def unsandboxed(work: Path) -> Placement:
    """The session as a plain child process (``--no-sandbox``): clean environment, but the
    collector can read what the caller can read and reach any network."""
    scratch = work / "scratch"
    scratch.mkdir()
    pythonpath = str(Path(ocelot_build.__file__).parent.parent)
    argv = [sys.executable, *_SESSION]
    return Placement("none", argv, _env(pythonpath, str(scratch)), str(work / "opt"), str(scratch))


def _env(pythonpath: str, home: str) -> dict[str, str]:
    """The session's whole environment: nothing of the caller's."""
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": pythonpath,
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _system_binds() -> list[str]:
    """``/usr`` read-only, and the merged-/usr links (or directories) beside it."""
    args = ["--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
    args += ["--ro-bind", "/proc/sys", "/proc/sys"]  # host kernel settings: read-only
    for name in _ROOT_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", str(path.readlink()), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _site_dirs() -> list[str]:
    """The interpreter's site-packages (protobuf and the OTLP messages come from there)."""
    import site

    return [d for d in dict.fromkeys(site.getsitepackages()) if Path(d).is_dir()]


def _synthetic_etc(etc: Path) -> Path:
    """A minimal /etc: who the user is, localhost, and the loader cache (no host secrets)."""
    etc.mkdir()
    (etc / "passwd").write_text(
        "root:x:0:0:root:/tmp:/usr/sbin/nologin\n"
        f"nobody:x:{LAYER_UID}:{LAYER_UID}:nobody:/tmp:/usr/sbin/nologin\n"
    )
    (etc / "group").write_text(f"root:x:0:\nnogroup:x:{LAYER_UID}:\n")
    (etc / "hosts").write_text("127.0.0.1 localhost\n::1 localhost\n")
    (etc / "nsswitch.conf").write_text("passwd: files\ngroup: files\nhosts: files\n")
    cache = Path("/etc/ld.so.cache")
    if cache.is_file():
        shutil.copyfile(cache, etc / "ld.so.cache")
    return etc
