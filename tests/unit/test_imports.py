"""The import graph of ``ocelot_build`` and ``infra`` has no cycle, every import counted.

A cycle hidden by an import inside a function, or under ``if __name__ == "__main__":``,
still couples the modules both ways (``python -m`` of such a module loads it twice); this
reads every import statement at any depth with ``ast`` and fails naming the cycle. The two
top-level packages depend one way: ``infra`` (the Pulumi program) on ``ocelot_build``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ocelot_build"
INFRA = ROOT / "infra"


def _module_names() -> dict[str, Path]:
    names = {}
    for path in [*PACKAGE.rglob("*.py"), *INFRA.rglob("*.py")]:
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool) -> list[str]:
    """The modules one import statement names: ``from pkg import sub`` names ``pkg.sub``
    when that is a module, else ``pkg`` (parent packages are not counted as edges: Python
    imports them for every submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = name if is_package else name.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    module = node.module or ""
    if node.level:
        module = f"{base}.{module}" if module else base
    return [f"{module}.{alias.name}" for alias in node.names] + [module]


def import_graph() -> dict[str, set[str]]:
    modules = _module_names()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in _imports(ast.parse(path.read_text())):
            targets = _targets(node, name, path.name == "__init__.py")
            submodules = [t for t in targets[:-1] if t in modules]
            edges.update(submodules or [_owner(t, modules) for t in targets])
        edges.discard(name)
        edges.discard("")
        graph[name] = edges
    return graph


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import at any depth: in functions, under ``TYPE_CHECKING`` and under
    ``if __name__ == "__main__":`` alike."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


def _owner(target: str, modules: dict[str, Path]) -> str:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path that returns to its start, or None."""
    done: set[str] = set()
    for start in sorted(graph):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    return [*path, start]
                if nxt not in path and nxt not in done:
                    stack.append((nxt, [*path, nxt]))
        done.add(start)
    return None


def test_ocelot_build_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_check_sees_function_local_imports():
    graph = {"a": {"b"}, "b": {"a"}}
    assert find_cycle(graph) == ["a", "b", "a"]
    source = "def f():\n    from ocelot_build.engine import run\n"
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert "ocelot_build.engine" in _targets(node, "ocelot_build.api", False)
    assert "ocelot_build.core.types" in import_graph()["ocelot_build.api"]
    guarded = ast.parse('if __name__ == "__main__":\n    import ocelot_build.api\nimport os\n')
    assert [type(n).__name__ for n in _imports(guarded)] == ["Import", "Import"]
    assert "ocelot_build.store.housekeeping" not in import_graph()["ocelot_build.store.cache"]


def test_ocelot_build_never_imports_infra():
    """The Pulumi program builds on the engine, never the reverse: the CLI's ``--stack``
    bridge uses the stack rules in ``ocelot_build.publish``, which ``infra`` imports too."""
    wrong = sorted(
        f"{name} imports {dep}"
        for name, deps in import_graph().items()
        if name.startswith("ocelot_build")
        for dep in deps
        if dep == "infra" or dep.startswith("infra.")
    )
    assert not wrong, "; ".join(wrong)


# Libraries a cache hit does not need, each imported where it is used: cyclonedx when an SBOM
# is rendered (stages.sbom), protobuf and the OTLP messages by the boot check (verify.check),
# botocore when AWS or its Lambda model is asked, rich on a terminal, pulumi to publish.
HEAVY = ("cyclonedx", "botocore", "boto3", "google.protobuf", "opentelemetry", "rich", "pulumi")


def test_the_build_cli_starts_without_the_heavy_libraries():
    """A cache hit is about 0.1 s of work; importing these took 1.3 s of a 1.5 s command
    (``python -X importtime -c 'import ocelot_build.cli'``)."""
    code = "import sys, ocelot_build.cli; print('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(done.stdout.split())
    assert "ocelot_build.stages.builder" in loaded
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(f"{h}.") for h in HEAVY))
    assert not heavy, f"import ocelot_build.cli loads {heavy[:8]}"


def test_the_lambda_model_is_botocores_own_without_importing_botocore():
    """The layer-name and runtime rules come from the same model botocore's loader reads
    (newest API version, compressed or not), and reading it imports no botocore module."""
    from botocore.loaders import Loader

    from ocelot_build.core import runtimes

    loader = Loader()
    assert runtimes._shapes() == loader.load_service_model("lambda", "service-2")["shapes"]
    regions = {r for p in loader.load_data("endpoints")["partitions"] for r in p["regions"]}
    assert "eu-west-1" in runtimes.lambda_regions() and set(runtimes.lambda_regions()) <= regions
    code = (
        "import sys; from ocelot_build.core import runtimes as r; "
        "r.check_layer_name('ocel', '-minimal-amd64'); r.check_runtimes(['python3.13']); "
        "r.lambda_regions(); print('\\n'.join(sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert not [m for m in done.stdout.split() if m.partition(".")[0] == "botocore"]
