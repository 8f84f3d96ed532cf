"""The one seam between publishing and Pulumi: a small ``StackDriver`` protocol and its real
implementation over ``pulumi.automation`` (imported only when a stack is opened, after the
CLI has been found on PATH). Tests replace the driver, never Pulumi's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from ocelot_build.core.errors import PublishError, UsageError

Progress = Callable[[str], None]


class StackDriver(Protocol):
    """The few operations publishing needs from a Pulumi stack."""

    def config(self) -> dict[str, str]:
        """Every config key (``ns:key``) → its value; structured values as JSON text."""

    def set_list(self, key: str, values: Sequence[str]) -> None:
        """Set ``key`` to a YAML list (replacing what was there)."""

    def set_text(self, key: str, value: str) -> None:
        """Set ``key`` to a plain string."""

    def remove(self, key: str) -> None:
        """Remove ``key`` from the stack's config."""

    def preview(self, plan: Path, on_output: Progress) -> list[Any]:
        """Run ``pulumi preview --save-plan plan``; return its engine events."""

    def up(self, on_output: Progress, plan: Path) -> dict[str, Any]:
        """Run ``pulumi up --plan plan``; return the stack outputs as plain values."""


def open_automation_stack(stack: str, work_dir: Path) -> StackDriver:
    """The real driver: select ``stack`` of the Pulumi project in ``work_dir``."""
    from pulumi import automation as auto

    try:
        selected = auto.select_stack(stack, work_dir=str(work_dir))
    except auto.StackNotFoundError:
        raise UsageError(
            f"stack {stack!r} does not exist; create it with `pulumi stack init {stack}` "
            f"and `pulumi config set aws:region <region> --stack {stack}`"
        ) from None
    except auto.CommandError as exc:
        raise PublishError(f"pulumi could not select stack {stack!r}", detail=_tail(exc)) from None
    return _AutomationStack(selected)


class _AutomationStack:
    """StackDriver over ``pulumi.automation.Stack``."""

    def __init__(self, stack: Any) -> None:
        self._stack = stack

    def config(self) -> dict[str, str]:
        return {key: value.value for key, value in self._stack.get_all_config().items()}

    def set_list(self, key: str, values: Sequence[str]) -> None:
        from pulumi.automation import ConfigValue

        if key in self.config():
            self._stack.remove_config(key)
        items = {f"{key}[{i}]": ConfigValue(value) for i, value in enumerate(values)}
        self._stack.set_all_config(items, path=True)

    def set_text(self, key: str, value: str) -> None:
        from pulumi.automation import ConfigValue

        self._stack.set_config(key, ConfigValue(value))

    def remove(self, key: str) -> None:
        self._stack.remove_config(key)

    def preview(self, plan: Path, on_output: Progress) -> list[Any]:
        from pulumi import automation as auto

        events: list[Any] = []
        try:
            self._stack.preview(on_output=on_output, on_event=events.append, plan=str(plan))
        except auto.CommandError as exc:
            raise PublishError(
                f"pulumi preview failed for stack {self._stack.name!r}", detail=_tail(exc)
            ) from None
        return events

    def up(self, on_output: Progress, plan: Path) -> dict[str, Any]:
        from pulumi import automation as auto

        try:
            result = self._stack.up(on_output=on_output, plan=str(plan))
        except auto.CommandError as exc:
            raise PublishError(
                f"pulumi up failed for stack {self._stack.name!r}", detail=_tail(exc)
            ) from None
        return {key: value.value for key, value in result.outputs.items()}


def _tail(exc: Exception, lines: int = 20) -> str:
    return "\n".join(str(exc).strip().splitlines()[-lines:])
