"""Big distributions files stay cheap: work grows with the file, not with the square of a
``base`` chain, and YAML is scanned by libyaml (the pure-Python scanner costs seconds per
MiB). Figures for a 3,000-deep chain and a 15 MB file: ``bench/config_load.py``."""

from __future__ import annotations

import sys
from collections import Counter

import pytest
import yaml
from standin.fixtures import write_dists

from ocelot_build.core.errors import ConfigError
from ocelot_build.core.yamlio import parse_yaml
from ocelot_build.stages import config

DEPTH = 300
WIDTH = 2000


def chain(depth: int) -> dict[str, dict]:
    """``d0`` with a config file, then ``d1`` based on ``d0`` … ``d<depth>``."""
    entries = {"d0": {"description": "root", "build-tags": ["custom"], "config-file": "c.yaml"}}
    for i in range(1, depth + 1):
        entries[f"d{i}"] = {"description": f"{i}", "base": f"d{i - 1}", "max-zip-mb": i}
    return entries


def test_a_deep_base_chain_is_resolved_in_linear_work(tmp_path, monkeypatch):
    (tmp_path / "c.yaml").write_text("receivers: {}\n")
    path = write_dists(tmp_path / "d.yaml", chain(DEPTH))
    calls = {"budgets": 0, "inside": 0}
    real_budgets, real_inside = config.Budgets.from_mapping, config.inside

    def budgets(mapping, where):
        calls["budgets"] += 1
        return real_budgets(mapping, where)

    def inside(*args):
        calls["inside"] += 1
        return real_inside(*args)

    monkeypatch.setattr(config.Budgets, "from_mapping", budgets)
    monkeypatch.setattr(config, "inside", inside)
    dists = config.load_distributions(path).distributions
    deepest = dists[f"d{DEPTH}"]
    assert deepest.lineage == tuple(f"d{i}" for i in range(DEPTH, -1, -1))
    assert deepest.config_file == tmp_path / "c.yaml"
    assert deepest.budgets.max_zip_mb == DEPTH
    # a check and a resolve per entry; the old code re-resolved every ancestor (45,150 calls)
    assert calls["budgets"] <= 2 * (DEPTH + 1)
    assert calls["inside"] <= 2


def test_a_cycle_at_the_end_of_a_long_chain_is_named_once_per_member(tmp_path):
    entries = chain(DEPTH)
    entries["d0"]["base"] = "d2"
    path = write_dists(tmp_path / "d.yaml", entries)
    with pytest.raises(ConfigError) as caught:
        config.load_distributions(path)
    text = str(caught.value)
    assert "distributions.d0.base: inheritance cycle d0 → d2 → d1 → d0" in text
    assert "distributions.d2.base: inheritance cycle d2 → d1 → d0 → d2" in text
    assert text.count("inheritance cycle") == 3


def test_yaml_is_scanned_by_libyaml_with_the_same_alias_rule(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the pure-Python YAML scanner ran")

    monkeypatch.setattr(yaml.scanner.Scanner, "check_token", refuse)
    assert parse_yaml("a: [1, 2]\nb: {c: x}\n", "f.yaml") == {"a": [1, 2], "b": {"c": "x"}}
    with pytest.raises(ConfigError, match=r"^f.yaml line 1: anchors and aliases"):
        parse_yaml("a: &x [1]\nb: *x\n", "f.yaml")


def test_a_large_file_is_parsed_once_per_content(tmp_path, monkeypatch):
    from ocelot_build.core import yamlio

    entries = {f"w{i}": {"description": "x" * 60, "build-tags": ["custom"]} for i in range(10000)}
    path = write_dists(tmp_path / "big.yaml", entries)
    assert path.stat().st_size > yamlio.MEMO_MIN_BYTES
    memo = tmp_path / "cache" / "yaml"
    first = config.load_distributions(path, memo=memo)
    assert len(list(memo.glob("*.marshal"))) == 1

    def refuse(*args):
        raise AssertionError("parsed again")

    monkeypatch.setattr(yamlio, "parse_yaml", refuse)
    assert config.load_distributions(path, memo=memo) == first  # served from the memo
    path.write_text(path.read_text().replace("w9999", "w99999"))
    with pytest.raises(AssertionError, match="parsed again"):  # new bytes, new parse
        config.load_distributions(path, memo=memo)


def test_a_wide_file_costs_a_few_calls_per_entry(tmp_path, monkeypatch):
    """The shape of bench/config_load.py's 15 MB file (142,000 entries, each naming a base
    that has a config file, and adding a tag), checked and resolved from its parsed form, as
    on a cache hit. Counted with a profile hook: every Python call and every builtin call.
    The old code made 36 Python and 62 builtin calls per entry (10 s on a hit);
    now 5 and 38."""
    (tmp_path / "c.yaml").write_text("receivers: {}\n")
    entries = {"d0": {"description": "root", "build-tags": ["custom"], "config-file": "c.yaml"}}
    for i in range(WIDTH):
        entries[f"w{i}"] = {"description": f"wide {i}", "base": "d0", "build-tags": ["x.y"]}
    path = write_dists(tmp_path / "wide.yaml", entries)
    parsed = parse_yaml(path.read_bytes(), str(path))
    monkeypatch.setattr(config, "load_yaml", lambda *args: parsed)
    counts: Counter[str] = Counter()

    def count(frame, event, arg):
        counts[event] += 1

    sys.setprofile(count)
    try:
        dists = config.load_distributions(path).distributions
    finally:
        sys.setprofile(None)
    last = dists[f"w{WIDTH - 1}"]
    assert last.tags == ("lambdacomponents.custom", "lambdacomponents.x.y")
    assert last.config_file == tmp_path / "c.yaml" and last.lineage == (last.name, "d0")
    assert counts["call"] <= 6 * WIDTH + 200, counts
    assert counts["c_call"] <= 45 * WIDTH, counts
