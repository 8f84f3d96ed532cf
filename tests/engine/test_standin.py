"""The stand-in upstream really builds like upstream: real git, real go build, real ELF.

Expectations are derived from the stand-in's own description (StandIn) and from the
build-tag rule, never typed in as results.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from standin import (
    GoProxy,
    StandIn,
    add_component,
    add_tag,
    describe,
    escape_module_path,
    extra_wrapper,
    go_binary,
    go_environ,
    make_goproxy,
)
from standin.gitrepo import git
from standin.model import COLLECTOR_MODULE, KINDS

GO = str(go_binary())
CUSTOM_TAGS = (
    "lambdacomponents.custom",
    "lambdacomponents.receiver.otlp",
    "lambdacomponents.processor.all",
    "lambdacomponents.connector.spanmetrics",
)
ELF_MACHINE = {"amd64": 62, "arm64": 183}
SHAPE = re.compile(
    r"^//go:build lambdacomponents\.custom && \(lambdacomponents\.all \|\| "
    r"lambdacomponents\.(\w+)\.all \|\| lambdacomponents\.(\w+)\.(\w+)\)$"
)


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}"
    return proc


def clone(standin: StandIn, dest: Path, ref: str = "main") -> Path:
    git(["clone", "--quiet", "--branch", ref, standin.url, str(dest)], dest.parent)
    return dest / "collector"


def go_build(
    collector: Path,
    out: Path,
    arch: str,
    tags: tuple[str, ...],
    env: dict[str, str],
    githash: str = "cafe",
) -> Path:
    """Upstream's `make build` command line, without make."""
    ldflags = f"-s -w -X main.GitHash={githash} -X main.Version=v0.158.0"
    cmd = [
        GO,
        "build",
        "-trimpath",
        *(["-tags", ",".join(tags)] if tags else []),
        "-ldflags",
        ldflags,
        "-o",
        f"{out}/",
        ".",
    ]
    build_env = {
        **env,
        "GOOS": "linux",
        "GOARCH": arch,
        "GOPROXY": "off",
        "GOFLAGS": "-mod=readonly -modcacherw",
    }
    run(cmd, collector, build_env)
    return out / "collector"


def linked(standin: StandIn, tags: tuple[str, ...]) -> dict[str, list[str]]:
    """Tag names a tag set links, by the rule in upstream's //go:build lines."""
    if "lambdacomponents.custom" not in tags:
        return standin.default_components

    def on(kind: str, name: str) -> bool:
        wanted = {
            "lambdacomponents.all",
            f"lambdacomponents.{kind}.all",
            f"lambdacomponents.{kind}.{name}",
        }
        return bool(wanted & set(tags))

    return {k: [n for n in standin.components[k] if on(k, n)] for k in KINDS}


def component_modules(binary: Path, env: dict[str, str]) -> set[str]:
    out = run([GO, "version", "-m", str(binary)], binary.parent, env).stdout
    deps = re.findall(r"^\tdep\t(\S+)\t", out, flags=re.M)
    return {d for d in deps if d.startswith(f"{COLLECTOR_MODULE}/components/")}


def elf_machine(binary: Path) -> int:
    header = binary.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    return int.from_bytes(header[18:20], "little")


@pytest.fixture(scope="module")
def go_environment(tmp_path_factory: pytest.TempPathFactory, go_build_cache: Path) -> dict:
    return go_environ(tmp_path_factory.mktemp("go"), None, gocache=go_build_cache)


@pytest.fixture(scope="module")
def builds(
    standin: StandIn, tmp_path_factory: pytest.TempPathFactory, go_environment: dict
) -> dict[tuple[str, str], Path]:
    """Default and custom builds for both arches; custom arm64 through `make package`."""
    root = tmp_path_factory.mktemp("builds")
    collector = clone(standin, root / "upstream")
    out = {}
    for arch in ("amd64", "arm64"):
        out["default", arch] = go_build(
            collector, root / f"default-{arch}", arch, (), go_environment, standin.main_commit
        )
    out["custom", "amd64"] = go_build(
        collector, root / "custom-amd64", "amd64", CUSTOM_TAGS, go_environment, standin.main_commit
    )
    run(
        ["make", "package", "GOARCH=arm64", f"BUILDTAGS={','.join(CUSTOM_TAGS)}"],
        collector,
        go_environment,
    )
    out["custom", "arm64"] = collector / "build/extensions/collector"
    return out


def test_history_has_distinct_branch_tag_and_shas(standin: StandIn, standin_worktree: StandIn):
    assert standin.main_commit != standin.tag_commit
    assert git(["cat-file", "-t", f"refs/tags/{standin.tag_name}"], standin.path) == "tag"
    assert git(["rev-parse", f"{standin.main_commit}~1"], standin.path) == standin.tag_commit
    short = git(["rev-parse", "--verify", f"{standin.short_main_commit}^{{commit}}"], standin.path)
    assert short == standin.main_commit
    # Fixed identities and dates: the same SHAs whether bare or not, in any run.
    assert (standin_worktree.main_commit, standin_worktree.tag_commit) == (
        standin.main_commit,
        standin.tag_commit,
    )
    assert git(["status", "--porcelain"], standin_worktree.path) == ""


def test_gomod_has_upstream_module_path_go_directive_and_otelcol_line(standin: StandIn):
    gomod = git(["show", "main:collector/go.mod"], standin.path)
    assert gomod.splitlines()[0] == f"module {COLLECTOR_MODULE}"
    assert "\ngo 1.26.1\n" in gomod
    versions = re.findall(r"go\.opentelemetry\.io/collector/otelcol (v\S+)", gomod)
    assert versions == [standin.collector_version]
    assert "lambdacomponents => ./lambdacomponents" in gomod


@pytest.mark.parametrize("ref", ["main", "tag"])
def test_go_build_lines_match_the_catalogue(standin: StandIn, ref: str):
    rev = "main" if ref == "main" else standin.tag_name
    files = git(["ls-tree", "-r", "--name-only", rev, "collector/lambdacomponents/"], standin.path)
    found: dict[str, list[str]] = {k: [] for k in KINDS}
    for rel in files.splitlines():
        first = git(["show", f"{rev}:{rel}"], standin.path).splitlines()[0]
        if match := SHAPE.match(first):
            kind, kind_again, name = match.groups()
            assert kind == kind_again == rel.split("/")[2] and rel.endswith(f"/{name}.go")
            found[kind].append(name)
    expected = standin.components if ref == "main" else standin.tag_components
    assert {k: sorted(v) for k, v in found.items()} == expected
    assert set(standin.components["processor"]) - set(standin.tag_components["processor"]) == {
        "coldstart"
    }


def test_tree_is_tidy_gofmt_clean_and_verified(
    standin: StandIn, standin_worktree: StandIn, go_environment: dict, tmp_path: Path
):
    collector = standin_worktree.path / "collector"
    at_tag = clone(standin, tmp_path / "at-tag", ref=standin.tag_name)
    for module in (collector, collector / "lambdacomponents", at_tag, at_tag / "lambdacomponents"):
        run([GO, "mod", "tidy", "-diff"], module, go_environment)
    assert run([GO, "mod", "verify"], collector, go_environment).stdout.strip() == (
        "all modules verified"
    )
    gofmt = str(Path(GO).with_name("gofmt"))
    assert run([gofmt, "-l", "."], collector, go_environment).stdout == ""


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
@pytest.mark.parametrize("variant", ["default", "custom"])
def test_build_links_exactly_the_tagged_modules(
    builds: dict, standin: StandIn, go_environment: dict, variant: str, arch: str
):
    binary = builds[variant, arch]
    assert elf_machine(binary) == ELF_MACHINE[arch]
    tags = CUSTOM_TAGS if variant == "custom" else ()
    want = {standin.module_paths[f"{k}.{n}"] for k, ns in linked(standin, tags).items() for n in ns}
    assert component_modules(binary, go_environment) == want


def test_amd64_binaries_report_the_linked_component_ids(builds: dict, standin: StandIn):
    reports = {}
    for variant, tags in (("default", ()), ("custom", CUSTOM_TAGS)):
        proc = subprocess.run(
            [builds[variant, "amd64"]], capture_output=True, text=True, check=True
        )
        reports[variant] = json.loads(proc.stdout)
        ids = {
            k: sorted(standin.yaml_ids[k][n] for n in ns) for k, ns in linked(standin, tags).items()
        }
        assert reports[variant] == ids
        assert standin.main_commit in proc.stderr  # -X main.GitHash reached the binary
    assert reports["default"] != reports["custom"]
    assert "memory_limiter" in reports["custom"]["processor"]
    version = subprocess.run([builds["default", "amd64"], "-v"], capture_output=True, text=True)
    assert version.stdout.strip() == standin.collector_version


def test_make_package_writes_upstream_zip_layout(builds: dict, standin: StandIn):
    zip_path = builds["custom", "arm64"].parents[1] / "opentelemetry-collector-layer-arm64.zip"
    with zipfile.ZipFile(zip_path) as zf:
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    assert modes["extensions/collector"] & 0o777 == 0o755
    assert "collector-config/config.yaml" in modes
    collector = builds["custom", "arm64"].parents[2]
    assert (collector / "VERSION").read_text().strip() == standin.collector_version
    assert git(["status", "--porcelain", "--ignored=no"], collector) == ""  # VERSION, build/


def test_goproxy_has_go_layout_and_is_deterministic(goproxy: GoProxy, tmp_path: Path):
    base = goproxy.root / escape_module_path(goproxy.module) / "@v"
    assert (base / "list").read_text().split() == list(goproxy.versions)
    for version in goproxy.versions:
        assert json.loads((base / f"{version}.info").read_text())["Version"] == version
        with zipfile.ZipFile(base / f"{version}.zip") as zf:
            names = zf.namelist()
            mod = zf.read(f"{goproxy.module}@{version}/go.mod").decode()
        assert all(n.startswith(f"{goproxy.module}@{version}/") for n in names)
        assert mod == (base / f"{version}.mod").read_text()
    again = make_goproxy(tmp_path / "again")
    for f in sorted(base.iterdir()):
        assert f.read_bytes() == (again.root / f.relative_to(goproxy.root)).read_bytes()
    assert escape_module_path("github.com/Azure/go-AMQP") == "github.com/!azure/go-!a!m!q!p"


@pytest.mark.parametrize("version", ["v0.158.0", "v0.160.0"])
def test_overlay_module_from_goproxy_builds_offline(
    standin: StandIn, goproxy: GoProxy, offline_go_env: dict, tmp_path: Path, version: str
):
    collector = clone(standin, tmp_path / "upstream")
    (collector / "lambdacomponents/exporter/extra.go").write_text(extra_wrapper())
    run([GO, "mod", "edit", f"-require={goproxy.module}@{version}"], collector, offline_go_env)
    run([GO, "mod", "tidy"], collector, offline_go_env)
    gomod = (collector / "go.mod").read_text()
    assert f"\t{goproxy.module} {version}" in gomod
    assert f"go.opentelemetry.io/collector/component {goproxy.core_version(version)}" in gomod
    assert f"{goproxy.module} {version} h1:" in (collector / "go.sum").read_text()
    tags = ("lambdacomponents.custom", "lambdacomponents.exporter.extra")
    binary = go_build(collector, tmp_path / "out", "amd64", tags, offline_go_env)
    report = json.loads(subprocess.run([binary], capture_output=True, check=True).stdout)
    assert report["exporter"] == [goproxy.yaml_id]
    info = run([GO, "version", "-m", str(binary)], tmp_path, offline_go_env).stdout
    assert re.search(rf"\tdep\t{re.escape(goproxy.module)}\t{version}\th1:", info)


def test_added_component_is_tagged_tidy_and_buildable(
    fresh_standin: StandIn, offline_go_env: dict, tmp_path: Path
):
    commit = add_component(fresh_standin, "exporter", "awsxray", "aws_xray")
    assert add_tag(fresh_standin, "layer-collector/0.2.0") == commit
    after = describe(fresh_standin.path, bare=True)
    assert after.main_commit == commit != fresh_standin.main_commit
    assert after.components["exporter"] == sorted(
        [*fresh_standin.components["exporter"], "awsxray"]
    )
    assert after.default_components == fresh_standin.default_components
    collector = clone(after, tmp_path / "upstream", ref="layer-collector/0.2.0")
    first = (collector / "lambdacomponents/exporter/awsxray.go").read_text().splitlines()[0]
    assert SHAPE.match(first)
    run([GO, "mod", "tidy", "-diff"], collector, {**offline_go_env, "GOPROXY": "off"})
    tags = ("lambdacomponents.custom", "lambdacomponents.exporter.awsxray")
    binary = go_build(collector, tmp_path / "out", "amd64", tags, offline_go_env)
    report = json.loads(subprocess.run([binary], capture_output=True, check=True).stdout)
    assert report["exporter"] == ["aws_xray"]
    with pytest.raises(ValueError, match="already exists"):
        add_component(after, "exporter", "awsxray")


def test_caches_point_into_tmp(ocelot_cache: Path, tmp_path: Path):
    assert Path(os.environ["OCELOT_CACHE_DIR"]) == ocelot_cache
    assert Path(os.environ["XDG_CACHE_HOME"]).is_relative_to(tmp_path)
    assert os.environ["GOPROXY"] == "off" and os.environ["GOTOOLCHAIN"] == "local"
