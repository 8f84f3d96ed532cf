"""The workflow's diff against each layer's published version (``infra.published_diff``)."""

from __future__ import annotations

import json

from pulumi_harness import FakeBuilder, run_program

from infra import published_diff
from ocelot_build.api import BuildRequest
from ocelot_build.core.model import Architecture


def test_changed_layers_get_a_diff_unchanged_ones_a_line(tmp_path, base_config, dist_file, capsys):
    config = {**base_config, "ocelot:architectures": ["amd64"]}
    old_builder = FakeBuilder()
    published = run_program(config, root=tmp_path / "old", builder=old_builder).output
    old_manifests = {a.distribution: a.manifest_path for a in old_builder(old_builder.calls[0])}
    # this run: minimal's bytes changed (a bigger binary), tracing's did not
    request = BuildRequest(distributions=("minimal", "tracing"),
                           architectures=(Architecture.AMD64,), config_path=dist_file,
                           output_dir=tmp_path / "checks")  # fmt: skip
    FakeBuilder(sizes={"minimal": 2048})(request)
    (tmp_path / "published.json").write_text(json.dumps({"layers": published}))
    fetched: list[str] = []

    def fetch(arn, scratch):  # the published zip's facts; a manifest stands in for the zip
        fetched.append(arn)
        return old_manifests["minimal"]

    code = published_diff.main(
        ["--published", str(tmp_path / "published.json"), "--checks", str(tmp_path / "checks")],
        fetch=fetch,
    )
    out = capsys.readouterr().out
    assert code == 0
    assert fetched == [published["eu-west-1"]["minimal"]["amd64"]["arn"]]  # only the changed
    assert (
        "### `published ocel-minimal-amd64-0_158_0:1` → `this build (ocel-minimal-amd64.json)`"
    ) in out
    zip_row = next(line for line in out.splitlines() if line.startswith("| zip |"))
    assert zip_row.endswith(" |") and "+" in zip_row  # the new zip is bigger
    tracing = published["eu-west-1"]["tracing"]["amd64"]["arn"]
    assert f"- `tracing/amd64`: unchanged ({tracing})" in out


def test_a_stack_with_nothing_published_says_so(tmp_path, capsys):
    (tmp_path / "p.json").write_text("{}")
    (tmp_path / "checks").mkdir()
    assert published_diff.main(["--published", str(tmp_path / "p.json"),
                                "--checks", str(tmp_path / "checks")]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("No layer of this stack is published yet")
