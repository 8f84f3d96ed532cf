"""An offline stand-in for open-telemetry/opentelemetry-lambda and a file Go proxy.

Tests cannot reach GitHub, so they build against this: a git repository whose
`collector/` tree has upstream's shape (module path, go.mod with the otelcol require
line, lambdacomponents with default.go/custom.go and tag-guarded component files, a
Makefile with the same build flags), but tiny local Go modules instead of the real
collector, so a build takes seconds and needs no network.

    standin = make_standin_upstream(tmp_path, bare=True)
    proxy = make_goproxy(tmp_path / "proxy")
    env = go_environ(tmp_path, proxy)
"""

from .gitrepo import StandIn, add_component, add_tag, describe, make_standin_upstream
from .goenv import go_binary, go_env, go_environ, go_root
from .goproxy import GoProxy, escape_module_path, extra_wrapper, make_goproxy
from .model import KINDS, Component

__all__ = [
    "KINDS",
    "Component",
    "GoProxy",
    "StandIn",
    "add_component",
    "add_tag",
    "describe",
    "escape_module_path",
    "extra_wrapper",
    "go_binary",
    "go_env",
    "go_environ",
    "go_root",
    "make_goproxy",
    "make_standin_upstream",
]
