"""Progress on stderr, in the form the reader can use.

- On a terminal: a live display (rich) of layers done out of the total, the stages running
  now and the time elapsed; the lines of ``say`` scroll above it.
- Elsewhere (CI logs, a pipe): one line per finished stage, with its layer, the time since
  the run began and how long the stage took, so a four-minute ``go build`` shows in the log.
- With ``-v``: every line, stage starts included, interleaved with git's and go's output.

A callback can receive the same lines (the Pulumi program logs them); it then replaces the
plain lines on stderr, which the Pulumi engine would show twice.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import IO, Any


class Progress:
    def __init__(
        self,
        *,
        verbose: bool = False,
        callback: Callable[[str], None] | None = None,
        enabled: bool | None = None,
        stream: IO[str] | None = None,
    ) -> None:
        self.start = time.monotonic()
        self.callback = callback
        self.stream = stream
        terminal = enabled if enabled is not None else self._err().isatty()
        self.mode = "verbose" if verbose else "live" if terminal else "plain"
        if self.mode == "plain" and callback is not None:
            self.mode = "quiet"
        self.total: int | None = None
        self.done = 0
        self.running: list[str] = []
        self._lock = threading.Lock()  # -j builds report from several threads
        self._live: Any = None

    def _err(self) -> IO[str]:
        return self.stream or sys.stderr

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the live display (leaving its last state on screen)."""
        with self._lock:
            if self._live is not None:
                self._refresh()
                self._live.stop()
                self._live = None

    def expect(self, total: int) -> None:
        """How many layers this run produces; the live display counts towards it."""
        with self._lock:
            self.total = total
            self._refresh()

    def layer_done(self) -> None:
        """One more layer is ready (served from the cache or built)."""
        with self._lock:
            self.done += 1
            self._refresh()

    def say(self, message: str) -> None:
        """A line worth keeping: shown in every mode but quiet."""
        self._emit(message, show=self.mode != "quiet")

    def note(self, message: str) -> None:
        """A line the user asked for (``--keep-temp``'s paths): on stderr even when quiet.
        Library code reports through here, never ``print``: in a Pulumi program stdout is
        the engine's."""
        self._emit(message, show=True)

    @contextmanager
    def stage(self, what: str) -> Iterator[None]:
        """Announce a stage, then report how long it took."""
        began = time.monotonic()
        if self.mode == "verbose":
            self._emit(f"{what} …", show=True)
        with self._lock:
            self.running.append(what)
            self._refresh()
        try:
            yield
        finally:
            with self._lock:
                self.running.remove(what)
                self._refresh()
        self._emit(f"{what}: done in {time.monotonic() - began:.1f}s", show=self.mode != "quiet")

    def _emit(self, message: str, *, show: bool) -> None:
        line = f"[{time.monotonic() - self.start:6.1f}s] {message}"
        if show:
            with self._lock:
                if self._live is not None:
                    self._live.console.print(line, highlight=False, markup=False)
                else:
                    print(line, file=self._err(), flush=True)
        if self.callback:
            self.callback(line)

    def _refresh(self) -> None:
        """Redraw the live display (started on first use); caller holds the lock."""
        if self.mode != "live":
            return
        if self._live is None:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self._err(), force_terminal=True, highlight=False)
            self._live = Live(console=console, get_renderable=self._status, refresh_per_second=4)
            self._live.start()

    def _status(self) -> Any:
        from rich.text import Text

        total = "?" if self.total is None else str(self.total)
        elapsed = int(time.monotonic() - self.start)
        stages = "; ".join(self.running) or ("done" if self.done == self.total else "…")
        return Text(
            f"layers {self.done}/{total}  {elapsed // 60}:{elapsed % 60:02d}  {stages}",
            no_wrap=True,
            overflow="ellipsis",
        )
