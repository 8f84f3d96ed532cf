"""bench/cold_start.py's table: each layer's added init against the first layer uses the
paired rule (median difference, 95% interval, bold when it excludes 0), not max - min."""

from __future__ import annotations

import importlib.util
import sys
import zipfile

from ocelot_build.core.files import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location(
    "bench_cold_start", PROJECT_ROOT / "bench" / "cold_start.py"
)
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_cold_start"] = bench  # its dataclasses look their module up
_spec.loader.exec_module(bench)


def _zip(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("extensions/collector", b"x" * 100)
    return path


def _cells(text: str, name: str) -> list[str]:
    [row] = [line for line in text.splitlines() if line.startswith(f"| {name} ")]
    return [c.strip() for c in row.split("|")[1:-1]]


def test_a_steady_shift_is_called_with_its_interval_and_the_first_layer_is_not(tmp_path):
    a, b, c = (_zip(tmp_path / f"{n}.zip") for n in "abc")
    noise = [0.0, 3.0, -2.0, 5.0, 1.0, -4.0, 2.0, 0.5, -1.0]
    base = [100 + n for n in noise]
    results = {
        (a.name, 128): bench.Samples(wall=base, cpu=base),
        (b.name, 128): bench.Samples(
            wall=[x + 40 + n for x, n in zip(base, reversed(noise), strict=True)],
            cpu=[x + (1 if i % 2 else -1) for i, x in enumerate(base)],
        ),
        (c.name, 128): bench.Samples(wall=base[:3], cpu=base[:3], failed="failed: no register"),
    }
    text = bench.table([a, b, c], [128], results)
    first, second, third = _cells(text, "a.zip"), _cells(text, "b.zip"), _cells(text, "c.zip")
    assert first[9:11] == ["-", "-"]
    assert second[9] == "**+40.5** [+38.0, +43.0]"  # 40 + the noise's median; above 0
    assert not second[10].startswith("**")  # +-1 ms alternating: no cost either way
    assert third[9:11] == ["-", "-"]  # failed after 3 boots: nothing to pair with 9
    assert "spread" not in text


def test_fewer_than_six_rounds_give_no_interval(tmp_path):
    a, b = _zip(tmp_path / "a.zip"), _zip(tmp_path / "b.zip")
    results = {
        (a.name, 128): bench.Samples(wall=[100.0] * 3, cpu=[10.0] * 3),
        (b.name, 128): bench.Samples(wall=[150.0] * 3, cpu=[12.0] * 3),
    }
    second = _cells(bench.table([a, b], [128], results), "b.zip")
    assert second[9] == "+50.0 (too few rounds)"
