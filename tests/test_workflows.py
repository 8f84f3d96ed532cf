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


def _publish() -> dict:
    return yaml.safe_load((ROOT / ".github/workflows/publish.yml").read_text())


def test_publish_inputs_only_select_stacks_and_reach_steps_through_env():
    """Desired state is in git: a run can choose stacks, not what they publish."""
    text = (ROOT / ".github/workflows/publish.yml").read_text()
    workflow = yaml.safe_load(text)
    inputs = workflow[True]["workflow_dispatch"]["inputs"]  # YAML 1.1 reads `on` as True
    assert set(inputs) == {"stacks"}
    assert re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", text) == ["stacks"]
    assert "inputs.stacks" in str(workflow["env"].values())
    assert "infra.ci apply" not in text  # the runner's stack file is never rewritten


def _steps(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_full_sha_with_its_tag(path):
    for line in path.read_text().splitlines():
        if "uses:" in line:
            assert re.search(r"uses: [\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$", line), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(path):
    workflow = yaml.safe_load(path.read_text())
    checkouts = [s for _, s in _steps(workflow) if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_pulumi_cli_is_pinned_to_the_sdk_version():
    sdk = re.search(r'"pulumi==([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert sdk, "pyproject.toml pins the pulumi SDK"
    workflow = _publish()
    assert workflow["env"]["PULUMI_VERSION"] == sdk.group(1)
    installs = [s for _, s in _steps(workflow) if s.get("uses", "").startswith("pulumi/actions@")]
    assert installs and all(
        s["with"]["pulumi-version"] == "${{ env.PULUMI_VERSION }}" for s in installs
    )


UPSTREAM_TOKEN = "${{ secrets.OCELOT_UPSTREAM_TOKEN }}"


def test_secrets_only_in_the_steps_that_run_pulumi():
    workflow = _publish()
    for job in workflow["jobs"].values():
        assert "secrets." not in str(job.get("env", {}))
    for name, step in _steps(workflow):
        if step.get("env", {}).get("UPSTREAM_TOKEN") == UPSTREAM_TOKEN:
            continue  # the upstream token's own step, below
        if "secrets." in str(step):
            assert "pulumi " in step.get("run", ""), (name, step.get("name"))


def test_every_job_that_clones_upstream_gets_the_token_through_git_s_credential_store():
    """Why: build jobs got a redacted URL they could not clone. Now they get the committed
    URL (infra.ci refuses one with credentials) and a private upstream's token from the
    OCELOT_UPSTREAM_TOKEN secret, written to git's credential store: never in a URL, a
    command line or the log."""
    workflow = _publish()
    for name in ("build", "preview", "up"):
        job = workflow["jobs"][name]
        steps = [s for s in job["steps"] if s.get("env", {}).get("UPSTREAM_TOKEN")]
        assert len(steps) == 1, name
        (step,) = steps
        assert step["env"] == {"UPSTREAM_TOKEN": UPSTREAM_TOKEN}
        script = step["run"]
        assert "credential.helper store" in script and "umask 077" in script
        assert "secrets." not in script and "echo" not in script and "set -x" not in script
        assert job["env"]["REPO"].startswith("${{ matrix.repo }}")
        clone = next(i for i, s in enumerate(job["steps"])
                     if "ocelot_build" in s.get("run", "") or "pulumi preview" in s.get("run", "")
                     or "pulumi up" in s.get("run", ""))  # fmt: skip
        assert job["steps"].index(step) < clone, name


def test_preview_saves_a_plan_that_up_applies_after_approval():
    workflow = _publish()
    preview, up = workflow["jobs"]["preview"], workflow["jobs"]["up"]
    runs = lambda job: " ".join(s.get("run", "") for s in job["steps"])  # noqa: E731
    assert "pulumi preview" in runs(preview) and "--save-plan plan/plan.json" in runs(preview)
    assert "pulumi up" in runs(up) and "--plan plan/plan.json" in runs(up)
    assert "preview" in up["needs"]
    assert up["environment"] == "publish"  # its required reviewers approve between the two
    assert preview["environment"] != "publish"
    assert "infra.published_diff" in runs(preview)  # the approver sees what each layer changes


def test_only_the_build_job_boots_layers_deploy_jobs_check_carried_results():
    workflow = _publish()
    build = workflow["jobs"]["build"]
    secrets = re.findall(r"secrets\.[A-Z_]+", str(build))
    assert "id-token" not in str(build.get("permissions", {}))
    assert secrets == ["secrets.OCELOT_UPSTREAM_TOKEN"]  # no cloud credentials, only git's
    assert "--verify" in " ".join(s.get("run", "") for s in build["steps"])
    uploads = [s["with"]["path"] for s in build["steps"] if "upload-artifact" in s.get("uses", "")]
    assert "build/*.json" in uploads  # the manifests carry the boot check results
    for name in ("preview", "up"):
        job = workflow["jobs"][name]
        text = str(job)
        assert "OCELOT_CARRIED_CHECKS" in text and "qemu" not in text
        assert "--verify" not in text


def test_build_runs_in_a_matrix_with_caches():
    workflow = _publish()
    build = workflow["jobs"]["build"]
    assert workflow["permissions"] == {"contents": "read"}
    assert "fromJSON(needs.plan.outputs.matrix)" in build["strategy"]["matrix"]["include"]
    cached = [
        s["with"]["path"] for s in build["steps"] if s.get("uses", "").startswith("actions/cache@")
    ]
    assert any("GOMODCACHE" in p and "GOCACHE" in p for p in cached)
    assert any("OCELOT_CACHE_DIR" in p for p in cached)
    for name in ("preview", "up"):
        steps = [s.get("uses", "") for s in workflow["jobs"][name]["steps"]]
        assert workflow["jobs"][name]["permissions"]["id-token"] == "write"
        assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in steps)


def test_docs_limit_both_environments_to_the_default_branch():
    """Why: the preview and publish environments had no deployment-branch rule, so a
    collaborator's branch could use ``environment: preview``."""
    docs = (ROOT / "docs" / "publishing.md").read_text()
    settings = docs[docs.index("Repository settings:") :]
    for environment in ("preview", "publish"):
        assert f"environment `{environment}` (deployment branches: the default branch)" in settings
    assert "Give both environments, `preview` and `publish`, the rule" in settings
    workflow = _publish()
    assert {workflow["jobs"][j]["environment"] for j in ("preview", "up")} == {"preview", "publish"}
