"""docs/architecture.md matches the code: every module is in a table, the layering holds,
and the number of error catch sites is the documented one."""

from __future__ import annotations

import ast
import re

from test_imports import PACKAGE, import_graph

from ocelot_build.core.files import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "architecture.md").read_text()
ERRORS = {
    "OcelotError",
    "UsageError",
    "ConfigError",
    "ToolMissingError",
    "BuildError",
    "VerifyError",
    "PublishError",
    "StackConfigError",
    "ManifestError",
}


def documented() -> set[str]:
    """Every backticked name in the first cell of a table row."""
    return {
        m for row in re.findall(r"^\| ([^|]+) \|", DOC, re.M) for m in re.findall(r"`([^`]+)`", row)
    }


def modules() -> set[str]:
    names = set()
    for path in [*PACKAGE.rglob("*.py"), *(PROJECT_ROOT / "infra").glob("*.py")]:
        parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            continue  # a folder: its docstring is its map, the doc's map names it
        if parts == ["ocelot_build", "__main__"]:
            parts.pop()
        if len(parts) > 1:
            names.add(".".join(parts[1:]) if parts[0] == "ocelot_build" else ".".join(parts))
    return names


def test_every_module_is_in_a_table():
    missing = sorted(modules() - documented())
    assert not missing, f"docs/architecture.md's module tables lack: {', '.join(missing)}"


def test_every_folder_is_on_the_map():
    folders = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    missing = [f for f in folders if f"`ocelot_build/{f}/`" not in DOC]
    assert not missing, f"docs/architecture.md's map lacks: {', '.join(missing)}"


def layers() -> dict[str, int]:
    section = DOC[DOC.index("## Who imports whom") :]
    rows = re.findall(r"^\| (\d+)\. [^|]+\| ([^\n]+) \|$", section, re.M)
    return {m: int(n) for n, names in rows for m in re.findall(r"`([^`]+)`", names)}


def test_modules_import_only_their_own_layer_or_lower():
    layer = layers()
    top = {
        n.removeprefix("ocelot_build.").split(".")[0]
        for n in import_graph()
        if n.startswith("ocelot_build")
    }
    unplaced = sorted(top - {"__main__", "ocelot_build"} - set(layer))
    assert not unplaced, f"not in a layer of docs/architecture.md: {unplaced}"
    wrong = [
        f"{a} (layer {layer[a]}) imports {b} (layer {layer[b]})"
        for name, deps in import_graph().items()
        for dep in deps
        if (a := name.removeprefix("ocelot_build.").split(".")[0]) in layer
        and (b := dep.removeprefix("ocelot_build.").split(".")[0]) in layer
        and layer[b] > layer[a]
    ]
    assert not wrong, "move the module up a layer in docs/architecture.md: " + "; ".join(wrong)


def catch_sites() -> list[str]:
    sites = []
    for path in [*PACKAGE.rglob("*.py"), *(PROJECT_ROOT / "infra").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
                if names & ERRORS:
                    sites.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    return sites


def test_the_documented_number_of_catch_sites():
    match = re.search(r"There are (\d+) `except` clauses that name an ocelot error", DOC)
    assert match, "docs/architecture.md lost its count of catch sites"
    sites = catch_sites()
    assert len(sites) == int(match.group(1)), (
        f"{len(sites)} catch sites, docs say {match.group(1)}; update 'How errors reach the "
        "exit code' in docs/architecture.md:\n" + "\n".join(sites)
    )
