"""Docs use MiB (2^20 bytes, the unit Lambda's limits are enforced in) for sizes; MB appears
only as the name of an option's value (``--memory-mb MB``)."""

from __future__ import annotations

import re

from ocelot_build.core.files import PROJECT_ROOT

MB = re.compile(r"(?<![\w-])MB\b")
ALLOWED = ("--memory-mb MB", "MB means MiB")  # the option spelling, explained


def test_no_page_measures_in_mb():
    pages = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    found = [
        f"{page.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:80]}"
        for page in pages
        for number, line in enumerate(page.read_text().splitlines(), 1)
        if MB.search(line) and not any(allowed in line for allowed in ALLOWED)
    ]
    assert not found, "\n".join(found)
