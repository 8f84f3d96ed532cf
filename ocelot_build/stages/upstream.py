"""The upstream store: one bare mirror per repository URL, refs resolved to a commit once.

Like pre-commit's store, a repository is cloned the first time and only fetched after
that; the mirror is never checked out or modified by a build. Work trees are extracted
from it with ``git archive`` into per-build temporary directories.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ocelot_build.core import proc
from ocelot_build.core.errors import BuildError, UsageError
from ocelot_build.store.cache import Cache

OWNER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
URL_LIKE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@[^:]+:)")
HEX_REF = re.compile(r"^[0-9a-fA-F]{4,40}$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class UpstreamSource:
    """A resolved upstream: which repository, which ref was asked, which commit it is."""

    repo: str  # as the user gave it
    url: str  # what git fetches from
    ref: str
    commit: str
    mirror: Path

    def git(self, *args: str, verbose: bool = False) -> str:
        return proc.run(["git", "--git-dir", self.mirror, *args], verbose=verbose)

    def read_file(self, path: str) -> str | None:
        """A file's text at the resolved commit, or None when it does not exist there."""
        try:
            return self.git("show", f"{self.commit}:{path}")
        except BuildError:
            return None

    def read_tree(self, prefix: str, suffix: str = "") -> dict[str, str]:
        """All files under ``prefix`` (ending in ``suffix``) at the commit, read in one go."""
        names = [
            n
            for n in self.git("ls-tree", "-r", "--name-only", self.commit, "--", prefix).split("\n")
            if n and n.endswith(suffix)
        ]
        if not names:
            return {}
        request = "".join(f"{self.commit}:{n}\n" for n in names).encode()
        raw = proc.run_bytes(
            ["git", "--git-dir", self.mirror, "cat-file", "--batch"], stdin=request
        )
        return dict(zip(names, _parse_batch(raw), strict=True))

    def extract(self, subdir: str, dest: Path) -> Path:
        """Write ``subdir`` of the commit under ``dest`` (a fresh work tree) and return it."""
        data = proc.run_bytes(
            ["git", "--git-dir", self.mirror, "archive", "--format=tar", self.commit, subdir]
        )
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                _check_member(member, f"{self.repo} at {self.commit[:12]}")
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4+
                tar.extractall(dest, filter="data")
            else:  # members checked above
                tar.extractall(dest)
        return dest / subdir


def _check_member(member: tarfile.TarInfo, where: str) -> None:
    """Refuse an upstream tree whose paths or links point outside it (one line, exit 2)."""
    name = member.name
    problem = None
    if name.startswith("/") or ".." in Path(name).parts:
        problem = "has a path outside the tree"
    elif member.issym() or member.islnk():
        target = member.linkname
        base = os.path.dirname(name) if member.issym() else ""
        resolved = os.path.normpath(os.path.join(base, target))
        if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
            problem = f"is a link to {target}, outside the tree"
    elif not (member.isfile() or member.isdir()):
        problem = "is not a regular file or directory"
    if problem:
        raise UsageError(f"upstream {where}: {name} {problem}")


def repo_url(repo: str) -> str:
    """``owner/name`` → GitHub URL; URLs as given; an existing path → its absolute path."""
    text = repo.strip()
    if URL_LIKE.match(text):
        return text
    path = Path(text).expanduser()
    if path.exists():
        if not ((path / ".git").exists() or (path / "HEAD").is_file()):
            raise UsageError(f"upstream repo {repo!r} is a path but not a git repository")
        return str(path.resolve())
    if OWNER_NAME.match(text):
        return f"https://github.com/{text}.git"
    raise UsageError(
        f"upstream repo {proc.redact(repo)!r} is not owner/name, a git URL, "
        "or an existing local path"
    )


def fetch_upstream(repo: str, ref: str, cache: Cache, *, verbose: bool = False) -> UpstreamSource:
    """Clone or update the mirror for ``repo`` and resolve ``ref`` to a commit."""
    if not ref.strip() or ref.startswith("-") or ".." in ref:
        raise UsageError(f"upstream ref {ref!r} is not a branch, tag or commit SHA")
    url = repo_url(repo)
    mirror = cache.repo_dir(url)
    with cache.lock(f"repo-{mirror.name}"):
        if not (mirror / "HEAD").is_file():
            _clone(url, mirror, verbose)
        elif not os.access(mirror, os.W_OK):
            cache.warn(f"cache {cache.root} is read-only: {ref} resolved without fetching")
        elif not (FULL_SHA.match(ref) and _resolve(mirror, ref)):
            _git(mirror, verbose, "fetch", "--prune", "--tags", "--force", "origin")
        commit = _resolve(mirror, ref)
        if commit is None and HEX_REF.match(ref):
            commit = _fetch_commit(mirror, ref, verbose)
    if commit is None:
        raise UsageError(
            f"upstream ref {ref!r} not found in {proc.redact(repo)}: {_known_refs(mirror)}"
        )
    return UpstreamSource(repo=proc.redact(repo), url=url, ref=ref, commit=commit, mirror=mirror)


def _clone(url: str, mirror: Path, verbose: bool) -> None:
    """Clone into a temporary sibling and rename, so a killed clone leaves no mirror."""
    mirror.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="clone-", dir=mirror.parent))
    try:
        proc.run(["git", "clone", "--bare", "--quiet", url, staging / "m.git"], verbose=verbose)
        _git(
            staging / "m.git",
            verbose,
            "config",
            "remote.origin.fetch",
            "+refs/heads/*:refs/heads/*",
        )
        (staging / "m.git").rename(mirror)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _resolve(mirror: Path, ref: str) -> str | None:
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        try:
            out = proc.run(
                [
                    "git",
                    "--git-dir",
                    mirror,
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    f"{candidate}^{{commit}}",
                ]
            )
        except BuildError:
            continue
        if out.strip():
            return out.strip()
    return None


def _fetch_commit(mirror: Path, sha: str, verbose: bool) -> str | None:
    """A commit that no branch or tag points at yet: ask the remote for it directly."""
    if not FULL_SHA.match(sha.lower()):
        return None  # servers only hand out unadvertised commits by full SHA
    try:
        _git(mirror, verbose, "fetch", "origin", sha.lower())
    except BuildError:
        return None
    return _resolve(mirror, sha.lower())


def _known_refs(mirror: Path) -> str:
    out = proc.run(
        [
            "git",
            "--git-dir",
            mirror,
            "for-each-ref",
            "--format=%(refname)",
            "--sort=-creatordate",
            "refs/heads",
            "refs/tags",
        ]
    )
    heads = [r.removeprefix("refs/heads/") for r in out.split() if r.startswith("refs/heads/")]
    tags = [r.removeprefix("refs/tags/") for r in out.split() if r.startswith("refs/tags/")]
    return (
        f"branches: {', '.join(heads[:5]) or 'none'}; "
        f"newest tags: {', '.join(tags[:5]) or 'none'}; or a commit SHA"
    )


def _git(mirror: Path, verbose: bool, *args: str | Path) -> str:
    return proc.run(["git", "--git-dir", mirror, *args], verbose=verbose)


def _parse_batch(raw: bytes) -> list[str]:
    """Split ``git cat-file --batch`` output into the blobs' texts, in request order."""
    texts: list[str] = []
    pos = 0
    while pos < len(raw):
        header_end = raw.index(b"\n", pos)
        header = raw[pos:header_end].split()
        size = int(header[2])
        start = header_end + 1
        texts.append(raw[start : start + size].decode("utf-8", "replace"))
        pos = start + size + 1
    return texts
