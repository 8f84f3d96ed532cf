"""What a binary really linked, read from its Go build info (``go version -m``).

Tags say what we asked for; build info says what we got. Comparing the two is how a layer
proves it has no missing and no stowaway components.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ocelot_build.core import proc
from ocelot_build.core.errors import BuildError
from ocelot_build.core.files import temp_prefix
from ocelot_build.core.toolchain import GoToolchain
from ocelot_build.stages.catalogue import Component, by_kind, members
from ocelot_build.stages.package import BINARY_ENTRY


@dataclass(frozen=True)
class BuildInfo:
    go_version: str
    main_module: str
    modules: dict[str, str]  # dependency path → version (after replaces)
    replaced: dict[str, str]  # dependency path → replacement ("path version" or "./dir")
    settings: dict[str, str]
    # module path → go.sum hash ("h1:…") of what was compiled: the replacement's when replaced.
    # Empty for a local replacement (no module zip exists to hash).
    sums: dict[str, str] = field(default_factory=dict)

    def module_list(self) -> list[dict[str, str]]:
        out = []
        for path in sorted(self.modules):
            row = {"path": path, "version": self.modules[path]}
            if path in self.replaced:
                row["replace"] = self.replaced[path]
            out.append(row)
        return out


def read_build_info(binary: Path, go: GoToolchain) -> BuildInfo:
    text = proc.run([go.go, "version", "-m", binary], env=go.env())
    return parse_build_info(text)


def read_zip_build_info(zip_path: Path, go: GoToolchain) -> BuildInfo:
    """Build info of a layer zip's ``extensions/collector``, read from a private copy."""
    with tempfile.TemporaryDirectory(prefix=temp_prefix("buildinfo")) as scratch:
        binary = Path(scratch) / "collector"
        with zipfile.ZipFile(zip_path) as zf, zf.open(BINARY_ENTRY) as src:
            binary.write_bytes(src.read())
        return read_build_info(binary, go)


def parse_build_info(text: str) -> BuildInfo:
    lines = text.splitlines()
    go_version = lines[0].rsplit(":", 1)[-1].strip() if lines else ""
    main = ""
    modules: dict[str, str] = {}
    replaced: dict[str, str] = {}
    settings: dict[str, str] = {}
    sums: dict[str, str] = {}
    last_dep = ""
    for line in lines[1:]:
        fields = line.strip().split("\t")
        kind = fields[0]
        if kind == "mod":
            main = fields[1]
        elif kind == "dep":
            last_dep = fields[1]
            modules[last_dep] = fields[2] if len(fields) > 2 else ""
            _record_sum(sums, last_dep, fields, 3)
        elif kind == "=>" and last_dep:
            replaced[last_dep] = _replacement(fields[1:3])
            sums.pop(last_dep, None)
            _record_sum(sums, last_dep, fields, 3)
        elif kind == "build" and "=" in fields[1]:
            key, _, value = fields[1].partition("=")
            settings[key] = value
    return BuildInfo(go_version, main, modules, replaced, settings, sums)


def _replacement(fields: list[str]) -> str:
    """``path version`` for a module replacement; only the directory for a local one, which
    ``go version -m`` prints as ``=> ./dir (devel)`` (no module version exists for it)."""
    target = [f for f in fields if f]
    if target and is_local_dir(target[0]):
        return target[0]
    return " ".join(target)


def is_local_dir(target: str) -> bool:
    """Go's rule for a replacement that is a directory, not a module path (modfile's
    IsDirectoryPath): it starts with ./ ../ or / (or is . or ..)."""
    return target in (".", "..") or target.startswith(("./", "../", "/", ".\\", "..\\"))


def _record_sum(sums: dict[str, str], path: str, fields: list[str], at: int) -> None:
    if len(fields) > at and fields[at].startswith("h1:"):
        sums[path] = fields[at]


def module_of(package: str, modules: list[str]) -> str | None:
    """The longest module path that contains ``package``."""
    best = None
    for mod in modules:
        if (package == mod or package.startswith(mod + "/")) and (
            best is None or len(mod) > len(best)
        ):
            best = mod
    return best


def required_modules(collector_dir: Path, go: GoToolchain) -> list[str]:
    """Every module the work tree's go.mod requires (tidy lists them whatever the tags)."""
    data = json.loads(proc.run([go.go, "mod", "edit", "-json"], cwd=collector_dir, env=go.env()))
    return [r["Path"] for r in data.get("Require") or []]


def check_linked(
    info: BuildInfo,
    required: list[str],
    catalogue_components: dict[str, Component],
    intended: dict[str, list[str]],
) -> dict[str, list[str]]:
    """Fail when a component is linked that should not be, or one is missing.

    A component is judged by its factory module (found among go.mod's requirements): in the
    binary's build info → linked. Where several components share one module (or live in the
    main module), build info cannot tell them apart and the tag evaluation stands.
    """
    candidates = [*required, info.main_module]
    owner: dict[str, str | None] = {}
    for tag, comp in catalogue_components.items():
        mods = {module_of(p, candidates) for p in comp.factory_imports}
        owner[tag] = mods.pop() if len(mods) == 1 else None
    counts: dict[str | None, int] = {}
    for mod in owner.values():
        counts[mod] = counts.get(mod, 0) + 1
    wanted = {c.tag for c in members(catalogue_components, intended)}
    missing, extra = [], []
    for tag, mod in owner.items():
        decidable = mod is not None and mod != info.main_module and counts[mod] == 1
        if not decidable or not catalogue_components[tag].factory_imports:
            continue
        linked = mod in info.modules
        if tag in wanted and not linked:
            missing.append(tag)
        elif linked and tag not in wanted:
            extra.append(tag)
    if missing or extra:
        raise BuildError(
            "linked components differ from the distribution's intended set: "
            f"missing {sorted(missing) or 'none'}, unexpected {sorted(extra) or 'none'}"
        )
    return by_kind(catalogue_components[t] for t in wanted)
