"""Unpacking layer zips like Lambda does, and reading the collector's ELF header."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from conftest import HOST_ARCH, write_layer

from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture
from ocelot_build.verify.layer import elf_architecture, inspect_zip, unpack_layer


def test_unpack_keeps_unix_modes_and_counts_sizes(tmp_path: Path) -> None:
    binary = tmp_path / "bin"
    binary.write_bytes(b"\x7fELF" + b"\0" * 100)
    zip_path = write_layer(tmp_path / "l.zip", binary, config="a: 1\n")
    layer = unpack_layer(zip_path, tmp_path / "opt")
    assert layer.binary.stat().st_mode & 0o777 == 0o755
    assert layer.bundled_config.read_text() == "a: 1\n"
    assert layer.bundled_config.stat().st_mode & 0o777 == 0o644
    assert layer.unzipped_size == 104 + 5
    assert layer.zip_size == zip_path.stat().st_size


def test_entries_without_unix_modes_get_no_exec_bit(tmp_path: Path) -> None:
    zip_path = tmp_path / "windows.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        info = zipfile.ZipInfo("extensions/collector")
        info.create_system = 0  # MS-DOS: no Unix mode, as from a Windows zip tool
        zf.writestr(info, b"x")
    layer = unpack_layer(zip_path, tmp_path / "opt")
    assert layer.binary.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("name", ["../evil", "/etc/evil", "extensions/../../evil"])
def test_unsafe_entries_are_refused(tmp_path: Path, name: str) -> None:
    zip_path = tmp_path / "evil.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("extensions/collector", b"x")
        zf.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(UsageError, match="unsafe entry"):
        unpack_layer(zip_path, tmp_path / "opt")
    assert not (tmp_path / "evil").exists()


def test_bad_input_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        inspect_zip(tmp_path / "missing.zip")
    text = tmp_path / "notzip.zip"
    text.write_text("hello")
    with pytest.raises(UsageError, match="is not a zip file"):
        inspect_zip(text)
    no_binary = write_layer(tmp_path / "nobin.zip", None)
    with pytest.raises(UsageError, match="has no extensions/collector"):
        inspect_zip(no_binary)


def test_elf_architecture_of_real_binaries(tmp_path: Path) -> None:
    assert elf_architecture(Path(sys.executable).resolve()) is Architecture(HOST_ARCH)
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\necho hi\n")
    assert elf_architecture(script) is None


def _forged(tmp_path: Path, declared: int, data: bytes) -> Path:
    """A stored zip whose central directory declares ``declared`` bytes for ``data``."""
    path = tmp_path / "forged.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("extensions/collector", data)
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")
    raw[central + 24 : central + 28] = declared.to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(raw))
    return path


def test_declared_unzipped_size_over_lambdas_limit_is_refused_before_extracting(
    tmp_path: Path,
) -> None:
    bomb = _forged(tmp_path, 262_144_001, b"x" * 100)
    with pytest.raises(UsageError) as err:
        unpack_layer(bomb, tmp_path / "opt")
    assert str(err.value) == (
        f"{bomb} unzips to 262,144,001 B, over Lambda's limit of 262,144,000 B; "
        "refused before extracting anything"
    )
    assert not (tmp_path / "opt").exists()
    assert inspect_zip(_forged(tmp_path, 262_144_000, b"x"))[1] == 262_144_000  # the limit is ok


def test_entry_larger_than_declared_stops_at_the_declared_size(tmp_path: Path) -> None:
    liar = _forged(tmp_path, 10, b"x" * 100_000)
    with pytest.raises(UsageError, match=r"is corrupt at 'extensions/collector': Bad CRC-32"):
        unpack_layer(liar, tmp_path / "opt")
    assert (tmp_path / "opt" / "extensions" / "collector").stat().st_size <= 10
