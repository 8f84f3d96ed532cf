"""Where a build's time goes: wall and CPU seconds per step, machine-readable.

Progress lines say how long a stage took; this keeps the same figures as data (written by
``--timings FILE``, read by ``bench/matrix.py``), with CPU next to wall: on a loaded machine
wall time says little, and CPU is what two parallel steps compete for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from ocelot_build.core import proc


@dataclass(frozen=True)
class StepTime:
    subject: str  # a layer ("minimal/amd64") or a work tree ("tree minimal,default")
    step: str  # "tree", "tidy", "go build", "package", ...
    start: float  # seconds since the run began
    wall: float
    cpu: float  # the thread's own CPU plus that of the commands it ran


def cpu_now() -> float:
    """This thread's CPU seconds, its commands' included (see ``proc.child_cpu``)."""
    return time.thread_time() + proc.child_cpu()


class Timings:
    """The steps of one run, recorded from any thread."""

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.steps: list[StepTime] = []
        self.facts: dict[str, Any] = {}  # decisions worth reading beside the figures (jobs)
        self._lock = threading.Lock()

    @contextmanager
    def step(self, subject: str, step: str) -> Iterator[None]:
        wall, cpu = time.monotonic(), cpu_now()
        try:
            yield
        finally:
            done = StepTime(
                subject,
                step,
                round(wall - self.began, 3),
                round(time.monotonic() - wall, 3),
                round(cpu_now() - cpu, 3),
            )
            with self._lock:
                self.steps.append(done)

    def totals(self) -> dict[str, dict[str, float]]:
        """step → summed wall and CPU seconds over every subject."""
        out: dict[str, dict[str, float]] = {}
        for s in self.steps:
            row = out.setdefault(s.step, {"count": 0, "wall": 0.0, "cpu": 0.0})
            row["count"] += 1
            row["wall"] = round(row["wall"] + s.wall, 3)
            row["cpu"] = round(row["cpu"] + s.cpu, 3)
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            **self.facts,
            "wall": round(time.monotonic() - self.began, 3),
            "totals": self.totals(),
            "steps": [asdict(s) for s in sorted(self.steps, key=lambda s: s.start)],
        }
