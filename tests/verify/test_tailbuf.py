"""Output of an untrusted collector is kept bounded: the last 64 KiB, lines cut short."""

from __future__ import annotations

from ocelot_build.verify.tailbuf import KEEP_BYTES, LINE_CHARS, TailBuffer, cut_line


def test_a_flood_without_newlines_keeps_only_the_end() -> None:
    buf = TailBuffer()
    for _ in range(160):  # 10 MiB, never a newline
        buf.feed(b"x" * 65536)
    buf.feed(b"END")
    assert buf.total == 160 * 65536 + 3 and buf.dropped
    assert len(buf.data()) == KEEP_BYTES
    (line,) = buf.lines()
    assert line.startswith("x" * LINE_CHARS) and line.endswith("characters cut]")
    assert len(line) < LINE_CHARS + 50


def test_the_line_cut_at_the_front_is_left_out() -> None:
    buf = TailBuffer(keep=16)
    buf.feed(b"first line\nsecond\nthird\n")
    assert buf.lines() == ["second", "third"]
    whole = TailBuffer()
    whole.feed(b"a\r\nb\n\xff\n")
    assert whole.lines() == ["a", "b", "\ufffd"] and not whole.dropped


def test_cut_line_says_how_much_was_cut() -> None:
    assert cut_line("abc", 5) == "abc"
    assert cut_line("abcdefgh", 5) == "abcde… [3 more characters cut]"
