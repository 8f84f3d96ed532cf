"""Every command's ``--help`` is complete: each option says what it does and, when it has
one, its default; no command prints a traceback for ``--help``. Every ``python -m`` entry
point is found in the tree, so a new command cannot be left out.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import subprocess
import sys

import pytest

from ocelot_build.core.errors import OptionParser
from ocelot_build.core.files import PROJECT_ROOT

COMMANDS = [  # (module with main(argv), argv before --help)
    ("ocelot_build.cli", []),
    ("ocelot_build.audit.costs", []),
    ("ocelot_build.audit.diff", []),
    ("ocelot_build.audit.components", []),
    ("ocelot_build.store.housekeeping", []),
    ("ocelot_build.store.housekeeping", ["info"]),
    ("ocelot_build.store.housekeeping", ["prune"]),
    ("ocelot_build.publish.prune", []),
    ("ocelot_build.publish.reconcile", []),
    ("ocelot_build.verify.__main__", []),
    ("infra.ci", []),
    ("infra.ci", ["plan"]),
    ("infra.published_diff", []),
    ("infra.release_notes", []),
    ("infra.measure", []),
]
NOT_COMMANDS = {
    "infra.__main__": "the Pulumi program: test_the_pulumi_program_explains_itself_outside_pulumi",
    "ocelot_build.verify.boot": "the boot check's child: reads its spec from stdin, no options",
}


def entry_points() -> dict[str, str]:
    """Every module ``python -m`` runs (a ``__main__.py`` or a ``__name__`` guard), mapped
    to the module whose ``main`` it calls (a shell's ``from X import main``, else itself)."""
    found = {}
    for package in ("ocelot_build", "infra"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            text = path.read_text()
            if path.name != "__main__.py" and 'if __name__ == "__main__":' not in text:
                continue
            module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            found[module] = next(
                (
                    node.module
                    for node in ast.walk(ast.parse(text))
                    if isinstance(node, ast.ImportFrom)
                    and node.module
                    and any(alias.name == "main" for alias in node.names)
                ),
                module,
            )
    return found


def test_every_python_m_entry_point_is_checked():
    entries = entry_points()
    assert {"ocelot_build.__main__", "ocelot_build.reconcile", "ocelot_build.prune"} <= set(entries)
    checked = {module for module, _ in COMMANDS}
    unchecked = {
        entry: target
        for entry, target in entries.items()
        if target not in checked and entry not in NOT_COMMANDS
    }
    assert not unchecked, f"python -m entry points whose --help is not checked: {unchecked}"


class _Shown(BaseException):
    """Raised instead of printing help, carrying the parser that would have printed it."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def parser_of(module: str, argv: list[str], monkeypatch) -> argparse.ArgumentParser:
    def shown(self, file=None):
        raise _Shown(self)

    monkeypatch.setattr(argparse.ArgumentParser, "print_help", shown)
    with pytest.raises(_Shown) as caught:
        importlib.import_module(module).main([*argv, "--help"])
    return caught.value.parser


@pytest.mark.parametrize(("module", "argv"), COMMANDS, ids=lambda x: str(x))
def test_every_option_is_explained_with_its_default(module, argv, monkeypatch):
    parser = parser_of(module, argv, monkeypatch)
    assert isinstance(parser, OptionParser), "use core.errors.OptionParser (one help rule)"
    formatter = parser._get_formatter()
    missing, no_default = [], []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        text = formatter._get_help_string(action) or ""
        optional = action.option_strings and not action.required and action.nargs != 0
        if not (action.help or "").strip():
            missing.append(name)
        elif optional and action.default is None and "default" not in text:
            no_default.append(name)  # say what happens without it
    assert not missing, f"{module} {argv}: options without help: {missing}"
    assert not no_default, f"{module} {argv}: options that do not say their default: {no_default}"


def test_cache_help_ends_in_a_full_sentence(monkeypatch):
    parser = parser_of("ocelot_build.store.housekeeping", [], monkeypatch)
    assert parser.description and parser.description.rstrip().endswith(".")


def test_the_pulumi_program_explains_itself_outside_pulumi():
    """``python -m infra --help`` (and a bare run) outside the Pulumi engine: what it is and
    how to run it, no traceback."""
    for argv, code in ((["--help"], 0), ([], 2)):
        result = subprocess.run(
            [sys.executable, "-m", "infra", *argv],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in result.stderr
        assert result.returncode == code, result.stderr
        assert "pulumi up" in result.stdout + result.stderr
