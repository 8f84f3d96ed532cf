"""Write the layer zip deterministically: same binary and config, same bytes, any day.

Entries are exactly ``collector-config/config.yaml`` (0644) and ``extensions/collector``
(0755), sorted, dated 1980-01-01, Unix modes, no extra fields, fixed deflate level. This is
what makes Pulumi previews quiet (the archive hash only moves when the content does) and
the cache honest.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ocelot_build.core.files import atomic_write

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
BINARY_ENTRY = "extensions/collector"
CONFIG_ENTRY = "collector-config/config.yaml"
# Level 8 is within 0.1% of level 9 on a collector binary at half its time (measured:
# 13.88 vs 13.86 MB, 3.4 vs 6.8 s); level 6 is 0.8% bigger.
COMPRESS_LEVEL = 8


@dataclass(frozen=True)
class LayerZip:
    path: Path
    size: int
    unzipped_size: int


def write_layer_zip(binary: Path, config: bytes, dest: Path) -> LayerZip:
    """Write the zip next to ``dest`` and move it into place only once it is complete."""
    entries = sorted(
        [
            (CONFIG_ENTRY, config, 0o100644),
            (BINARY_ENTRY, binary.read_bytes(), 0o100755),
        ]
    )
    dest.parent.mkdir(parents=True, exist_ok=True)

    def write(raw: IO[bytes]) -> None:
        with zipfile.ZipFile(raw, "w") as zf:
            for name, data, mode in entries:
                zf.writestr(
                    _entry(name, mode),
                    data,
                    compress_type=zipfile.ZIP_DEFLATED,
                    compresslevel=COMPRESS_LEVEL,
                )

    atomic_write(dest, write)
    return LayerZip(dest, dest.stat().st_size, sum(len(d) for _, d, _ in entries))


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.create_system = 3  # Unix, so external_attr carries the mode
    info.external_attr = mode << 16
    return info
