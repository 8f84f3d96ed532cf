"""Run a build's steps on a few threads, each once the steps it needs are done.

The schedule decides the order and the dependencies; this only runs them. With one job
everything runs in the calling thread, in list order (which respects the dependencies).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from ocelot_build.core import proc


@dataclass(frozen=True)
class Task:
    name: str
    after: tuple[str, ...]  # names of the tasks that must succeed first
    action: Callable[[], None]


def run_tasks(tasks: list[Task], jobs: int) -> None:
    """Start tasks in list order as soon as their ``after`` are done, ``jobs`` at a time.

    The first failure starts nothing more; the tasks already running finish and the
    failure is raised. Ctrl-C or SIGTERM (delivered to this thread only) kills the running
    commands, so the workers unwind (their ``finally`` blocks remove temporary trees) before
    it propagates.
    """
    if jobs <= 1:
        for task in tasks:
            task.action()
        return
    pending = list(tasks)
    running: dict[Future[None], Task] = {}
    done: set[str] = set()
    failure: BaseException | None = None
    try:
        with ThreadPoolExecutor(jobs, thread_name_prefix="ocelot-build") as pool:
            try:
                while running or (pending and failure is None):
                    ready = [t for t in pending if set(t.after) <= done]
                    for task in ready[: jobs - len(running)]:
                        pending.remove(task)
                        running[pool.submit(task.action)] = task
                    if not running:
                        raise RuntimeError(f"unsatisfiable steps: {[t.name for t in pending]}")
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task = running.pop(future)
                        if future.exception() is None:
                            done.add(task.name)
                        elif failure is None:
                            failure, pending = future.exception(), []
            except BaseException:
                proc.stop_all()
                raise
    finally:
        proc.resume()
    if failure is not None:
        raise failure
