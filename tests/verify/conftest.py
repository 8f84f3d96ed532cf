"""Fixtures for the boot check: the Go test extension, built here, packed into real zips.

The extension (tests/fixtures/fakeext) is built with the project's pinned Go, offline
(standard library only), once per (mode, architecture) and session; each broken variant
is a separate binary, chosen at link time with ``-X main.mode=...``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from standin.goenv import go_binary, go_environ

from ocelot_build.core.manifest import example
from ocelot_build.core.model import Architecture

FAKEEXT_SRC = Path(__file__).parent.parent / "fixtures" / "fakeext"
HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
OTHER_ARCH = next(a.value for a in Architecture if a.value != HOST_ARCH)
ALL_COMPONENTS = {
    "connector": [],
    "exporter": ["otlphttp"],
    "extension": [],
    "processor": ["batch", "decouple"],
    "receiver": ["otlp"],
}

BuildFake = Callable[..., Path]
MakeLayer = Callable[..., Path]


@pytest.fixture(scope="session")
def build_fakeext(tmp_path_factory: pytest.TempPathFactory, go_build_cache: Path) -> BuildFake:
    """``build_fakeext(mode="ok", arch=HOST_ARCH) -> Path`` of a static linux binary."""
    out_dir = tmp_path_factory.mktemp("fakeext-bin")
    built: dict[tuple[str, str], Path] = {}

    def build(mode: str = "ok", arch: str | None = None) -> Path:
        arch = arch or HOST_ARCH
        assert arch, f"unsupported host {platform.machine()}"
        if (mode, arch) not in built:
            out = out_dir / f"{mode}-{arch}" / "collector"
            env = go_environ(out_dir / "goenv", None, gocache=go_build_cache)
            env.update(GOOS="linux", GOARCH=arch, CGO_ENABLED="0", GOWORK="off")
            cmd = [
                str(go_binary()),
                "build",
                "-trimpath",
                "-ldflags",
                f"-s -w -X main.mode={mode}",
                "-o",
                str(out),
                ".",
            ]
            proc = subprocess.run(
                cmd, cwd=FAKEEXT_SRC, env=env, capture_output=True, text=True, timeout=900
            )
            assert proc.returncode == 0, f"go build failed:\n{proc.stderr[-3000:]}"
            built[(mode, arch)] = out
        return built[(mode, arch)]

    return build


def write_layer(
    path: Path, binary: Path | None, *, mode: int = 0o755, config: str | None = "receivers: {}\n"
) -> Path:
    """A layer zip with upstream's layout: extensions/collector, collector-config/."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("extensions/", "collector-config/"):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, (0o40755 << 16) | 0x10
            zf.writestr(info, b"")
        if binary is not None:
            info = zipfile.ZipInfo("extensions/collector", date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, binary.read_bytes())
        if config is not None:
            info = zipfile.ZipInfo("collector-config/config.yaml", date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, 0o100644 << 16
            zf.writestr(info, config)
    return path


@pytest.fixture
def make_layer(tmp_path: Path, build_fakeext: BuildFake) -> MakeLayer:
    """``make_layer(mode="ok", arch=None, file_mode=0o755, manifest=None) -> zip path``.

    With ``manifest`` (a components mapping), a manifest JSON is written beside the zip.
    """

    def make(
        fake_mode: str = "ok",
        arch: str | None = None,
        file_mode: int = 0o755,
        manifest: dict[str, list[str]] | None = None,
        name: str = "layer",
    ) -> Path:
        zip_path = write_layer(
            tmp_path / f"{name}.zip", build_fakeext(fake_mode, arch), mode=file_mode
        )
        if manifest is not None:
            fake = dataclasses.replace(
                example(),
                distribution="test",
                components={k: tuple(v) for k, v in manifest.items()},
            )
            fake.write(zip_path.with_suffix(".json"))
        return zip_path

    return make


def logged(lines: tuple[str, ...] | list[str], key: str) -> list[Any]:
    """Every value of ``key`` in the fake extension's JSON log lines."""
    values = []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and key in rec:
            values.append(rec[key])
    return values


def running_with(token: str) -> list[int]:
    """Host pids of live (not zombie) processes whose command line has ``token``: the fake
    gives its children a random token, because inside the sandbox's PID namespace the
    pids it logs mean nothing out here."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if token.encode() in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def descendants(pid: int) -> set[int]:
    """Host pids of every live process below ``pid`` (across PID namespaces)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(proc.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def qemu_available(arch: str) -> bool:
    name = Architecture(arch).qemu
    return any(
        os.access(Path(d) / n, os.X_OK)
        for d in os.environ.get("PATH", "").split(os.pathsep)
        for n in (name + "-static", name)
    )
