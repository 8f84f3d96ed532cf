"""Closed vocabularies shared by every stage."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class Architecture(StrEnum):
    """A CPU architecture, spelled the way each tool wants it."""

    AMD64 = "amd64"
    ARM64 = "arm64"

    @property
    def go(self) -> str:
        """GOARCH value."""
        return self.value

    @property
    def lambda_name(self) -> str:
        """Lambda's ``CompatibleArchitectures`` value."""
        return "x86_64" if self is Architecture.AMD64 else "arm64"

    @property
    def elf_machine(self) -> int:
        """``e_machine`` field of an ELF header built for this architecture."""
        return 62 if self is Architecture.AMD64 else 183  # EM_X86_64, EM_AARCH64

    @classmethod
    def names(cls) -> list[str]:
        return [a.value for a in cls]

    @classmethod
    def parse(cls, text: str) -> Architecture:
        """Accept Go (amd64/arm64) and Lambda (x86_64) spellings."""
        aliases = {"x86_64": "amd64", "aarch64": "arm64"}
        value = aliases.get(text.strip().lower(), text.strip().lower())
        try:
            return cls(value)
        except ValueError:
            from ocelot_build.errors import UsageError

            raise UsageError(
                f"unknown architecture {text!r}; allowed: {', '.join(cls.names())}"
            ) from None

    @classmethod
    def of_elf(cls, path: Path) -> Architecture | None:
        """The architecture an ELF binary was built for, or None (not ELF, or another one)."""
        machine = elf_machine(path)
        return next((a for a in cls if a.elf_machine == machine), None)


def elf_machine(path: Path) -> int | None:
    """``e_machine`` of an ELF file, or None when it is not ELF."""
    with path.open("rb") as f:
        header = f.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")
