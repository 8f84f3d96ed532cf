"""The one way ocelot runs git and go: explicit environment, streamed with -v, failures
carry the command and the tool's last lines."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from ocelot_build.core.errors import BuildError, ToolMissingError

TAIL_LINES = 30
_LIVE: set[subprocess.Popen[bytes]] = set()  # commands running now, in any thread
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()  # set by stop_all: no command may start or keep running
_USAGE = threading.local()  # per thread: CPU seconds of the commands it has run
# userinfo in a URL (https://user:token@host/...): never echoed, logged or recorded
_USERINFO = re.compile(r"(?<=://)[^/\s@]+@")


def redact(text: str) -> str:
    """``text`` with the credentials of any URL in it replaced by ``***``."""
    return _USERINFO.sub("***@", text)


# Variables that would point git at another repository or index than the one we name.
_GIT_LEAKS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "GIT_PREFIX",
)


def pulumi_install() -> str:
    """How to install the Pulumi CLI at the SDK's version, the one pyproject.toml pins (and
    docs/publishing.md names): one pin for the SDK and the CLI."""
    try:
        pinned = f" -s -- --version {importlib.metadata.version('pulumi')}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - the SDK is a dependency
        pinned = ""
    return f"install it (curl -fsSL https://get.pulumi.com | sh{pinned})"


def require_pulumi(alternative: str) -> str:
    """The pulumi CLI's path, or ToolMissingError (exit 2): how to install it, or ``alternative``
    (what the user can do without it). The one wording for every command that needs it."""
    found = shutil.which("pulumi")
    if found is None:
        raise ToolMissingError(f"pulumi CLI not found; {pulumi_install()} or {alternative}")
    return found


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without variables that redirect git, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LEAKS}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never hang on a credentials prompt
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    verbose: bool = False,
    stdin: bytes | None = None,
) -> str:
    """``run_bytes``, decoded as UTF-8 (bad bytes replaced): git and go print text."""
    out = run_bytes(argv, cwd=cwd, env=env, verbose=verbose, stdin=stdin)
    return out.decode("utf-8", "replace")


def run_bytes(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    verbose: bool = False,
    stdin: bytes | None = None,
) -> bytes:
    """Run a command and return its stdout; raise BuildError with its output tail on failure.

    With ``verbose`` the command line and every output line go to stderr as they come,
    so long ``go`` runs show life. Without it, output is kept and shown only on failure.
    """
    args = [str(a) for a in argv]
    if verbose:
        print(f"+ {redact(shlex.join(args))}", file=sys.stderr, flush=True)
    try:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else clean_env(),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError:
        raise ToolMissingError(f"{args[0]} not found on PATH; install it and retry") from None
    with _LIVE_LOCK:
        _LIVE.add(proc)
    if _STOPPING.is_set():  # the run was interrupted while this one started
        proc.kill()
    try:
        out, stderr = _collect(proc, stdin, verbose)
    except BaseException:  # Ctrl-C or a failure elsewhere: never leave go or git running
        proc.kill()
        proc.wait()
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    if proc.returncode != 0:
        tool = Path(args[0]).name
        output = stderr + out.decode("utf-8", "replace")
        raise BuildError(
            f"{tool} failed (exit {proc.returncode}): {redact(shlex.join(args))}"
            + next_step(tool, output),
            detail=redact(tail(output)),
        )
    return out


# What a failing git or go said → what the user can do about it (one clause, or nothing).
_GIT_UNREACHABLE = (  # most telling first
    "Could not resolve host",
    "Failed to connect",
    "Connection refused",
    "Connection timed out",
    "Repository not found",
    "Could not read from remote repository",
    "unable to access",
)
_PROXY_REFUSED = re.compile(
    r"(?P<module>[^\s:]+)@(?P<version>[^\s:]+): (?:reading|verifying) \S+: "
    r"(?P<status>(?:403|404|410)\b[^\n]*)",
    re.IGNORECASE,
)
GO_REPLACES_DOC = "docs/components.md#replacing-go-modules-go-replaces"


def next_step(tool: str, output: str) -> str:
    """``; <what to do>`` for failures a user can fix without reading Go's or git's output:
    an upstream that cannot be reached, a module version the Go proxy refuses."""
    reason = next((r for r in _GIT_UNREACHABLE if r in output), None) if tool == "git" else None
    if reason:
        return (
            f"; the upstream cannot be reached ({reason}): pass -r <local path or "
            "mirror> (a clone of opentelemetry-lambda; ocelot:upstreamRepo in a stack), or "
            "check the network and the URL"
        )
    if tool == "go" and (found := _PROXY_REFUSED.search(output)):
        module, version = found.group("module"), found.group("version")
        return (
            f"; the Go proxy refused {module}@{version} ({found.group('status').strip()}): "
            "pin a version it serves in your distributions file (-c; a copy of config/ keeps "
            "the shipped names), as YAML "
            f"'go-replaces: {{{module}: {module}@<version>}}' (see {GO_REPLACES_DOC})"
        )
    return ""


def _collect(
    proc: subprocess.Popen[bytes], stdin: bytes | None, verbose: bool
) -> tuple[bytes, str]:
    """Wait for the process; return its stdout and its stderr (streamed when verbose).

    Pipes are drained by threads and the process is reaped with ``wait4``, which (unlike
    ``communicate``) also returns its CPU time, with that of the tools it waited for (go's
    compiles and links): ``child_cpu`` adds it up per thread.
    """
    assert proc.stdout is not None and proc.stderr is not None
    err = _Echo(proc.stderr, echo=verbose)
    out = _Echo(proc.stdout, echo=False)
    if proc.stdin is not None and stdin is not None:
        feed = proc.stdin  # fed from a thread: a big stdout must not block our write
        threading.Thread(target=_feed, args=(feed, stdin), daemon=True).start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    _USAGE.seconds = child_cpu() + usage.ru_utime + usage.ru_stime
    out.join()
    return b"".join(out.chunks), err.join()


def child_cpu() -> float:
    """CPU seconds (user + system) of every command this thread has run so far: a stage
    measures its commands' share by the difference."""
    return float(getattr(_USAGE, "seconds", 0.0))


def stop_all() -> None:
    """Kill every command still running, and any started until ``resume``. A parallel
    build runs its commands in worker threads, and Ctrl-C or SIGTERM reaches only the main
    thread: it calls this, so no go or git outlives the run, then waits for the workers."""
    _STOPPING.set()
    with _LIVE_LOCK:
        running = list(_LIVE)
    for child in running:  # os.kill, not Popen.kill: its poll() could reap the worker's child
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)


def resume() -> None:
    """Commands may run again (the interrupted workers have all returned)."""
    _STOPPING.clear()


def _feed(stream: IO[bytes], data: bytes) -> None:
    with stream:
        stream.write(data)


class _Echo(threading.Thread):
    """Drains one of a child's pipes, keeping what it read (for the result or the error
    tail); with ``echo``, also copies it to our stderr line by line as it comes (go and git
    report progress there)."""

    def __init__(self, stream: IO[bytes], *, echo: bool) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.echo = echo
        self.chunks: list[bytes] = []
        self.start()

    def run(self) -> None:
        with self.stream:
            if not self.echo:
                self.chunks.append(self.stream.read())
                return
            for raw in iter(self.stream.readline, b""):
                self.chunks.append(raw)
                sys.stderr.write(raw.decode("utf-8", "replace"))
                sys.stderr.flush()

    def join(self, timeout: float | None = None) -> str:  # type: ignore[override]
        super().join(timeout)
        return b"".join(self.chunks).decode("utf-8", "replace")


def tail(text: str, lines: int = TAIL_LINES) -> str:
    """The last ``lines`` non-empty lines of a tool's output."""
    kept: deque[str] = deque(maxlen=lines)
    for line in text.splitlines():
        if line.strip():
            kept.append(line)
    return "\n".join(kept)
