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

import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ocelot_build.core.budgets import MIB
from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture

BINARY = "extensions/collector"
CONFIG = "collector-config/config.yaml"
MAX_UNZIPPED = 250 * MIB  # Lambda's limit for a function and its layers: 262,144,000 B
_UNIX = 3  # ZipInfo.create_system for Unix


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


def inspect_zip(zip_path: Path) -> tuple[int, int]:
    """Zip size and unzipped size, after checking that this is a layer zip at all."""
    if not zip_path.is_file():
        raise UsageError(f"layer zip {zip_path} does not exist")
    if not zipfile.is_zipfile(zip_path):
        raise UsageError(f"{zip_path} is not a zip file; expected a Lambda layer zip")
    with zipfile.ZipFile(zip_path) as zf:
        names = {info.filename for info in zf.infolist()}
        if BINARY not in names:
            raise UsageError(f"{zip_path} has no {BINARY}; a collector layer must contain it")
        unzipped = sum(info.file_size for info in zf.infolist())
    if unzipped > MAX_UNZIPPED:
        raise UsageError(
            f"{zip_path} unzips to {unzipped:,} B, over Lambda's limit of {MAX_UNZIPPED:,} B; "
            "refused before extracting anything"
        )
    return zip_path.stat().st_size, unzipped


def unpack_layer(zip_path: Path, root: Path) -> UnpackedLayer:
    """Extract ``zip_path`` into ``root``, keeping Unix modes; refuse unsafe entries."""
    zip_size, unzipped = inspect_zip(zip_path)
    root.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            try:
                _extract(zf, info, root, zip_path)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
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
    # No Unix mode stored (e.g. a zip made on Windows): Lambda gives no exec bit either.
    target.chmod(stat.S_IMODE(mode) if mode else 0o644)


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
