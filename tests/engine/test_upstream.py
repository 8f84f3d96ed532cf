"""Upstream forms and refs, the mirror store, and tags read from the source."""

from __future__ import annotations

import pytest
from standin import add_component

from ocelot_build.core.errors import UsageError
from ocelot_build.stages.upstream import fetch_upstream, repo_url
from ocelot_build.store.cache import Cache

from .conftest import build_one


@pytest.mark.parametrize("ref_kind", ["branch", "tag", "full_sha", "short_sha"])
def test_every_ref_form_resolves_to_its_commit(standin, ocelot_cache, ref_kind):
    ref, expected = {
        "branch": ("main", standin.main_commit),
        "tag": (standin.tag_name, standin.tag_commit),
        "full_sha": (standin.tag_commit, standin.tag_commit),
        "short_sha": (standin.tag_commit[:8], standin.tag_commit),
    }[ref_kind]
    assert fetch_upstream(str(standin.path), ref, Cache()).commit == expected


def test_work_tree_path_and_file_url_are_accepted(standin_worktree, ocelot_cache):
    by_path = fetch_upstream(str(standin_worktree.path), "main", Cache())
    by_url = fetch_upstream(standin_worktree.path.as_uri(), "main", Cache())
    assert by_path.commit == by_url.commit == standin_worktree.main_commit


def test_owner_name_means_github_and_nonsense_is_refused(tmp_path):
    assert (
        repo_url("open-telemetry/opentelemetry-lambda")
        == "https://github.com/open-telemetry/opentelemetry-lambda.git"
    )
    with pytest.raises(UsageError, match="not owner/name, a git URL, or an existing"):
        repo_url("not a repo/at/all")
    (tmp_path / "plain").mkdir()
    with pytest.raises(UsageError, match="not a git repository"):
        repo_url(str(tmp_path / "plain"))


def test_unknown_ref_lists_what_exists(standin, ocelot_cache):
    with pytest.raises(UsageError) as err:
        fetch_upstream(str(standin.path), "mian", Cache())
    assert "'mian' not found" in str(err.value)
    assert "branches: main" in str(err.value) and standin.tag_name in str(err.value)


def test_mirror_is_reused_and_fetches_new_commits(fresh_standin, ocelot_cache):
    cache = Cache()
    first = fetch_upstream(str(fresh_standin.path), "main", cache)
    marker = first.mirror / "ocelot-test-marker"
    marker.write_text("the mirror must be fetched into, not cloned again")
    new_commit = add_component(fresh_standin, "exporter", "zipkin")
    second = fetch_upstream(str(fresh_standin.path), "main", cache)
    assert second.mirror == first.mirror and marker.exists()
    assert second.commit == new_commit != first.commit


def test_a_new_upstream_component_tag_needs_no_code_change(fresh_standin, request_for, dists_file):
    """Upstream drift: a tag that appears upstream is valid at once (issue 4, point 5)."""
    import yaml

    data = yaml.safe_load(dists_file.read_text())
    data["distributions"]["minimal-zipkin"] = {
        "description": "with a new upstream exporter",
        "base": "minimal",
        "build-tags": ["exporter.zipkin"],
    }
    dists_file.write_text(yaml.safe_dump(data))
    request = request_for(distributions=("minimal-zipkin",), upstream_repo=str(fresh_standin.path))
    with pytest.raises(UsageError, match=r"unknown build tag 'exporter\.zipkin'"):
        build_one(request)
    add_component(fresh_standin, "exporter", "zipkin")
    artifact = build_one(request)
    assert "zipkin" in artifact.manifest.components["exporter"]


def test_tags_are_validated_at_the_requested_commit(request_for, standin, dists_file):
    """coldstart exists on main but not at the tag: the tag's catalogue must refuse it."""
    import yaml

    data = yaml.safe_load(dists_file.read_text())
    data["distributions"]["cold"] = {
        "description": "d",
        "base": "minimal",
        "build-tags": ["processor.coldstart"],
    }
    dists_file.write_text(yaml.safe_dump(data))
    assert build_one(request_for(distributions=("cold",))).manifest.components["processor"] == (
        "batch",
        "coldstart",
    )
    with pytest.raises(UsageError, match=r"unknown build tag 'processor\.coldstart'"):
        build_one(request_for(distributions=("cold",), upstream_ref=standin.tag_name))
