"""docs/quickstart.md's build command, as written, against the stand-in upstream (``-r``/``-b``
and the test's distributions file added, since the real upstream is not reachable here):
it writes the three files the page names and says where they are."""

from __future__ import annotations

import re
import shlex

from ocelot_build.core.files import PROJECT_ROOT

from .conftest import run_cli

PAGE = (PROJECT_ROOT / "docs" / "quickstart.md").read_text()


def test_the_quickstart_build_writes_the_files_the_page_names(
    standin, dists_file, empty_registry, tmp_path, ocelot_cache
):
    (line,) = [
        x
        for x in re.findall(r"^uv run python -m ocelot_build .*$", PAGE, re.M)
        if "--skip-publish" in x
    ]
    argv = shlex.split(line)[5:]  # after "uv run python -m ocelot_build"
    offline = ["-r", str(standin.path), "-b", standin.main_commit, "-c", str(dists_file)]
    offline += ["--components", str(empty_registry)]
    result = run_cli([*argv, *offline], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in (
        "ocel-minimal-arm64.zip",
        "ocel-minimal-arm64.json",
        "ocel-minimal-arm64.cdx.json",
    ):
        assert f"build/{name}" in PAGE
        assert (tmp_path / "build" / name).is_file()
        assert f"build/{name}" in result.stdout  # the summary lists it
    verify = re.search(r"^uv run python -m ocelot_build.verify (\S+)$", PAGE, re.M)
    assert verify and (tmp_path / verify.group(1)).is_file()
