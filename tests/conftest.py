"""Shared fixtures: an offline stand-in upstream, a file Go proxy, and isolated caches.

Every test runs with Go forced offline (GOPROXY=off unless a test asks for the file
proxy) and with XDG_CACHE_HOME pointing into its tmp dir; a guard fails any test that
still touches the user's real ocelot cache.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Make `import standin` work whatever pytest's import mode is.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from motoserver import MotoServer
from motoserver import start as start_moto
from standin import (
    GoProxy,
    StandIn,
    go_env,
    go_environ,
    make_goproxy,
    make_standin_upstream,
)


def _real_ocelot_caches() -> list[Path]:
    """Where ocelot would cache for the real user, computed before any monkeypatching."""
    paths = [Path.home() / ".cache" / "ocelot"]
    if os.environ.get("XDG_CACHE_HOME"):
        paths.append(Path(os.environ["XDG_CACHE_HOME"]) / "ocelot")
    if os.environ.get("OCELOT_CACHE_DIR"):
        paths.append(Path(os.environ["OCELOT_CACHE_DIR"]))
    return paths


_REAL_OCELOT_CACHES = _real_ocelot_caches()

# Test tiers, by directory: every test under these builds real layers (git and go against
# the stand-in), so it is slow. Elsewhere a test is slow when it asks for a fixture that
# runs go. `-m "not slow"` is the fast tier: no go (a guard below refuses it), no builds.
TESTS = Path(__file__).resolve().parent
SLOW_DIRS = ("engine",)
GO_FIXTURES = frozenset({"request_for", "standin_stack", "build_fakeext", "make_layer"})


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        top = item.path.relative_to(TESTS).parts[0]
        if top in SLOW_DIRS or GO_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_go_in_the_fast_tier(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """A fast test that reaches Go (in-process or in a child) fails with this message."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    refusing = tmp_path_factory.getbasetemp() / "no-go" / "go"
    if not refusing.exists():
        refusing.parent.mkdir(exist_ok=True)
        refusing.write_text(
            "#!/bin/sh\necho 'go in the fast tier: mark the directory slow in tests/conftest.py'"
            " >&2\nexit 97\n"
        )
        refusing.chmod(0o755)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OCELOT_GO", str(refusing))
        yield


def _snapshot(path: Path) -> object:
    """Cheap fingerprint: existence, and the names and mtimes two levels deep."""
    if not path.exists():
        return None
    entries = [(path.name, path.stat().st_mtime_ns)]
    if path.is_dir():
        entries += sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir())
    return entries


@pytest.fixture(scope="session")
def go_build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One GOCACHE for the session; OCELOT_TEST_GOCACHE keeps it across sessions."""
    override = os.environ.get("OCELOT_TEST_GOCACHE")
    if override:
        Path(override).mkdir(parents=True, exist_ok=True)
        return Path(override)
    return tmp_path_factory.mktemp("gocache")


@pytest.fixture(scope="session")
def _session_go_dirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("goenv")


@pytest.fixture(autouse=True)
def _isolate_user_caches(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    go_build_cache: Path,
    _session_go_dirs: Path,
) -> Iterator[None]:
    """Point caches at tmp dirs, force Go offline, and fail if the real ocelot cache changes."""
    before = {p: _snapshot(p) for p in _REAL_OCELOT_CACHES}
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("OCELOT_CACHE_DIR", raising=False)
    for name in list(os.environ):
        if name.startswith(("GO", "CGO_")):
            monkeypatch.delenv(name)
    for name, value in go_env(_session_go_dirs, None, gocache=go_build_cache).items():
        if name != "GOROOT":  # whichever go a test runs must find its own GOROOT
            monkeypatch.setenv(name, value)
    yield
    touched = [str(p) for p in _REAL_OCELOT_CACHES if _snapshot(p) != before[p]]
    if touched:
        pytest.fail(f"test wrote to the real ocelot cache: {', '.join(touched)}")


@pytest.fixture
def ocelot_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolate_user_caches: None
) -> Path:
    """An empty ocelot cache dir for this test, exported as OCELOT_CACHE_DIR."""
    path = tmp_path / "ocelot-cache"
    path.mkdir()
    monkeypatch.setenv("OCELOT_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> StandIn:
    """The stand-in upstream as a bare repository (like a remote). Do not modify it."""
    return make_standin_upstream(tmp_path_factory.mktemp("standin"), bare=True)


@pytest.fixture(scope="session")
def standin_worktree(tmp_path_factory: pytest.TempPathFactory) -> StandIn:
    """The stand-in upstream with a work tree checked out on main. Do not modify it."""
    return make_standin_upstream(tmp_path_factory.mktemp("standin-worktree"))


@pytest.fixture
def fresh_standin(tmp_path: Path) -> StandIn:
    """A bare stand-in of this test's own, for tests that add commits or tags."""
    return make_standin_upstream(tmp_path / "fresh-standin", bare=True)


@pytest.fixture(scope="session")
def goproxy(tmp_path_factory: pytest.TempPathFactory) -> GoProxy:
    """A file:// GOPROXY serving the extra exporter module at two versions."""
    return make_goproxy(tmp_path_factory.mktemp("goproxy"))


@pytest.fixture
def offline_go_env(tmp_path: Path, goproxy: GoProxy, go_build_cache: Path) -> dict[str, str]:
    """A full subprocess environment for go with the file proxy and the shared GOCACHE."""
    return go_environ(tmp_path, goproxy, gocache=go_build_cache)


@pytest.fixture(scope="session")
def _moto_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture
def moto(_moto_process: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """An empty moto server on 127.0.0.1; boto3 reaches it through AWS_ENDPOINT_URL.

    Fake credentials and region are set so nothing can reach a real account.
    """
    _moto_process.reset()
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", _moto_process.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    return _moto_process
