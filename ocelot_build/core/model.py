"""Closed vocabularies shared by every stage."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ocelot_build.core.errors import UsageError


class Architecture(StrEnum):
    """A CPU architecture, spelled the way each tool wants it (see ``_TABLE``)."""

    AMD64 = "amd64"
    ARM64 = "arm64"

    @property
    def spec(self) -> ArchSpec:
        return _TABLE[self]

    @property
    def go(self) -> str:
        """GOARCH value."""
        return self.spec.go

    @property
    def lambda_name(self) -> str:
        """Lambda's ``CompatibleArchitectures`` value."""
        return self.spec.lambda_name

    @property
    def elf_machine(self) -> int:
        """``e_machine`` field of an ELF header built for this architecture."""
        return self.spec.elf_machine

    @property
    def qemu(self) -> str:
        """The qemu user-mode emulator's binary name (Debian's ``qemu-user-static``)."""
        return self.spec.qemu

    @classmethod
    def names(cls) -> list[str]:
        return [a.value for a in cls]

    @classmethod
    def lookup(cls, text: str) -> Architecture | None:
        """The member any accepted spelling names (Go, Lambda, ``uname -m``), or None."""
        wanted = text.strip().lower()
        return next((a for a in cls if wanted in (a.value, *a.spec.spellings)), None)

    @classmethod
    def parse(cls, text: str) -> Architecture:
        """Accept Go (amd64/arm64), Lambda (x86_64) and ``uname -m`` spellings."""
        found = cls.lookup(text)
        if found is None:
            raise UsageError(f"unknown architecture {text!r}; allowed: {', '.join(cls.names())}")
        return found

    @classmethod
    def of_elf(cls, path: Path) -> Architecture | None:
        """The architecture an ELF binary was built for, or None (not ELF, or another one)."""
        machine = elf_machine(path)
        return next((a for a in cls if a.elf_machine == machine), None)


@dataclass(frozen=True)
class ArchSpec:
    """Everything one architecture is called by the tools ocelot drives."""

    go: str  # GOARCH
    lambda_name: str  # CompatibleArchitectures
    elf_machine: int  # ELF e_machine
    qemu: str  # qemu user-mode binary
    spellings: tuple[str, ...]  # other accepted names (lower case)


_TABLE: dict[Architecture, ArchSpec] = {
    Architecture.AMD64: ArchSpec("amd64", "x86_64", 62, "qemu-x86_64", ("x86_64", "x86-64")),
    Architecture.ARM64: ArchSpec("arm64", "arm64", 183, "qemu-aarch64", ("aarch64",)),
}


def _check_table() -> None:
    """One row per member, and no two members share a value: a new member cannot silently
    take another's Go name, Lambda name, ELF machine, emulator or spelling."""
    if set(_TABLE) != set(Architecture):
        raise RuntimeError(f"model._TABLE must have one row per Architecture: {sorted(_TABLE)}")
    for column in ("go", "lambda_name", "elf_machine", "qemu"):
        values = [getattr(spec, column) for spec in _TABLE.values()]
        if len(set(values)) != len(values):
            raise RuntimeError(f"model._TABLE: two architectures share a {column}: {values}")
    names = [n for a, spec in _TABLE.items() for n in {a.value, *spec.spellings}]
    if len(set(names)) != len(names):
        raise RuntimeError(f"model._TABLE: two architectures share a spelling: {names}")


_check_table()


def elf_machine(path: Path) -> int | None:
    """``e_machine`` of an ELF file, or None when it is not ELF."""
    with path.open("rb") as f:
        header = f.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")
