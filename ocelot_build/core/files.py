"""Small rules every module shares, kept in one place: where the project is, how a file is
written so that a reader never sees half of it, and how a comma list is read."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

# The checkout this package lives in: config/, Pulumi.yaml and docs/ are found from here.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Every temporary directory ocelot makes outside its cache is named ocelot-tmp-<what>-<8
# random characters> (tempfile's suffix), so a later run can tell a killed run's leftovers
# from anything else in $TMPDIR; work trees kept on request are ocelot-kept-<what>-*.
TEMP_PREFIX = "ocelot-tmp-"
KEPT_PREFIX = "ocelot-kept-"
STALE_SECONDS = 24 * 3600  # no build runs this long, so an older temp dir is a leftover
_OURS = re.compile(rf"{TEMP_PREFIX}[\w.-]+-[a-z0-9_]{{8}}")


def temp_dir(what: str, *, kept: bool = False) -> Path:
    """A new private temporary directory for ``what``, named so that ``sweep`` knows it."""
    return Path(tempfile.mkdtemp(prefix=f"{KEPT_PREFIX if kept else TEMP_PREFIX}{what}-"))


def temp_prefix(what: str) -> str:
    """The prefix for ``tempfile.TemporaryDirectory`` users (removed on exit, swept if not)."""
    return f"{TEMP_PREFIX}{what}-"


def sweep_stale(parent: Path, pattern: str = "*", name: re.Pattern[str] | None = _OURS) -> None:
    """Remove directories in ``parent`` that a killed run left: matching ``pattern`` (and
    ``name``), owned by us, and untouched for ``STALE_SECONDS``. A fresh one may belong to
    a run still going; another user's is not ours to judge."""
    cutoff = time.time() - STALE_SECONDS
    for path in parent.glob(pattern):
        with contextlib.suppress(OSError):
            info = path.lstat()
            if (
                path.is_dir()
                and not path.is_symlink()
                and (name is None or name.fullmatch(path.name))
                and info.st_uid == os.getuid()
                and info.st_mtime < cutoff
            ):
                shutil.rmtree(path, ignore_errors=True)


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
    """The one JSON style of files ocelot writes: indented, sorted keys, final newline; a
    NaN or infinity is refused (ValueError): it is not JSON, and no reader takes it."""
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, json_text(data).encode())


def split_commas(text: str) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``: the one rule for a comma list (parts stripped,
    blanks dropped, order and repeats kept so a later check can name a repeat)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def split_list(text: str) -> tuple[str, ...]:
    """``"a, b c"`` → ``("a", "b", "c")``: commas or spaces, blanks dropped, first one wins."""
    return tuple(dict.fromkeys(split_commas(text.replace(" ", ","))))


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file ("does not exist", "is a directory, not a
    file"), or None: one wording for every file option and every path a config names."""
    if path.is_file():
        return None
    return "is a directory, not a file" if path.is_dir() else "does not exist"
