"""``Architecture`` is closed: one table row per member, no value shared between members."""

from __future__ import annotations

import pytest

from ocelot_build.core import model
from ocelot_build.core.errors import UsageError
from ocelot_build.core.model import Architecture, ArchSpec


@pytest.mark.parametrize(
    ("arch", "go", "lambda_name", "elf", "qemu"),
    [
        (Architecture.AMD64, "amd64", "x86_64", 62, "qemu-x86_64"),  # EM_X86_64
        (Architecture.ARM64, "arm64", "arm64", 183, "qemu-aarch64"),  # EM_AARCH64
    ],
)
def test_each_member_knows_each_tools_spelling(arch, go, lambda_name, elf, qemu):
    assert (arch.go, arch.lambda_name, arch.elf_machine, arch.qemu) == (go, lambda_name, elf, qemu)
    for spelling in (go, lambda_name, f"  {go.upper()} "):
        assert Architecture.parse(spelling) is arch


def test_uname_spellings_and_unknown_ones():
    assert Architecture.lookup("aarch64") is Architecture.ARM64
    assert Architecture.lookup("x86_64") is Architecture.AMD64
    assert Architecture.lookup("sparc") is None
    with pytest.raises(UsageError, match="unknown architecture 'sparc'; allowed: amd64, arm64"):
        Architecture.parse("sparc")


def test_a_row_that_reuses_anothers_value_is_refused(monkeypatch):
    copied = ArchSpec("arm64", "arm64", 183, "qemu-aarch64", ())
    monkeypatch.setitem(model._TABLE, Architecture.AMD64, copied)
    with pytest.raises(RuntimeError, match="share a go"):
        model._check_table()
    monkeypatch.delitem(model._TABLE, Architecture.AMD64)
    with pytest.raises(RuntimeError, match="one row per Architecture"):
        model._check_table()
