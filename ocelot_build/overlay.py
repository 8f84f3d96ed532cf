"""Put our selected components into a fresh upstream work tree and resolve their modules.

Only the components a distribution selects are copied (unselected wrappers would still be
compiled out by their build tags, but their modules would enter go.mod and the cache key).
Local modules are copied into the work tree so a kept work tree (``--keep-temp``) builds on
its own. Any ``go mod`` failure stops the build with go's own message: the reference tool
swallowed these and shipped layers without the component.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ocelot_build import proc
from ocelot_build.registry import ComponentSpec, ModuleSpec
from ocelot_build.toolchain import GoToolchain

LOCAL_MODULES_DIR = "ocelot-modules"
LOCAL_VERSION = "v0.0.0-00010101000000-000000000000"


@dataclass(frozen=True)
class OverlayPlan:
    """What a distribution adds to go.mod; also an input of the cache key."""

    components: tuple[ComponentSpec, ...]
    collector_version: str
    go_replaces: tuple[tuple[str, str], ...]

    def requirements(self) -> list[tuple[ModuleSpec, str]]:
        """Each module with the version it is pinned to (upstream's collector version unless
        the registry pins one, a placeholder for local modules)."""
        seen: dict[str, tuple[ModuleSpec, str]] = {}
        for comp in self.components:
            for mod in comp.modules:
                version = LOCAL_VERSION if mod.local else (mod.version or self.collector_version)
                seen[mod.path] = (mod, version)
        return [seen[k] for k in sorted(seen)]

    @property
    def needs_go_mod(self) -> bool:
        return bool(self.components or self.go_replaces)


def apply_overlay(collector_dir: Path, plan: OverlayPlan, go: GoToolchain,
                  env: dict[str, str], *, verbose: bool = False) -> None:
    """Copy wrappers and local modules, then ``go mod edit`` and ``go mod tidy``."""
    for comp in plan.components:
        target = collector_dir / "lambdacomponents" / comp.kind
        for wrapper in comp.files:
            shutil.copyfile(wrapper, target / f"ocelot_{wrapper.name}")
    if not plan.needs_go_mod:
        return
    edits: list[str] = []
    for mod, version in plan.requirements():
        edits.append(f"-require={mod.path}@{version}")
        if mod.local:
            dest = collector_dir / LOCAL_MODULES_DIR / mod.local.name
            shutil.copytree(mod.local, dest, ignore=shutil.ignore_patterns(".git", "*_test.go"))
            edits.append(f"-replace={mod.path}=./{LOCAL_MODULES_DIR}/{mod.local.name}")
    edits.extend(f"-replace={old}={new}" for old, new in plan.go_replaces)
    proc.run([go.go, "mod", "edit", *edits], cwd=collector_dir, env=env, verbose=verbose)
    proc.run([go.go, "mod", "tidy"], cwd=collector_dir, env=env, verbose=verbose)
