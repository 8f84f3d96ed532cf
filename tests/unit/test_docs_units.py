"""Docs give sizes in MiB (2^20 bytes, the unit Lambda's limits are enforced in): no size
such as "17.95 MB" and no "MB" column. A Lambda memory setting keeps AWS's spelling
("128 MB", which AWS means as MiB)."""

from __future__ import annotations

import re

from ocelot_build.core.files import PROJECT_ROOT

MB = re.compile(r"\d\.\d+ ?MB\b|\b(?:zip|unzipped|RSS|size|sizes in) MB\b|MB \(10\^6")
# Left for its author to restate (bytes or MiB?): docs/cold-start.md's binary sizes.
ALLOWED: tuple[str, ...] = ("33.6 MB\n",)


def test_no_page_measures_in_mb():
    pages = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    found = [
        f"{page.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:80]}"
        for page in pages
        for number, line in enumerate(page.read_text().splitlines(), 1)
        if MB.search(line) and not any(allowed in line + "\n" for allowed in ALLOWED)
    ]
    assert not found, "\n".join(found)
