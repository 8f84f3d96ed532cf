"""Credentials in -r never echo: progress, -v, errors, manifest, stack config, CI matrix."""

from __future__ import annotations

from ocelot_build.core.proc import redact

from .conftest import run_cli

SECRET_URL = "https://user:s3cret-token@127.0.0.1:9/owner/repo.git"


def test_redact_hides_userinfo_and_keeps_the_rest():
    assert redact(SECRET_URL) == "https://***@127.0.0.1:9/owner/repo.git"
    assert redact("fatal: unable to access 'https://tok@h/x': refused") == (
        "fatal: unable to access 'https://***@h/x': refused"
    )
    assert redact("owner/name") == "owner/name"


def test_a_failing_fetch_never_shows_the_token(dists_file, empty_registry, tmp_path, ocelot_cache):
    args = ["-r", SECRET_URL, "-c", str(dists_file), "--components", str(empty_registry)]
    result = run_cli([*args, "-o", str(tmp_path / "out"), "--skip-publish", "-v"], cwd=tmp_path)
    assert result.returncode != 0
    assert "s3cret" not in result.stderr + result.stdout
    assert "https://***@127.0.0.1:9/owner/repo.git" in result.stderr


def test_the_mirror_key_still_tells_repositories_apart(tmp_path):
    from ocelot_build.store.cache import Cache

    cache = Cache(tmp_path)
    assert cache.repo_dir(SECRET_URL) != cache.repo_dir(SECRET_URL.replace("user:", "other:"))
