"""Create the stand-in upstream as a real git repository, and grow it during tests.

Commits use fixed identities and dates, so the same code always yields the same SHAs;
git runs with every inherited GIT_* variable and the user's git config removed.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .model import (
    BRANCH,
    COLLECTOR_MODULE,
    COLLECTOR_VERSION,
    KINDS,
    MAIN_ONLY_COMPONENTS,
    TAG_NAME,
    TAGGED_COMPONENTS,
    Component,
    by_kind,
)
from .render import render_component, render_gomods, render_tree

_FIRST_DATE = "2026-08-01T12:00:00+00:00"
_SECOND_DATE = "2026-08-22T12:00:00+00:00"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "Stand-in Upstream",
    "GIT_AUTHOR_EMAIL": "standin@ocelot.invalid",
    "GIT_COMMITTER_NAME": "Stand-in Upstream",
    "GIT_COMMITTER_EMAIL": "standin@ocelot.invalid",
}


@dataclass(frozen=True)
class StandIn:
    """A stand-in upstream repository and what a test may expect from it."""

    path: Path
    url: str
    bare: bool
    main_commit: str
    tag_commit: str
    tag_name: str
    #: kind -> sorted tag names at `main` (every kind present, maybe empty).
    components: dict[str, list[str]]
    #: kind -> sorted tag names at the tag (main adds processor.coldstart after it).
    tag_components: dict[str, list[str]]
    #: kind -> sorted tag names linked by a build without lambdacomponents.custom, at main.
    default_components: dict[str, list[str]]
    #: kind -> {tag name: YAML id}, at main (memorylimiter -> memory_limiter).
    yaml_ids: dict[str, dict[str, str]]
    collector_version: str = COLLECTOR_VERSION
    branch: str = BRANCH
    module_paths: dict[str, str] = field(default_factory=dict)  # "kind.name" -> Go module

    @property
    def short_main_commit(self) -> str:
        return self.main_commit[:7]


def git(args: list[str], cwd: Path, date: str | None = None) -> str:
    """Run git isolated from the user's config and environment; return stripped stdout."""
    return git_bytes(args, cwd, date).decode().strip()


def git_bytes(args: list[str], cwd: Path, date: str | None = None) -> bytes:
    """Like `git`, but return raw stdout (for `git archive`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_IDENTITY, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {stderr}")
    return proc.stdout


def make_standin_upstream(root: Path, *, bare: bool = False) -> StandIn:
    """Create the stand-in under `root`: commit, annotated tag, then one more commit on main.

    With `bare`, the repository is a bare clone (like a remote) and the work tree is removed.
    """
    root.mkdir(parents=True, exist_ok=True)
    work = root / ("opentelemetry-lambda.work" if bare else "opentelemetry-lambda")
    work.mkdir()
    git(["init", "--quiet", f"--initial-branch={BRANCH}"], work)
    _write(work, render_tree(TAGGED_COMPONENTS))
    _commit(work, "collector: stand-in upstream with tag-selected components", _FIRST_DATE)
    git(["tag", "-a", TAG_NAME, "-m", f"Release {TAG_NAME}"], work, _FIRST_DATE)
    _write(work, render_tree(TAGGED_COMPONENTS + MAIN_ONLY_COMPONENTS))
    _commit(work, "collector: add coldstart processor", _SECOND_DATE)
    path = work
    if bare:
        path = root / "opentelemetry-lambda.git"
        git(["clone", "--quiet", "--bare", str(work), str(path)], root)
        git(["remote", "remove", "origin"], path)
        shutil.rmtree(work)
    # Like GitHub: let clients fetch any commit reachable from a ref by its SHA.
    git(["config", "uploadpack.allowReachableSHA1InWant", "true"], path)
    return describe(path, bare=bare)


def describe(path: Path, *, bare: bool) -> StandIn:
    """Read refs and the component catalogue back from the repository."""
    main = _components_at(path, BRANCH)
    return StandIn(
        path=path,
        url=path.as_uri(),
        bare=bare,
        main_commit=git(["rev-parse", f"refs/heads/{BRANCH}"], path),
        tag_commit=git(["rev-parse", f"refs/tags/{TAG_NAME}^{{commit}}"], path),
        tag_name=TAG_NAME,
        components=by_kind(main),
        tag_components=by_kind(_components_at(path, f"refs/tags/{TAG_NAME}")),
        default_components=by_kind([c for c in main if c.default]),
        yaml_ids={k: {c.name: c.yaml_id for c in main if c.kind == k} for k in KINDS},
        module_paths={f"{c.kind}.{c.name}": c.module for c in main},
    )


def add_component(standin: StandIn, kind: str, name: str, yaml_id: str | None = None) -> str:
    """Commit a new custom-build component on main (module, wrapper file, replaces).

    It is not added to default.go. Returns the new commit; `standin` itself is frozen,
    so call `describe` for an updated view.
    """
    comp = Component(kind, name, yaml_id or name, default=False)
    with _work_tree(standin) as work:
        if (work / f"collector/lambdacomponents/{kind}/{name}.go").exists():
            raise ValueError(f"component {kind}.{name} already exists in the stand-in")
        _write(work, render_component(comp))
        _write(work, render_gomods(_scan_components(work)))
        last = datetime.fromisoformat(git(["log", "-1", "--format=%cI"], work))
        _commit(work, f"collector: add {kind} {name}", (last + timedelta(days=1)).isoformat())
        if standin.bare:
            git(["push", "--quiet", "origin", f"HEAD:refs/heads/{BRANCH}"], work)
        return git(["rev-parse", "HEAD"], work)


def add_tag(standin: StandIn, tag: str, commit: str | None = None) -> str:
    """Create an annotated tag (dated like its commit) on `commit` or main; return the commit."""
    target = commit or git(["rev-parse", f"refs/heads/{BRANCH}"], standin.path)
    date = git(["log", "-1", "--format=%cI", target], standin.path)
    git(["tag", "-a", tag, target, "-m", f"Release {tag}"], standin.path, date)
    return git(["rev-parse", f"refs/tags/{tag}^{{commit}}"], standin.path)


@contextmanager
def _work_tree(standin: StandIn) -> Iterator[Path]:
    """The stand-in's own work tree, or a temporary clone of the bare repository."""
    if not standin.bare:
        yield standin.path
        return
    with tempfile.TemporaryDirectory(dir=standin.path.parent) as tmp:
        work = Path(tmp) / "work"
        git(["clone", "--quiet", "--branch", BRANCH, str(standin.path), str(work)], Path(tmp))
        yield work


def _write(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _commit(work: Path, message: str, date: str) -> None:
    git(["add", "--all"], work)
    git(["commit", "--quiet", "--no-verify", "-m", message], work, date)


_STATUS_TYPE = re.compile(r'component\.MustNewType\("([^"]+)"\)')
_MODULE_GOMOD = re.compile(r"collector/components/(\w+)/(\w+)/go\.mod")


def _scan_components(work: Path) -> list[Component]:
    """Components present in a work tree (committed or not)."""
    listing = [p.relative_to(work).as_posix() for p in (work / "collector").rglob("go.mod")]
    return _components(listing, lambda rel: (work / rel).read_text())


def _components_at(repo: Path, ref: str) -> list[Component]:
    """Components at a git ref of a work tree or bare repository (one `git archive`)."""
    archive = git_bytes(["archive", "--format=tar", ref, "collector/"], repo)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        files = {
            m.name: tar.extractfile(m).read().decode()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }
    return _components(list(files), files.__getitem__)


def _components(listing: list[str], read: Callable[[str], str]) -> list[Component]:
    """Recover components from their modules: kind and name from the directory, the YAML id
    from generated_status.go, default membership from default.go."""
    default_go = read("collector/lambdacomponents/default.go")
    found = []
    for rel in sorted(listing):
        match = _MODULE_GOMOD.fullmatch(rel)
        if not match:
            continue
        kind, package = match.groups()
        status = read(rel.removesuffix("go.mod") + "internal/metadata/generated_status.go")
        yaml_id = _STATUS_TYPE.search(status)
        if yaml_id is None:
            raise RuntimeError(f"no component.MustNewType in {rel} module's generated_status.go")
        found.append(
            Component(
                kind,
                package.removesuffix(kind),
                yaml_id.group(1),
                default=f"\t{package}.NewFactory(" in default_go,
                lambda_specific=f"\t{COLLECTOR_MODULE} " in read(rel),
            )
        )
    return found
