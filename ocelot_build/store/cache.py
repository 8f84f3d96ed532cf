"""The ocelot cache: upstream mirrors and content-addressed layers.

Layout under the root (``$OCELOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/ocelot``, else
``~/.cache/ocelot``)::

    CACHEDIR.TAG
    repos/<url-hash>/          bare mirror of one upstream repository
    trees/<commit>/collector/  the clean upstream tree of one commit, shared by all builds
    layers/<key[:2]>/<key>/    layer.zip + build.json + sbom.cdx.json, written once
    verify/<key>.json          a passed boot check, keyed by the zip's bytes and its setup
    yaml/<sha256>.marshal      the parsed form of a large distributions file (core.yamlio)
    locks/                     one lock file per repository and per layer key

Every kind of entry is laid out here and nowhere else; ``python -m ocelot_build.cache info``
shows their sizes and ``prune --older-than DAYS`` removes those unused for that long
(``ocelot_build.store.housekeeping``). Serving an entry marks it used (its mtime).

Entries appear by an atomic directory rename, so an interrupted build leaves at most a
``tmp-*`` directory (swept later), never a half-written entry. A per-key lock makes a second
concurrent build of the same layer wait and then take the first one's result.

A hit is served only after the zip's sha256 is recomputed and matches the entry's record
(about 1.2 ms per MiB, 11-25 ms per real layer: docs/benchmarks.md): a flipped byte or an unreadable
``build.json`` evicts the entry with a warning and the layer is rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocelot_build.core.errors import UsageError
from ocelot_build.core.files import atomic_write_bytes, sweep_stale, write_json

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ocelot.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
SBOM_FILE = "sbom.cdx.json"
# What compose_manifest reads from an entry's build.json; an entry without them is evicted.
REQUIRED_FACTS = (
    "collector_version",
    "go_version",
    "commit",
    "build_tags",
    "components",
    "component_ids",
    "modules",
    "config_sha256",
    "zip",
    "unzipped_size",
    "cache_key",
)


def cache_root() -> Path:
    """Where the cache lives, by the documented order of precedence."""
    explicit = os.environ.get("OCELOT_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "ocelot"
    return Path.home() / ".cache" / "ocelot"


def yaml_memo() -> Path:
    """Where every command keeps large distributions files' parsed form (one parse each)."""
    return cache_root() / "yaml"


def digest(value: Any) -> str:
    """sha256 of a JSON-serialisable value in canonical form."""
    blob = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def _stderr_warning(message: str) -> None:
    print(f"ocelot: warning: {message}", file=sys.stderr, flush=True)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class LayerEntry:
    """A cached layer: its zip and the build facts recorded when it was made."""

    key: str
    zip_path: Path
    facts: dict[str, Any]
    built_here: bool = False  # False: served from the cache (or built by another process)

    @property
    def sbom_path(self) -> Path:
        """The layer's CycloneDX SBOM (absent in entries made before SBOMs existed)."""
        return self.zip_path.parent / SBOM_FILE


class Cache:
    def __init__(
        self,
        root: Path | None = None,
        layers_root: Path | None = None,
        warn: Callable[[str], None] = _stderr_warning,
    ) -> None:
        self.root = root or cache_root()
        # --no-cache points layers at a throwaway directory; mirrors stay shared
        self.layers_root = layers_root or self.root / "layers"
        self.warn = warn

    def ensure(self) -> Path:
        """Create the layout; an uncreatable cache is bad input (exit 2), named once.
        ``layers/`` appears with its first entry: a dry run only fetches the mirror."""
        try:
            for sub in ("repos", "locks"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
            tag = self.root / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(CACHEDIR_TAG)
        except OSError as exc:
            raise UsageError(
                f"cache directory {self.root} cannot be created ({exc.strerror}); "
                "set OCELOT_CACHE_DIR to a writable directory"
            ) from None
        return self.root

    def writable(self) -> bool:
        """False for a read-only cache, which can still serve hits."""
        return os.access(self.layers_root if self.layers_root.exists() else self.root, os.W_OK)

    @contextlib.contextmanager
    def lock(self, name: str, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """An exclusive inter-process lock, released when the block exits (or we die).

        ``on_wait`` is called once if another process holds it (so a user knows why nothing
        moves). A read-only cache needs none: nobody can write to it.
        """
        self.ensure()
        try:
            handle = (self.root / "locks" / f"{name}.lock").open("a")
        except OSError:
            if os.access(self.root / "locks", os.W_OK):
                raise
            yield
            return
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None:
                    on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def tree_dir(self, commit: str) -> Path:
        """A clean, never-modified ``collector/`` tree of one upstream commit."""
        return self.root / "trees" / commit

    def repo_dir(self, url: str) -> Path:
        return self.root / "repos" / hashlib.sha256(url.encode()).hexdigest()[:20]

    def _layer_dir(self, key: str) -> Path:
        return self.layers_root / key[:2] / key

    def get(self, key: str) -> LayerEntry | None:
        """The entry for ``key`` if its zip still has the recorded sha256, else None.

        A damaged entry (bytes changed on disk, ``build.json`` unreadable or incomplete) is
        evicted with a warning, so the caller rebuilds it instead of serving it or failing
        on it forever.
        """
        entry = self._layer_dir(key)
        if not entry.exists():
            return None
        facts, problem = _read_sound(entry, key)
        if facts is not None:
            self.touch(entry)
            return LayerEntry(key, entry / "layer.zip", facts)
        self.warn(f"cache entry {key[:12]} {problem}: evicting it and rebuilding")
        self._evict(entry)
        return None

    def recall_verify(self, key: str) -> dict[str, Any] | None:
        """A passed boot check remembered under ``key``, or None."""
        path = self.root / "verify" / f"{key}.json"
        try:
            found = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        self.touch(path)
        return found if isinstance(found, dict) else None

    def remember_verify(self, key: str, result: dict[str, Any]) -> None:
        """Remember a passed boot check; a read-only cache just does not remember."""
        with contextlib.suppress(OSError):
            (self.root / "verify").mkdir(parents=True, exist_ok=True)
            write_json(self.root / "verify" / f"{key}.json", result)

    @staticmethod
    def touch(path: Path) -> None:
        """Mark an entry used now (what ``prune --older-than`` goes by)."""
        with contextlib.suppress(OSError):
            os.utime(path)

    def has(self, key: str) -> bool:
        """Whether ``get`` would serve ``key``, without evicting anything (dry runs)."""
        entry = self._layer_dir(key)
        return entry.exists() and _read_sound(entry, key)[0] is not None

    def _evict(self, entry: Path) -> None:
        """Move the entry aside (atomic), then delete it; a read-only cache keeps it."""
        doomed = entry.parent / f"tmp-evict-{entry.name}-{os.getpid()}"
        try:
            os.rename(entry, doomed)
        except OSError:
            return
        shutil.rmtree(doomed, ignore_errors=True)

    def put(self, key: str, zip_path: Path, facts: dict[str, Any], sbom: bytes) -> LayerEntry:
        """Move a finished zip and its SBOM into the cache atomically; an existing entry
        wins."""
        final = self._layer_dir(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="tmp-", dir=final.parent))
        try:
            shutil.copyfile(zip_path, staging / "layer.zip")
            (staging / "build.json").write_text(json.dumps(facts, indent=2, sort_keys=True))
            (staging / SBOM_FILE).write_bytes(sbom)
            try:
                os.rename(staging, final)
            except OSError:  # someone else finished first: keep theirs if it is sound
                theirs = self.get(key)
                if theirs is not None:
                    shutil.rmtree(staging, ignore_errors=True)
                    return theirs
                os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return LayerEntry(key, final / "layer.zip", facts, built_here=True)

    @staticmethod
    def add_sbom(entry: LayerEntry, sbom: bytes) -> bool:
        """Give an entry made before SBOMs its SBOM (derived from its zip, so adding it
        changes nothing the entry already promised). False when the cache is read-only."""
        try:
            atomic_write_bytes(entry.sbom_path, sbom)
        except OSError:
            return False
        return True

    def sweep(self) -> None:
        """Remove staging directories (entries, extracted trees, clones) that runs killed
        long ago left behind; everything under these names in the cache is ours."""
        for parent, pattern in (
            (self.root, "tmp-*"),
            (self.root / "repos", "clone-*"),
            (self.layers_root, "*/tmp-*"),
        ):
            sweep_stale(parent, pattern, name=None)


def _read_sound(entry: Path, key: str) -> tuple[dict[str, Any] | None, str]:
    """An entry's facts when its zip matches its record, else None and why not."""
    try:
        facts = json.loads((entry / "build.json").read_text())
    except (OSError, ValueError):
        return None, "has an unreadable build.json"
    if not isinstance(facts, dict) or any(k not in facts for k in REQUIRED_FACTS):
        return None, "has an incomplete build.json"
    recorded = facts["zip"].get("sha256") if isinstance(facts["zip"], dict) else None
    if facts["cache_key"] != key or not isinstance(recorded, str):
        return None, "has a build.json that does not describe it"
    try:
        actual = file_sha256(entry / "layer.zip")
    except OSError:
        return None, "has no readable layer.zip"
    if actual != recorded:
        return None, f"changed on disk (zip sha256 {actual[:12]}, recorded {recorded[:12]})"
    return facts, ""
