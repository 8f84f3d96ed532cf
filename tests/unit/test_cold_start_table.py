"""bench/cold_start.py's table: each layer's added init against the first layer uses the
paired rule (median difference, 95% interval, bold when it excludes 0), not max - min."""

from __future__ import annotations

import zipfile
from types import SimpleNamespace

import benchscripts
import pytest

bench = benchscripts.load("cold_start")


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


def _refused(capsys, argv: list[str]) -> str:
    """``main`` on ``argv`` must stop before any boot with exit 2 and one line saying why."""
    booted: list[object] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bench, "boot_once", lambda *a, **k: booted.append(a))
        with pytest.raises(SystemExit) as stop:
            bench.main(argv)
    assert stop.value.code == 2 and not booted
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("sizes", "says"),
    [
        ("128,64", "--memory-mb 64: must be a whole number of MB from 128 to 10240"),
        ("128,1.5k", "--memory-mb 1.5k: must be a whole number of MB from 128 to 10240"),
        (",", "--memory-mb: name at least one size"),
    ],
)
def test_a_bad_size_is_refused_before_any_boot(tmp_path, capsys, sizes, says):
    a = _zip(tmp_path / "a.zip")
    assert says in _refused(capsys, [str(a), "--memory-mb", sizes])


def test_bad_zips_and_too_few_runs_are_refused_before_any_boot(tmp_path, capsys):
    a = _zip(tmp_path / "a.zip")
    (tmp_path / "notes.txt").write_text("not a zip")
    (tmp_path / "other").mkdir()
    _zip(tmp_path / "other" / "a.zip")
    assert "notes.txt is not a zip file" in _refused(capsys, [str(tmp_path / "notes.txt")])
    assert "missing.zip does not exist" in _refused(capsys, [str(tmp_path / "missing.zip")])
    assert "share a file name" in _refused(capsys, [str(a), str(tmp_path / "other" / "a.zip")])
    too_few = _refused(capsys, [str(a), "--runs", "1"])
    assert "--runs: needs a whole number of at least 2, got '1'" in too_few


def test_every_round_is_announced_on_stderr_and_the_table_goes_to_stdout(tmp_path, capsys):
    a, b = _zip(tmp_path / "a.zip"), _zip(tmp_path / "b.zip")
    order: list[str] = []

    def boot(zip_path, memory_mb, sandbox=True):
        order.append(f"{zip_path.name}@{memory_mb}")
        return SimpleNamespace(
            status="passed", init_ms=100.0, init_cpu_ms=10.0, peak_memory_kb=2048, peak_rss_kb=0
        )

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bench, "boot_once", boot)
        assert bench.main([str(a), str(b), "--memory-mb", "128,512", "--runs", "2"]) == 0
    out, err = capsys.readouterr()
    assert order == [f"{n}@{m}" for m in (128, 512) for n in ("a.zip", "b.zip", "b.zip", "a.zip")]
    rounds = [line for line in err.splitlines() if ": round " in line]
    assert [r.split("): ")[1] for r in rounds] == [
        "128 MB: round 1 of 2",
        "128 MB: round 2 of 2",
        "512 MB: round 1 of 2",
        "512 MB: round 2 of 2",
    ]
    assert "(load " in rounds[0] and ": round " not in out
    assert out.count("| a.zip | ") == 2 and "load average after" in out
