"""Boot a layer the way Lambda would, and report what happened.

Here, outside the sandbox: unpack (size-checked), read the ELF header, choose native or
qemu, then run the check session (``boot``) in the sandbox (``isolation``) under one
overall deadline (``watchdog``). In the session, each step has its own timeout: spawn
``extensions/collector`` against our Extensions API → ready (first ``event/next``) →
INVOKE → send OTLP data → ``platform.runtimeDone`` to every Telemetry subscriber → next
``event/next`` (the data must be at the sink by then: that is when Lambda may freeze the
sandbox) → SHUTDOWN → clean exit.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ocelot_build.core.budgets import Budgets, check_budgets
from ocelot_build.core.errors import UsageError
from ocelot_build.core.files import temp_prefix
from ocelot_build.core.model import Architecture
from ocelot_build.verify.boot import BootSpec
from ocelot_build.verify.box import MEMORY_MB_DEFAULT, Shape, memory_problem
from ocelot_build.verify.cgroupfs import NoBox
from ocelot_build.verify.confine import Box
from ocelot_build.verify.isolation import layer_uid, sandbox_problem, sandboxed, unsandboxed
from ocelot_build.verify.layer import (
    BINARY,
    UnpackedLayer,
    elf_architecture,
    elf_truncated,
    unpack_layer,
)
from ocelot_build.verify.plan import CheckPlan, plan_check
from ocelot_build.verify.report import FAILED, SKIPPED, VerifyReport, read_manifest
from ocelot_build.verify.runner import QEMU_HINT, launch_prefix
from ocelot_build.verify.watchdog import run_session

Log = Callable[[str], None]
DEADLINE_STEPS = 4  # default overall deadline: this many step timeouts


@dataclass(frozen=True)
class Limits:
    """How long (on one full vCPU), how much memory, whether sandboxed and whether in
    Lambda's limits (the box); checked once, here."""

    timeout: float = 30.0
    deadline: float = DEADLINE_STEPS * 30.0
    memory_mb: int = MEMORY_MB_DEFAULT
    sandbox: bool = True
    limits: bool = True
    inittrace: bool = False  # GODEBUG=inittrace=1: Go times every package init (costs)

    @classmethod
    def checked(
        cls,
        timeout: float,
        deadline: float | None,
        memory_mb: int,
        sandbox: bool,
        limits: bool = True,
        inittrace: bool = False,
    ) -> Limits:
        """UsageError (exit 2) for a value out of range, naming what is allowed."""
        for name, value in (("timeout", timeout), ("deadline", deadline)):
            if value is not None and not (isinstance(value, int | float) and 0 < value < math.inf):
                raise UsageError(f"{name} must be a positive number of seconds, got {value!r}")
        problem = memory_problem(memory_mb)
        if problem is not None:
            raise UsageError(f"memory {problem}")
        total = deadline if deadline is not None else DEADLINE_STEPS * timeout
        return cls(float(timeout), float(total), memory_mb, sandbox, limits, inittrace)


def verify_layer(
    zip_path: Path,
    *,
    architecture: Architecture | None = None,
    components: Mapping[str, Sequence[str]] | None = None,
    timeout: float = 30.0,
    log: Log | None = None,
    budgets: Budgets | None = None,
    bundled_config: bool = False,
    sandbox: bool = True,
    deadline: float | None = None,
    memory_mb: int = MEMORY_MB_DEFAULT,
    limits: bool = True,
    inittrace: bool = False,
) -> VerifyReport:
    """Boot the layer in ``zip_path`` against a local Lambda and return the report.

    Raises UsageError for input that is not a collector layer at all (missing file, not a
    zip, no ``extensions/collector``, over Lambda's unzipped limit); a layer that is there
    but broken gives a failed report. ``components`` None means: read them from the
    manifest beside the zip. ``budgets`` (optional) turns figures over a limit into a
    failure. ``bundled_config`` boots with the layer's own ``collector-config/config.yaml``
    (proving it loads) and checks the lifecycle only, since that config exports wherever
    its author chose. ``memory_mb`` is the Lambda memory size to boot at: the layer's
    processes get Lambda's limits for it (``box``), unless ``limits=False``. ``timeout``
    bounds each step and ``deadline`` (default 4 times timeout) the whole check, both on one
    full vCPU: below it they stretch with the CPU share. ``sandbox=False`` runs unisolated.
    """
    zip_path = Path(zip_path)
    checked = Limits.checked(timeout, deadline, memory_mb, sandbox, limits, inittrace)
    say = log or (lambda _line: None)
    if components is None:
        manifest = read_manifest(zip_path) if zip_path.is_file() else None
        components = manifest.components if manifest else None
    plan = (
        CheckPlan(False, (), note="bundled config: lifecycle checked, no data round trip")
        if bundled_config
        else plan_check(components)
    )
    with tempfile.TemporaryDirectory(prefix=temp_prefix("verify")) as tmp:
        layer = unpack_layer(zip_path, Path(tmp) / "opt")
        say(
            f"unpacked {zip_path.name}: {layer.zip_size:,} B zipped, "
            f"{layer.unzipped_size:,} B unzipped"
        )
        report = _check(layer, Path(tmp), architecture, plan, checked, say)
    if budgets is not None:
        init_ms = None if report.emulated else report.init_ms
        report = report.with_budget_violations(
            check_budgets(
                budgets,
                zip_size=report.zip_size,
                unzipped_size=report.unzipped_size,
                init_ms=init_ms,
            )
        )
    say(f"{report.status}" + (f": {report.reason}" if report.reason else ""))
    return report


def _check(
    layer: UnpackedLayer,
    work: Path,
    declared: Architecture | None,
    plan: CheckPlan,
    limits: Limits,
    say: Log,
) -> VerifyReport:
    sizes: dict[str, Any] = {"zip_size": layer.zip_size, "unzipped_size": layer.unzipped_size}
    declared_name = declared.value if declared else None
    arch = elf_architecture(layer.binary)
    mode = layer.binary.stat().st_mode & 0o777
    if not mode & 0o111:
        return VerifyReport(
            FAILED,
            f"{BINARY} is not executable (mode {mode:04o}); Lambda would "
            "fail with Extension.LaunchError: zip it with mode 0755",
            arch.value if arch else declared_name,
            **sizes,
        )
    if arch is None:
        return VerifyReport(
            FAILED,
            f"{BINARY} is not a 64-bit Linux ELF for {' or '.join(Architecture.names())}",
            declared_name,
            **sizes,
        )
    if elf_truncated(layer.binary):
        return VerifyReport(
            FAILED,
            f"cannot start {BINARY}: Exec format error (truncated ELF: its program "
            "headers lie past the end of the file)",
            arch.value,
            **sizes,
        )
    if declared is not None and declared is not arch:
        return VerifyReport(
            FAILED,
            f"{BINARY} is built for {arch.value}, but the layer is declared {declared.value}",
            declared.value,
            **sizes,
        )
    prefix = launch_prefix(arch)
    if prefix is None:
        return VerifyReport(
            SKIPPED, f"{arch.value} needs qemu-user-static ({QEMU_HINT})", arch.value, **sizes
        )
    say(f"booting {arch.value} collector" + (f" under {prefix[0]}" if prefix else ""))
    report = _boot(layer, work, prefix, plan, limits, say)
    return replace(report, architecture=arch.value, emulated=bool(prefix), **sizes)


def _boot(
    layer: UnpackedLayer, work: Path, launcher: list[str], plan: CheckPlan, limits: Limits, say: Log
) -> VerifyReport:
    """Run the check session in its box, sandboxed unless ``limits.sandbox`` is off."""
    if limits.sandbox:
        problem = sandbox_problem()
        if problem is not None:
            return VerifyReport(FAILED, problem, None)
        placement = sandboxed(work, launcher)
    else:
        placement = unsandboxed(work)
    shape = Shape.for_memory(limits.memory_mb, emulated=bool(launcher))
    timeout, deadline = limits.timeout * shape.stretch, limits.deadline * shape.stretch
    try:
        with Box(shape, limits.limits) as box:
            say(
                f"check session: sandbox {placement.name}, limits {box.name} at "
                f"{shape.memory_mb} MB, deadline {deadline:g} s"
            )
            spec = BootSpec(
                placement.layer_root,
                placement.scratch,
                tuple(launcher),
                plan,
                timeout,
                deadline,
                limits.memory_mb,
                layer_uid=layer_uid(placement),
                inittrace=limits.inittrace,
                **box.spec_fields(),
            )
            report = box.finish(run_session(placement, spec, say, box.fds))
    except NoBox as exc:
        report = VerifyReport(FAILED, f"limits unavailable: {exc}", None, memory_mb=shape.memory_mb)
    return replace(report, sandbox=placement.name)
