"""Unpack a layer zip into a directory laid out like Lambda's ``/opt``.

Lambda extracts layers keeping the Unix modes stored in the zip, and starts every
executable in ``/opt/extensions``. We do the same, so a binary zipped without its exec
bit fails here as it would fail in Lambda (``Extension.LaunchError``).

The zip is untrusted: its unzipped size is read from the central directory and refused
above Lambda's limit before anything is written, and ``zipfile`` never inflates an entry
past the size the directory declares (it stops there and fails the CRC check), so a zip
bomb cannot fill the disk.
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ocelot_build.core.budgets import MIB
from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture

BINARY = "extensions/collector"
CONFIG = "collector-config/config.yaml"
MAX_UNZIPPED = 250 * MIB  # Lambda's limit for a function and its layers: 262,144,000 B
_UNIX = 3  # ZipInfo.create_system for Unix
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass(frozen=True)
class UnpackedLayer:
    """A layer extracted into ``root`` (our stand-in for ``/opt``)."""

    root: Path
    zip_size: int
    unzipped_size: int  # sum of the entries' sizes, what Lambda counts against 250 MB

    @property
    def binary(self) -> Path:
        return self.root / BINARY

    @property
    def bundled_config(self) -> Path:
        return self.root / CONFIG


def zips_problem(zip_paths: Iterable[Path]) -> str | None:
    """What is wrong with the first of ``zip_paths`` that is not a layer zip (the rule of
    ``inspect_zip``), or None: for tools that take several zips and must refuse a bad one
    before their first boot."""
    for zip_path in zip_paths:
        try:
            inspect_zip(zip_path)
        except UsageError as exc:
            return exc.message
    return None


def inspect_zip(zip_path: Path) -> tuple[int, int]:
    """Zip size and unzipped size, after checking that this is a layer zip at all."""
    if not zip_path.is_file():
        raise UsageError(f"layer zip {zip_path} does not exist")
    if not zipfile.is_zipfile(zip_path):
        raise UsageError(f"{zip_path} is not a zip file; expected a Lambda layer zip")
    try:
        with zipfile.ZipFile(zip_path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UsageError(f"{zip_path} is not a readable zip: {exc}") from None
    for info in infos:
        _check_entry(info, zip_path)
    _check_tree([info.filename for info in infos], zip_path)
    if BINARY not in {info.filename for info in infos}:
        raise UsageError(f"{zip_path} has no {BINARY}; a collector layer must contain it")
    unzipped = sum(info.file_size for info in infos)
    if unzipped > MAX_UNZIPPED:
        raise UsageError(
            f"{zip_path} unzips to {unzipped:,} B, over Lambda's limit of {MAX_UNZIPPED:,} B; "
            "refused before extracting anything"
        )
    return zip_path.stat().st_size, unzipped


def _check_entry(info: zipfile.ZipInfo, zip_path: Path) -> None:
    """Entries Lambda (and ``zipfile``) can extract: stored or deflated, not encrypted."""
    if info.flag_bits & 0x1:
        raise UsageError(
            f"{zip_path} has an encrypted entry {info.filename!r}; Lambda cannot extract it"
        )
    if info.compress_type not in _METHODS:
        raise UsageError(
            f"{zip_path} entry {info.filename!r} uses compression method "
            f"{info.compress_type}; only stored (0) and deflated (8) are allowed"
        )


def _check_tree(names: list[str], zip_path: Path) -> None:
    """No file twice, and no file where another entry needs a directory (``extensions``
    as a file beside ``extensions/collector``): either would extract into something else."""
    files: set[str] = set()
    dirs: set[str] = set()
    for name in names:
        path = PurePosixPath(name)
        if name.endswith("/"):
            dirs.add(str(path))
        elif str(path) in files:
            raise UsageError(f"{zip_path} has the file {name!r} twice")
        else:
            files.add(str(path))
        dirs.update(str(p) for p in path.parents if str(p) != ".")
    clash = sorted(files & dirs)
    if clash:
        raise UsageError(
            f"{zip_path} has {clash[0]!r} both as a file and as a directory; "
            "a layer zip needs one or the other"
        )


def unpack_layer(zip_path: Path, root: Path) -> UnpackedLayer:
    """Extract ``zip_path`` into ``root``, keeping Unix modes; refuse unsafe entries."""
    zip_size, unzipped = inspect_zip(zip_path)
    root.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            try:
                _extract(zf, info, root, zip_path)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise UsageError(f"{zip_path} is corrupt at {info.filename!r}: {exc}") from None
    return UnpackedLayer(root=root, zip_size=zip_size, unzipped_size=unzipped)


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, zip_path: Path) -> None:
    rel = PurePosixPath(info.filename)
    if rel.is_absolute() or ".." in rel.parts:
        raise UsageError(f"{zip_path} has an unsafe entry {info.filename!r} (absolute or '..')")
    mode = info.external_attr >> 16 if info.create_system == _UNIX else 0
    if stat.S_ISLNK(mode):
        raise UsageError(f"{zip_path} has a symlink entry {info.filename!r}; not supported")
    target = root.joinpath(*rel.parts)
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
        _uncache(dst)
    # No Unix mode stored (e.g. a zip made on Windows): Lambda gives no exec bit either.
    target.chmod(stat.S_IMODE(mode) if mode else 0o644)


def _uncache(f: BinaryIO) -> None:
    """Write the file out and drop it from the page cache, so that the layer's own first
    read brings it back charged to the layer's memory limit, as on Lambda, where the
    function's memory holds the files it maps (not to this process, which wrote them)."""
    f.flush()
    os.fsync(f.fileno())
    os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def elf_architecture(path: Path) -> Architecture | None:
    """The architecture in an ELF header, or None if ``path`` is not an ELF we know."""
    return Architecture.of_elf(path)


def elf_truncated(path: Path) -> bool:
    """True if a 64-bit ELF's program header table lies past the end of the file.

    The kernel refuses such a file (ENOEXEC, Lambda's ``Extension.LaunchError``), but the
    ``prlimit`` that caps the collector's memory would then run it through ``/bin/sh``, as
    ``execvp`` does, so it is caught here, before anything runs.
    """
    with path.open("rb") as f:
        header = f.read(64)
    if len(header) < 64 or header[4] != 2:  # ELFCLASS64
        return True
    big = header[5] != 1
    phoff, phentsize, phnum = (
        int.from_bytes(header[a:b], "big" if big else "little")
        for a, b in ((32, 40), (54, 56), (56, 58))
    )
    return phoff + phentsize * phnum > path.stat().st_size
