"""Unpack a layer zip into a directory laid out like Lambda's ``/opt``.

Lambda extracts layers keeping the Unix modes stored in the zip, and starts every
executable in ``/opt/extensions``. We do the same, so a binary zipped without its exec
bit fails here as it would fail in Lambda (``Extension.LaunchError``).
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ocelot_build.errors import UsageError
from ocelot_build.model import Architecture

BINARY = "extensions/collector"
CONFIG = "collector-config/config.yaml"
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
    return zip_path.stat().st_size, unzipped


def unpack_layer(zip_path: Path, root: Path) -> UnpackedLayer:
    """Extract ``zip_path`` into ``root``, keeping Unix modes; refuse unsafe entries."""
    zip_size, unzipped = inspect_zip(zip_path)
    root.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            _extract(zf, info, root, zip_path)
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
