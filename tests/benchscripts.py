"""The bench scripts as modules, for tests that call their functions.

``bench/`` is a folder of scripts, not a package, so a test loads one from its file. Each is
loaded once per test session and registered in ``sys.modules`` (its dataclasses look their
module up there)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from ocelot_build.core.files import PROJECT_ROOT


def load(name: str) -> ModuleType:
    """``bench/<name>.py`` as the module ``bench_<name>``."""
    module_name = f"bench_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(
        module_name, PROJECT_ROOT / "bench" / f"{name}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
