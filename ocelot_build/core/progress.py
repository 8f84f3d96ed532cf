"""Stage-by-stage progress with elapsed time, on stderr.

Shown on a terminal or with -v; quiet otherwise (CI logs get the final summary only). A
callback can receive the same lines (the Pulumi program logs them).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Progress:
    def __init__(
        self,
        *,
        verbose: bool = False,
        callback: Callable[[str], None] | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.start = time.monotonic()
        self.callback = callback
        self.enabled = verbose or sys.stderr.isatty() if enabled is None else enabled

    def say(self, message: str) -> None:
        line = f"[{time.monotonic() - self.start:6.1f}s] {message}"
        if self.enabled:
            print(line, file=sys.stderr, flush=True)
        if self.callback:
            self.callback(line)

    def note(self, message: str) -> None:
        """A line the user asked for (``--keep-temp``'s paths): on stderr even when quiet.
        Library code reports through here, never ``print``: in a Pulumi program stdout is
        the engine's."""
        line = f"[{time.monotonic() - self.start:6.1f}s] {message}"
        print(line, file=sys.stderr, flush=True)
        if self.callback:
            self.callback(line)

    @contextmanager
    def stage(self, what: str) -> Iterator[None]:
        """Announce a stage, then report how long it took."""
        began = time.monotonic()
        self.say(f"{what} …")
        yield
        self.say(f"{what}: done in {time.monotonic() - began:.1f}s")
