"""Local paths a build reads: kept inside their tree, hashed and copied by one walk.

A path named in a file (``config-file``, a wrapper file, a ``local:`` module, a local
``go-replaces`` directory) must resolve inside the directory tree of that file, symlinks
included: a pull request that edits ``distributions.yaml`` must not be able to ship
``~/.aws/credentials`` inside a public layer. A local directory is hashed and copied by the
same walk (``files``), so what the cache key covers is exactly what the build reads:
symlinks inside the tree are kept as links and hashed by their target text, and links that
leave the tree, absolute links and symlink loops are refused with one line.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from ocelot_build.core.errors import ConfigError

SKIPPED_DIRS = (".git",)
SKIPPED_SUFFIX = "_test.go"  # tests never enter a build


def inside(base: Path, named: str, where: str) -> Path:
    """``base / named`` resolved, when it stays inside ``base``; else a ConfigError."""
    root = _resolve(base, where)
    target = _resolve(base / named, where)
    if not target.is_relative_to(root):
        raise ConfigError(
            f"{where}: {named!r} resolves to {target}, outside {root}; paths must stay inside "
            "the directory of the file that names them"
        )
    return target


def files(root: Path, where: str) -> list[tuple[str, Path, str | None]]:
    """Every entry a build reads under ``root``: (relative path, path, link text or None)."""
    root = _resolve(root, where)
    found: list[tuple[str, Path, str | None]] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        here = Path(folder)
        for name in sorted(names) + [d for d in dirs if (here / d).is_symlink()]:
            path = here / name
            rel = path.relative_to(root).as_posix()
            if name.endswith(SKIPPED_SUFFIX):
                continue
            if path.is_symlink():
                found.append((rel, path, _link(root, path, where)))
            elif stat.S_ISREG(path.lstat().st_mode):
                found.append((rel, path, None))
            else:
                raise ConfigError(f"{where}: {path} is not a regular file, directory or link")
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
    return sorted(found)


def tree_digest(root: Path, where: str) -> str:
    """Content hash of what ``copy_tree`` copies: paths, bytes, modes and link texts."""
    h = hashlib.sha256()
    for rel, path, link in files(root, where):
        if link is not None:
            h.update(b"L" + rel.encode() + b"\0" + link.encode() + b"\0")
        else:
            executable = b"x" if path.stat().st_mode & 0o111 else b"-"
            digest = hashlib.sha256(path.read_bytes()).digest()
            h.update(b"F" + executable + rel.encode() + b"\0" + digest)
    return h.hexdigest()


def copy_tree(root: Path, dest: Path, where: str) -> None:
    """Copy exactly the entries ``tree_digest`` hashed (links stay links)."""
    dest.mkdir(parents=True)
    for rel, path, link in files(root, where):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if link is not None:
            os.symlink(link, target)
        else:
            shutil.copyfile(path, target)
            shutil.copymode(path, target)


def _link(root: Path, path: Path, where: str) -> str:
    text = os.readlink(path)
    if os.path.isabs(text):
        raise ConfigError(f"{where}: symlink {path} -> {text} is absolute; use a relative link")
    target = _resolve(path, where)
    if not target.is_relative_to(root):
        raise ConfigError(f"{where}: symlink {path} -> {text} leaves {root}")
    return text


def _resolve(path: Path, where: str) -> Path:
    """``path.resolve()``, with a symlink loop as one line instead of a traceback."""
    try:
        return path.resolve(strict=False)
    except (RuntimeError, OSError) as exc:  # RuntimeError before 3.13, OSError after
        raise ConfigError(f"{where}: cannot resolve {path}: symlink loop ({exc})") from None
