"""Keep only the end of an output stream: the last 64 KiB, cut into bounded, printable lines.

A collector is untrusted: it may write hundreds of megabytes, with or without newlines.
Everything the check keeps of its output (the log it parses, the report's ``log_tail``,
the manifest) comes from this buffer, so memory and the manifest stay bounded whatever
it writes.
"""

from __future__ import annotations

import re
import threading

KEEP_BYTES = 64 * 1024  # the end of the stream that is kept
LINE_CHARS = 1000  # longer lines are cut, with a marker saying how long they were


class TailBuffer:
    """Thread-safe: one reader thread feeds it, the check reads ``lines()`` any time."""

    def __init__(self, keep: int = KEEP_BYTES) -> None:
        self._keep = keep
        self._buf = bytearray()
        self._lock = threading.Lock()
        self.total = 0  # bytes seen in all
        self.dropped = False  # True once the start of the stream was thrown away

    def feed(self, chunk: bytes) -> None:
        with self._lock:
            self.total += len(chunk)
            self._buf += chunk
            excess = len(self._buf) - self._keep
            if excess > 0:
                del self._buf[:excess]
                self.dropped = True

    def data(self) -> bytes:
        with self._lock:
            return bytes(self._buf)

    def lines(self) -> list[str]:
        """The kept lines, oldest first; a line cut at the front by the cap is left out."""
        data, dropped = self.data(), self.dropped
        parts = data.decode("utf-8", "replace").split("\n")
        if dropped and len(parts) > 1:
            parts = parts[1:]
        if parts and parts[-1] == "":
            parts.pop()
        return [printable(cut_line(p.rstrip("\r"))) for p in parts]


def cut_line(line: str, limit: int = LINE_CHARS) -> str:
    """``line`` itself if short enough, else its start and how much was cut."""
    if len(line) <= limit:
        return line
    return f"{line[:limit]}… [{len(line) - limit:,} more characters cut]"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_COMMAND = re.compile(r"^(\s*)(::|##\[|##vso\[)")


def printable(text: str) -> str:
    """``text`` safe to print to a terminal or a CI log: control characters (escape
    sequences, bells, carriage returns; C1 too) as ``\\xNN``, and a line that would start
    a GitHub Actions or Azure workflow command (``::error::``, ``##[...]``) with its
    first character escaped. Tabs and newlines stay; each line is checked."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return "\n".join(
        _COMMAND.sub(lambda m: m.group(1) + f"\\x{ord(m.group(2)[0]):02x}" + m.group(2)[1:], line)
        for line in text.split("\n")
    )
