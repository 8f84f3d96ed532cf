"""The tree shows the architecture: a small top level, one folder per kind of module, each
folder's docstring its map, and no module too long to read in one sitting."""

from __future__ import annotations

import ast

from test_imports import INFRA, PACKAGE

MAX_LINES = 300
MAX_TOP_LEVEL = 20


def test_no_module_is_over_300_lines():
    long = sorted(
        f"{path.relative_to(PACKAGE.parent)} ({n})"
        for path in [*PACKAGE.rglob("*.py"), *INFRA.rglob("*.py")]
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    )
    assert not long, f"split these modules (over {MAX_LINES} lines): {', '.join(long)}"


def test_the_top_level_holds_only_shells_the_api_and_the_entry():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top
    assert {"api.py", "cli.py", "engine.py", "__main__.py"} <= set(top)


def test_every_subpackage_docstring_says_what_it_owns_and_may_import():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "May import" in doc, init
        assert len(doc.splitlines()) >= 3, f"{init}: its docstring is the folder's map"
