"""The costs page, its JSON and its chart say the same thing, because all three are made from
the same row properties; the JSON keeps every round, so the rule can be rechecked from it
alone. Checked on hand-made figures and on the committed docs/component-costs.*."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ocelot_build.audit.costs_chart import bar, chart
from ocelot_build.audit.costs_report import Boots, Layer, Report, Row, as_json, markdown
from ocelot_build.audit.paired import Paired

DOCS = Path(__file__).resolve().parents[2] / "docs"
BASE_WALL = (600.0, 700, 800, 650, 900, 620, 750)
BASE_CPU = (40.0, 42, 47, 41, 50, 40, 44)


def _row(tag: str, wall_extra: float, cpu_extra: list[float], **kw: Any) -> Row:
    return Row(
        tag,
        tag.split(".")[0],
        "upstream",
        "amd64",
        zip_mib=1.0,
        unzipped_mib=3.0,
        memory_mb=128,
        wall=Paired(BASE_WALL, tuple(b + wall_extra for b in BASE_WALL)),
        cpu=Paired(BASE_CPU, tuple(b + e for b, e in zip(BASE_CPU, cpu_extra, strict=True))),
        **kw,
    )


@pytest.fixture
def report() -> Report:
    base = Layer(10 << 20, 30 << 20, frozenset({"a"}), {128: Boots(BASE_WALL, cpu_ms=BASE_CPU)})
    r = Report("open-telemetry/opentelemetry-lambda", "c" * 40, "v0.1.0", "go1.26", 7, ("x",))
    r.memory_mb, r.load, r.base = (128,), (0.5, 0.6), {"amd64": base}
    r.rows = [
        _row("processor.heavy", 70.0, [5, 4, 6, 5, 7, 5, 4]),  # CPU always up: a cost
        _row("exporter.light", 0.0, [1, -2, 3, -1, 0, 2, -3]),  # noise either way
        Row("exporter.broken", "exporter", "upstream", "amd64", memory_mb=128, note="failed"),
    ]
    return r


def test_the_rule_recomputed_from_the_json_rounds_alone_agrees(report):
    for row in as_json(report)["rows"]:
        _assert_json_row_follows_the_rule(row)


def test_the_page_and_the_chart_say_what_the_json_says(report, tmp_path):
    data = as_json(report)
    page = markdown(report)
    rows = {r.tag: r for r in report.rows}
    for row in data["rows"]:
        _assert_page_row(page, row)
        assert bar(rows[row["tag"]]).solid is ("CPU" in row["measurable"])
    assert [bar(r).solid for r in report.rows] == [True, False, False]
    heavy = bar(rows["processor.heavy"])
    assert (heavy.value, heavy.value - heavy.below, heavy.value + heavy.above) == (5, 4, 7)
    chart(report, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_committed_costs_docs_agree_with_their_own_rounds():
    data = json.loads((DOCS / "component-costs.json").read_text())
    page = (DOCS / "component-costs.md").read_text()
    booted = [r for r in data["rows"] if r["memory_mb"] is not None and not r["note"]]
    assert booted, "no booted rows in docs/component-costs.json"
    for row in booted:
        assert row["rounds"], f"{row['tag']} at {row['memory_mb']} MB: no rounds recorded"
        _assert_json_row_follows_the_rule(row)
        _assert_page_row(page, row)
    for text in (page, json.dumps(data)):
        assert "/work/" not in text and ".mirror" not in text  # no local paths


def _assert_json_row_follows_the_rule(row: dict[str, Any]) -> None:
    found = []
    for key, name in (("init_ms", "wall"), ("init_cpu_ms", "CPU")):
        pairs = (row["rounds"] or {}).get(key)
        paired = Paired.of([b for b, _ in pairs], [x for _, x in pairs]) if pairs else None
        if paired is None:
            assert row[key] is None, (row["tag"], key)
            continue
        assert row[key] == paired.added, (row["tag"], key)
        assert row[f"{key}_interval"] == (list(paired.bounds) if paired.bounds else None)
        if paired.measurable:
            found.append(name)
    expected = (", ".join(found) or "no") if row["rounds"] else ""
    assert row["measurable"] == expected, row["tag"]


def _assert_page_row(page: str, row: dict[str, Any]) -> None:
    """The row's line in its table ("### amd64, 128 MB") shows the JSON's figures."""
    section = page.split(f"### {row['architecture']}, {row['memory_mb']:,} MB\n", 1)[1]
    section = section.split("\n### ", 1)[0]
    [line] = [x for x in section.splitlines() if x.startswith(f"| `{row['tag']}` |")]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[5] == _cell(row["init_ms"], row["init_ms_interval"], "{:+.0f}")
    assert cells[6] == _cell(row["init_cpu_ms"], row["init_cpu_ms_interval"], "{:+.1f}")
    assert cells[10] == row["measurable"]


def _cell(added: float | None, bounds: list[float] | None, fmt: str) -> str:
    if added is None:
        return "-"
    around = "[-]" if bounds is None else "[{}, {}]".format(*(fmt.format(b) for b in bounds))
    return f"{fmt.format(added)} {around}"


def test_a_cell_reads_as_the_median_and_its_interval(report):
    page = markdown(report)
    heavy = r"\| `processor.heavy` \|.*\| \+70 \[\+70, \+70\] \| \+5\.0 \[\+4\.0, \+7\.0\] \|"
    assert re.search(heavy, page)
    assert "| `exporter.broken` | exporter | upstream |" in page


HEAVY = (  # what Go's init trace names as heavy (docs/component-costs.md)
    "connector.signaltometrics",
    "processor.filter",
    "processor.transform",
    "processor.span",
    "exporter.prometheusremotewrite",
)


def test_the_21_round_rerun_follows_the_same_rule():
    data = json.loads((DOCS / "component-costs-21-rounds.json").read_text())
    assert data["runs"] == 21
    for row in data["rows"]:
        _assert_json_row_follows_the_rule(row)
    assert "/work/" not in json.dumps(data) and ".mirror" not in json.dumps(data)


def test_every_heavy_component_has_a_measurable_cost_in_the_committed_runs():
    """The claim the page makes: in the 9-round run or the 21-round rerun, each component
    the init trace names as heavy shows a measurable init CPU cost at 128 MB."""
    rows = [
        row
        for name in ("component-costs.json", "component-costs-21-rounds.json")
        for row in json.loads((DOCS / name).read_text())["rows"]
        if row["memory_mb"] == 128
    ]
    for tag in HEAVY:
        assert any("CPU" in r["measurable"] for r in rows if r["tag"] == tag), tag
