"""Put our selected components into a fresh upstream work tree and resolve their modules.

Only the components a distribution selects are copied (unselected wrappers would still be
compiled out by their build tags, but their modules would enter go.mod and the cache key).
Local modules are copied into the work tree so a kept work tree (``--keep-temp``) builds on
its own. Any ``go mod`` failure stops the build with go's own message: the reference tool
swallowed these and shipped layers without the component.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from ocelot_build.core import proc
from ocelot_build.core.localpaths import copy_tree
from ocelot_build.core.toolchain import GoToolchain
from ocelot_build.stages.registry import ComponentSpec, ModuleSpec

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


def module_requirements(module_dir: Path, go: GoToolchain, env: dict[str, str]) -> dict[str, str]:
    """A module's ``require`` lines: path → version."""
    data = json.loads(proc.run([go.go, "mod", "edit", "-json"], cwd=module_dir, env=env))
    return {r["Path"]: r["Version"] for r in data.get("Require") or []}


def align_requirements(
    module_dir: Path,
    upstream: dict[str, str],
    go: GoToolchain,
    env: dict[str, str],
    *,
    verbose: bool = False,
) -> None:
    """Pin a local module's shared requirements to upstream's versions.

    Our own modules are written against one collector release; left alone, their
    requirements would raise core modules above what an older upstream ref pins, and MVS
    would mix two releases (v0.158 ``confmap`` beside v0.157 ``xconfmap`` does not
    compile). Like contrib modules taken at the collector's version, a local module follows
    the upstream it is built into.
    """
    ours = module_requirements(module_dir, go, env)
    edits = [
        f"-require={path}@{upstream[path]}"
        for path, version in sorted(ours.items())
        if path in upstream and upstream[path] != version
    ]
    if edits:
        proc.run([go.go, "mod", "edit", *edits], cwd=module_dir, env=env, verbose=verbose)


def apply_overlay(
    collector_dir: Path,
    plan: OverlayPlan,
    go: GoToolchain,
    env: dict[str, str],
    *,
    verbose: bool = False,
) -> None:
    """Copy wrappers and local modules, then ``go mod edit`` and ``go mod tidy``."""
    for comp in plan.components:
        target = collector_dir / "lambdacomponents" / comp.kind
        for wrapper in comp.files:
            shutil.copyfile(wrapper, target / f"ocelot_{wrapper.name}")
    if not plan.needs_go_mod:
        return
    edits: list[str] = []
    upstream = module_requirements(collector_dir, go, env)
    for mod, version in plan.requirements():
        edits.append(f"-require={mod.path}@{version}")
        if mod.local:
            dest = collector_dir / LOCAL_MODULES_DIR / mod.local.name
            copy_tree(mod.local, dest, f"module {mod.path}")
            align_requirements(dest, upstream, go, env, verbose=verbose)
            edits.append(f"-replace={mod.path}=./{LOCAL_MODULES_DIR}/{mod.local.name}")
    edits.extend(f"-replace={old}={new}" for old, new in plan.go_replaces)
    proc.run([go.go, "mod", "edit", *edits], cwd=collector_dir, env=env, verbose=verbose)
    proc.run([go.go, "mod", "tidy"], cwd=collector_dir, env=env, verbose=verbose)
