"""Small rules every module shares, kept in one place: where the project is, how a file is
written so that a reader never sees half of it, and how a comma list is read."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

# The checkout this package lives in: config/, Pulumi.yaml and docs/ are found from here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def _replacing(dest: Path, mode: int) -> Iterator[str]:
    """A temporary sibling of ``dest`` that becomes ``dest`` only if the block completes."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, mode)  # mkstemp's 0600 would surprise whoever uploads the file
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(dest: Path, write: Callable[[IO[bytes]], object], mode: int = 0o644) -> None:
    """Write ``dest`` through ``write(file)``, atomically: old content or new, never half."""
    with _replacing(dest, mode) as tmp, open(tmp, "wb") as f:
        write(f)


def atomic_write_bytes(dest: Path, data: bytes, mode: int = 0o644) -> None:
    atomic_write(dest, lambda f: f.write(data), mode)


def atomic_copy(src: Path, dest: Path, mode: int = 0o644) -> None:
    with _replacing(dest, mode) as tmp:
        shutil.copyfile(src, tmp)


def json_text(data: Any) -> str:
    """The one JSON style of files ocelot writes: indented, sorted keys, final newline."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, json_text(data).encode())


def split_list(text: str) -> tuple[str, ...]:
    """``"a, b c"`` → ``("a", "b", "c")``: commas or spaces, blanks dropped, first one wins."""
    return tuple(dict.fromkeys(p.strip() for p in text.replace(" ", ",").split(",") if p.strip()))
