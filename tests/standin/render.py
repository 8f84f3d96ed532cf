"""Render the stand-in's `collector/` tree from templates and a component list.

Files are returned as {path relative to the repo root: text}; go.mod files are written
exactly as `go mod tidy` would leave them, so tidying the stand-in is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from string import Template

from .model import (
    COLLECTOR_MODULE,
    COLLECTOR_VERSION,
    GO_DIRECTIVE,
    KINDS,
    LAMBDACOMPONENTS_MODULE,
    LOCAL_VERSION,
    STUBS,
    Component,
    stub_module,
)

TEMPLATES = Path(__file__).parent / "templates"


def template(path: str, /, **values: str) -> str:
    """Fill a template file; `$name` placeholders must all be given (KeyError otherwise)."""
    return Template((TEMPLATES / path).read_text()).substitute(values)


def static(name: str) -> str:
    """A template file used verbatim (Makefiles and Go code are full of `$`)."""
    return (TEMPLATES / name).read_text()


def render_tree(components: Iterable[Component]) -> dict[str, str]:
    """Every file of the stand-in repository for this component set."""
    comps = sorted(components, key=lambda c: (c.kind, c.name))
    files = {
        ".gitignore": static("collector/gitignore.tmpl"),
        "collector/README.md": static("collector/README.md.tmpl"),
        "collector/Makefile": static("collector/Makefile.tmpl"),
        "collector/config.yaml": static("collector/config.yaml.tmpl"),
        "collector/main.go": static("collector/main.go.tmpl"),
        "collector/internal/telemetryapi/telemetryapi.go": static(
            "collector/internal_telemetryapi.go.tmpl"
        ),
        "collector/lambdacomponents/custom.go": static("lambdacomponents/custom.go.tmpl"),
        "collector/lambdacomponents/default.go": render_default_go(comps),
    }
    files.update(render_gomods(comps))
    for kind in KINDS:
        files[f"collector/lambdacomponents/{kind}/pkg.go"] = template(
            "lambdacomponents/pkg.go.tmpl", kind=kind
        )
    for comp in comps:
        files.update(render_component(comp))
    files.update(render_stubs())
    return files


def render_gomods(components: Iterable[Component]) -> dict[str, str]:
    """collector/go.mod and lambdacomponents/go.mod for the given components."""
    comps = sorted(components, key=lambda c: c.module)
    return {
        "collector/go.mod": _collector_gomod(comps),
        "collector/lambdacomponents/go.mod": _lambdacomponents_gomod(comps),
    }


def render_component(comp: Component) -> dict[str, str]:
    """The component's own module plus its tag-guarded file in lambdacomponents."""
    base = f"collector/{comp.directory}"
    values = {"kind": comp.kind, "package": comp.package, "module": comp.module}
    factory = (
        "component/factory_extid.go.tmpl" if comp.lambda_specific else ("component/factory.go.tmpl")
    )
    requires = [
        (stub_module("component"), STUBS["component"]),
        (stub_module(comp.kind), STUBS[comp.kind]),
    ]
    if comp.lambda_specific:
        requires.insert(0, (COLLECTOR_MODULE, LOCAL_VERSION))
    return {
        f"{base}/go.mod": gomod(comp.module, requires),
        f"{base}/factory.go": template(factory, **values),
        f"{base}/internal/metadata/generated_status.go": template(
            "component/generated_status.go.tmpl", yaml_id=comp.yaml_id, module=comp.module
        ),
        f"collector/lambdacomponents/{comp.kind}/{comp.name}.go": template(
            "lambdacomponents/component.go.tmpl",
            kind=comp.kind,
            name=comp.name,
            module=comp.module,
            package=comp.package,
            args="extensionId" if comp.lambda_specific else "",
        ),
    }


def render_stubs() -> dict[str, str]:
    """Local modules standing in for go.opentelemetry.io/collector/{component,otelcol,...}."""
    files: dict[str, str] = {}
    component = [(stub_module("component"), STUBS["component"])]
    for name in STUBS:
        base = f"collector/stubs/{name}"
        if name == "component":
            files[f"{base}/go.mod"] = gomod(stub_module(name), [])
            files[f"{base}/component.go"] = static("stubs/component.go.tmpl")
        elif name == "otelcol":
            reqs = [(stub_module(n), v) for n, v in STUBS.items() if n != "otelcol"]
            files[f"{base}/go.mod"] = gomod(stub_module(name), reqs)
            files[f"{base}/otelcol.go"] = static("stubs/otelcol.go.tmpl")
        else:
            files[f"{base}/go.mod"] = gomod(stub_module(name), component)
            files[f"{base}/{name}.go"] = template("stubs/kind.go.tmpl", kind=name)
    return files


def render_default_go(components: list[Component]) -> str:
    """default.go: imports and one MakeFactoryMap call per kind for the default set."""
    default = [c for c in components if c.default]
    imports = sorted({f'\t"{c.module}"' for c in default})
    imports += [f'\t"{stub_module(k)}"' for k in sorted([*KINDS, "otelcol"])]
    plural = {k: f"{k}s" for k in KINDS}
    blocks = []
    for kind in ("receiver", "exporter", "processor", "extension", "connector"):
        calls = "".join(
            f"\t\t{c.package}.NewFactory({'extensionID' if c.lambda_specific else ''}),\n"
            for c in default
            if c.kind == kind
        )
        body = f"\n{calls}\t" if calls else ""
        blocks.append(
            f"\t{plural[kind]}, err := otelcol.MakeFactoryMap[{kind}.Factory]({body})\n"
            "\terrs = append(errs, err)\n"
        )
    return template(
        "lambdacomponents/default.go.tmpl",
        imports="\n".join(sorted(imports)),
        maps="".join(blocks),
    )


def gomod(
    module: str,
    requires: Iterable[tuple[str, str]],
    indirect: Iterable[tuple[str, str]] = (),
    replaces: Iterable[tuple[str, str]] = (),
) -> str:
    """A go.mod in `go mod tidy` layout: direct block, indirect block, then replaces."""
    text = f"module {module}\n\ngo {GO_DIRECTIVE}\n"
    text += _require_block(requires, "")
    text += _require_block(indirect, " // indirect")
    for old, new in replaces:
        text += f"\nreplace {old} => {new}\n"
    return text


def _require_block(reqs: Iterable[tuple[str, str]], suffix: str) -> str:
    lines = sorted(reqs)
    if not lines:
        return ""
    if len(lines) == 1:
        return f"\nrequire {lines[0][0]} {lines[0][1]}{suffix}\n"
    body = "".join(f"\t{path} {version}{suffix}\n" for path, version in lines)
    return f"\nrequire (\n{body})\n"


def _collector_gomod(comps: list[Component]) -> str:
    replaces = [(LAMBDACOMPONENTS_MODULE, "./lambdacomponents")]
    replaces += [(c.module, f"./{c.directory}") for c in comps]
    replaces += [(stub_module(n), f"./stubs/{n}") for n in STUBS]
    direct = [(LAMBDACOMPONENTS_MODULE, LOCAL_VERSION), (stub_module("otelcol"), COLLECTOR_VERSION)]
    indirect = [(c.module, LOCAL_VERSION) for c in comps]
    indirect += [(stub_module(n), v) for n, v in STUBS.items() if n != "otelcol"]
    return gomod(COLLECTOR_MODULE, direct, indirect, replaces)


def _lambdacomponents_gomod(comps: list[Component]) -> str:
    direct = [(c.module, LOCAL_VERSION) for c in comps]
    direct += [(stub_module(n), v) for n, v in STUBS.items()]
    indirect = [(COLLECTOR_MODULE, LOCAL_VERSION)] if any(c.lambda_specific for c in comps) else []
    replaces = [(COLLECTOR_MODULE, "../")]
    replaces += [(c.module, f"../{c.directory}") for c in comps]
    replaces += [(stub_module(n), f"../stubs/{n}") for n in STUBS]
    return gomod(LAMBDACOMPONENTS_MODULE, direct, indirect, replaces)
