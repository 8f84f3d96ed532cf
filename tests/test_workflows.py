"""The GitHub workflows pass actionlint, and no input reaches a shell script except via env."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# Found before the test fixtures point GOPATH at a temporary directory.
_ACTIONLINT = (
    os.environ.get("ACTIONLINT")
    or shutil.which("actionlint")
    or next(
        (
            str(p)
            for p in [
                ROOT / ".venv" / "bin" / "actionlint",
                Path.home() / "go" / "bin" / "actionlint",
            ]
            if p.is_file()
        ),
        None,
    )
)


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} >= {"publish.yml", "ci.yml"}
    assert "run: .ci/run" in (ROOT / ".github/workflows/ci.yml").read_text()


def test_workflows_pass_actionlint():
    if _ACTIONLINT is None:
        message = "actionlint not found: .ci/run builds it into .venv/bin from the Go module proxy"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run(
        [_ACTIONLINT, "-no-color", *map(str, WORKFLOWS)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _run_scripts(node, where=""):
    """Every `run:` script in a workflow, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield where, value
            else:
                yield from _run_scripts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _run_scripts(value, f"{where}[{i}]")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_shell_script(path):
    scripts = list(_run_scripts(yaml.safe_load(path.read_text())))
    assert scripts, f"{path.name} has no run steps"
    offenders = [where for where, script in scripts if "${{" in script]
    assert offenders == [], f"expressions in run scripts (use env:): {offenders}"


def test_publish_inputs_reach_steps_through_env_only():
    text = (ROOT / ".github/workflows/publish.yml").read_text()
    workflow = yaml.safe_load(text)
    inputs = workflow[True]["workflow_dispatch"]["inputs"]  # YAML 1.1 reads `on` as True
    assert set(inputs) == {"stacks", "distributions", "architectures", "upstream-ref"}
    uses = re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", text)
    assert sorted(uses) == sorted(inputs)  # each once, in the top-level env block
    assert all(f"inputs.{name}" in str(workflow["env"].values()) for name in inputs)


def test_deploy_uses_oidc_and_builds_in_a_matrix():
    workflow = yaml.safe_load((ROOT / ".github/workflows/publish.yml").read_text())
    deploy, build = workflow["jobs"]["deploy"], workflow["jobs"]["build"]
    assert deploy["permissions"]["id-token"] == "write"
    assert workflow["permissions"] == {"contents": "read"}
    steps = [s.get("uses", "") for s in deploy["steps"]]
    assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in steps)
    assert any(u.startswith("pulumi/actions@") for u in steps)
    assert "fromJSON(needs.plan.outputs.matrix)" in build["strategy"]["matrix"]["include"]
    cached = [
        s["with"]["path"] for s in build["steps"] if s.get("uses", "").startswith("actions/cache@")
    ]
    assert any("GOMODCACHE" in p and "GOCACHE" in p for p in cached)
    assert any("OCELOT_CACHE_DIR" in p for p in cached)
