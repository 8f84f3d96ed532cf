"""``python -m ocelot_build.cache info | prune``: what the cache holds, and removing what has
not been used for a while.

Every kind of entry the cache lays out is listed in ``KINDS``; an entry's last use is its
mtime (or its newest top-level child's, which is what ``git fetch`` updates in a mirror),
and the cache marks an entry used each time it serves one. ``prune`` is a dry run unless
``--apply``; it never touches ``locks/`` or the cache's own ``CACHEDIR.TAG``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocelot_build.core.errors import OptionParser, UsageError, command_main
from ocelot_build.store.cache import Cache

MIB = 1024 * 1024
DAY = 24 * 3600


@dataclass(frozen=True)
class Entry:
    kind: str
    path: Path
    size: int
    last_used: float


def _repos(root: Path) -> Iterator[Path]:
    yield from (p for p in root.glob("repos/*") if p.is_dir())


def _trees(root: Path) -> Iterator[Path]:
    yield from (p for p in root.glob("trees/*") if not p.name.startswith("tmp-"))


def _layers(root: Path) -> Iterator[Path]:
    yield from (p for p in root.glob("layers/??/*") if not p.name.startswith("tmp-"))


def _verify(root: Path) -> Iterator[Path]:
    yield from root.glob("verify/*.json")


def _yaml(root: Path) -> Iterator[Path]:
    yield from root.glob("yaml/*.marshal")


KINDS = {"repos": _repos, "trees": _trees, "layers": _layers, "verify": _verify, "yaml": _yaml}


def entries(cache: Cache) -> list[Entry]:
    """Every entry of every kind, oldest use first."""
    found = [
        Entry(kind, path, _size(path), _last_used(path))
        for kind, listing in KINDS.items()
        for path in listing(cache.root)
    ]
    return sorted(found, key=lambda e: (e.last_used, str(e.path)))


def _size(path: Path) -> int:
    if not path.is_dir():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def _last_used(path: Path) -> float:
    times = [path.stat().st_mtime]
    if path.is_dir():
        times += [p.lstat().st_mtime for p in path.iterdir()]
    return max(times)


def info(cache: Cache) -> str:
    """One row per kind: entries and bytes; then the total."""
    found = entries(cache)
    rows = [f"cache {cache.root}", f"{'kind':8}{'entries':>9}{'size':>13}"]
    for kind in KINDS:
        mine = [e for e in found if e.kind == kind]
        rows.append(f"{kind:8}{len(mine):>9}{_mib(sum(e.size for e in mine)):>13}")
    rows.append(f"{'total':8}{len(found):>9}{_mib(sum(e.size for e in found)):>13}")
    return "\n".join(rows)


def prune(cache: Cache, older_than_days: float, apply: bool, now: float | None = None) -> str:
    """Remove (with ``apply``) or list the entries unused for ``older_than_days``."""
    cutoff = (now or time.time()) - older_than_days * DAY
    doomed = [e for e in entries(cache) if e.last_used < cutoff]
    verb = "removed" if apply else "would remove"
    lines = [f"{verb} {e.kind}/{e.path.name} ({_mib(e.size)})" for e in doomed]
    if apply:
        for entry in doomed:
            _remove(entry.path)
    total = _mib(sum(e.size for e in doomed))
    tail = "" if apply else "; dry run: pass --apply to remove them"
    lines.append(f"{verb} {len(doomed)} entries unused for {older_than_days:g} days, {total}{tail}")
    return "\n".join(lines)


def _remove(path: Path) -> None:
    """Rename aside first (atomic, so no build sees half an entry), then delete."""
    aside = path.with_name(f"tmp-prune-{path.name}-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        os.rename(path, aside)
        if aside.is_dir():
            shutil.rmtree(aside)
        else:
            aside.unlink()


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


def parser() -> argparse.ArgumentParser:
    p = OptionParser(
        prog="python -m ocelot_build.cache",
        description="What the cache holds (info), and removing entries not used for a while "
        "(prune; a dry run unless --apply).",
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="sizes per kind: repos, trees, layers, verify, yaml")
    pr = sub.add_parser("prune", help="remove entries unused for DAYS (dry run by default)")
    pr.add_argument(
        "--older-than",
        type=float,
        required=True,
        metavar="DAYS",
        help="entries whose last use is more than DAYS days ago (required)",
    )
    pr.add_argument("--apply", action="store_true", help="really remove them")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    return command_main("ocelot cache", lambda: _run(argv))


def _run(argv: Sequence[str] | None) -> int:
    args = parser().parse_args(argv)
    cache = Cache()
    if args.command == "info":
        print(info(cache))
        return 0
    if args.older_than < 0:
        raise UsageError(f"--older-than must be 0 or more days, got {args.older_than:g}")
    print(prune(cache, args.older_than, args.apply))
    return 0
