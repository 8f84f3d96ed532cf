"""Boot a layer the way Lambda would, and report what happened.

Sequence (each step with its own timeout; any failure kills the process group):
unpack → spawn ``extensions/collector`` against our Extensions API → ready (first
``event/next``) → INVOKE → send OTLP data → ``platform.runtimeDone`` to every Telemetry
subscriber → next ``event/next`` (the data must be at the sink by then: that is when
Lambda may freeze the sandbox) → SHUTDOWN → clean exit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ocelot_build.budgets import Budgets, check_budgets
from ocelot_build.errors import UsageError
from ocelot_build.model import Architecture
from ocelot_build.verify import collectorlog
from ocelot_build.verify.emulator import ExtensionsApi
from ocelot_build.verify.layer import BINARY, UnpackedLayer, elf_architecture, unpack_layer
from ocelot_build.verify.plan import (
    CheckPlan,
    free_port,
    generated_config,
    plan_check,
    write_config,
)
from ocelot_build.verify.report import FAILED, PASSED, SKIPPED, VerifyReport, read_manifest
from ocelot_build.verify.runner import QEMU_HINT, ExtensionProcess, launch_prefix
from ocelot_build.verify.session import Session, StepFailed

Log = Callable[[str], None]


def verify_layer(
    zip_path: Path,
    *,
    architecture: Architecture | None = None,
    components: Mapping[str, Sequence[str]] | None = None,
    timeout: float = 30.0,
    log: Log | None = None,
    budgets: Budgets | None = None,
    bundled_config: bool = False,
) -> VerifyReport:
    """Boot the layer in ``zip_path`` against a local Lambda and return the report.

    Raises UsageError for input that is not a collector layer at all (missing file, not a
    zip, no ``extensions/collector``); a layer that is there but broken gives a failed
    report. ``components`` None means: read them from the manifest beside the zip.
    ``budgets`` (optional) turns figures over a limit into a failure. ``bundled_config``
    boots with the layer's own ``collector-config/config.yaml`` (proving it loads) and
    checks the lifecycle only, since that config exports wherever its author chose.
    """
    zip_path = Path(zip_path)
    if not timeout > 0:
        raise UsageError(f"timeout must be a positive number of seconds, got {timeout!r}")
    say = log or (lambda _line: None)
    if components is None:
        manifest = read_manifest(zip_path) if zip_path.is_file() else None
        components = manifest.components if manifest else None
    plan = (
        CheckPlan(False, (), note="bundled config: lifecycle checked, no data round trip")
        if bundled_config
        else plan_check(components)
    )
    with tempfile.TemporaryDirectory(prefix="ocelot-verify-") as tmp:
        layer = unpack_layer(zip_path, Path(tmp) / "opt")
        say(
            f"unpacked {zip_path.name}: {layer.zip_size:,} B zipped, "
            f"{layer.unzipped_size:,} B unzipped"
        )
        report = _check(layer, Path(tmp), architecture, plan, timeout, say)
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
    tmp: Path,
    declared: Architecture | None,
    plan: CheckPlan,
    timeout: float,
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
    return _boot(layer, tmp, arch, prefix, plan, timeout, say)


def _boot(
    layer: UnpackedLayer,
    tmp: Path,
    arch: Architecture,
    prefix: list[str],
    plan: CheckPlan,
    timeout: float,
    say: Log,
) -> VerifyReport:
    from ocelot_build.verify.sink import OtlpSink  # protobuf import only when booting

    with OtlpSink() as sink, ExtensionsApi() as api:
        receiver = f"127.0.0.1:{free_port()}"
        if plan.generated:
            config = tmp / "config.yaml"
            write_config(config, generated_config(plan, receiver, sink.endpoint))
        else:
            config = layer.bundled_config
        env = _environment(api.address, config, tmp)
        proc = ExtensionProcess([*prefix, str(layer.binary)], env=env, cwd=layer.root)
        session = Session(
            api=api, sink=sink, proc=proc, plan=plan, receiver=receiver, timeout=timeout, say=say
        )
        status, reason = PASSED, ""
        try:
            with proc:
                say(f"started pid {proc.pid}")
                session.run()
            session.check_exit()
        except StepFailed as exc:
            status, reason = FAILED, exc.reason
        except OSError as exc:  # exec itself failed: Lambda's Extension.LaunchError
            status, reason = FAILED, f"cannot start {BINARY}: {exc.strerror or exc}"
        return _report(session, status, reason, layer, arch, bool(prefix))


def _report(
    session: Session,
    status: str,
    reason: str,
    layer: UnpackedLayer,
    arch: Architecture,
    emulated: bool,
) -> VerifyReport:
    state = session.api.snapshot()
    recs = collectorlog.records(session.proc.lines)
    notes = [session.plan.note] if session.plan.note else []
    if emulated:
        notes.append(
            "ran under qemu user-mode emulation: peak RSS includes the emulator, "
            "init time is not representative of Lambda"
        )
    if state.extension_name not in (None, "collector"):
        notes.append(f"registered as {state.extension_name!r}, not 'collector'")
    notes += [f"unexpected API call: {u}" for u in state.unexpected]
    notes += session.notes
    return VerifyReport(
        status=status,
        reason=reason,
        architecture=arch.value,
        emulated=emulated,
        config="generated" if session.plan.generated else "bundled",
        init_ms=session.init_ms,
        startup_duration_ms=collectorlog.startup_duration_ms(recs),
        shutdown_ms=session.shutdown_ms,
        peak_rss_kb=session.proc.peak_rss_kb,
        zip_size=layer.zip_size,
        unzipped_size=layer.unzipped_size,
        signals=tuple(session.signals_ok),
        error_type=state.error_calls[-1][1] if state.error_calls else None,
        collector_error=collectorlog.failure(recs),
        exit_code=session.proc.returncode,
        notes=tuple(notes),
        log_tail=session.proc.tail(40),
    )


def _environment(runtime_api: str, config: Path, tmp: Path) -> dict[str, str]:
    """A clean Lambda-like environment: nothing of ours (no AWS credentials) leaks in.

    ``AWS_SAM_LOCAL=true`` makes the Telemetry listener bind all interfaces instead of
    ``sandbox.localdomain``, which does not resolve outside Lambda.
    """
    (tmp / "tmp").mkdir(exist_ok=True)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "TMPDIR": str(tmp / "tmp"),
        "TZ": "UTC",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_SAM_LOCAL": "true",
        "OPENTELEMETRY_COLLECTOR_CONFIG_URI": f"file:{config}",
        "OPENTELEMETRY_EXTENSION_LOG_LEVEL": "info",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_FUNCTION_NAME": "ocelot-verify",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
