"""Every error ocelot raises on purpose, with the exit code it maps to.

Each command's ``main()`` turns them into a message and this exit code; the few other
places that catch one add context, collect several, or handle an expected failure (every
catch site is listed in docs/architecture.md, "How errors reach the exit code"). Bad input
is exit 2 (nothing has been written yet), a failed build, verification or publish is 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from argparse import SUPPRESS
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn


class OcelotError(Exception):
    """Base class: a message meant for the user, and the process exit code."""

    exit_code = 1

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail  # e.g. the tail of a failing tool's output

    def __str__(self) -> str:
        return self.message


class UsageError(OcelotError):
    """Bad input: an option, a config file, a distribution. Detected before any work."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration file is malformed; the message names the file and the field."""


class ToolMissingError(UsageError):
    """A required external program (git, go, pulumi) is not installed."""


class BuildError(OcelotError):
    """A build step failed (git, go, packaging); ``detail`` holds the tool's last lines."""


class VerifyError(OcelotError):
    """A layer failed its boot check or went over a budget."""


class PublishError(OcelotError):
    """Publishing through Pulumi failed."""


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already names one: the
    one rule that keeps ``--help`` and the defaults in the code from disagreeing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        shown = action.option_strings and action.default not in (None, False, "", SUPPRESS)
        if shown and "default" not in text:
            text += " (default: %(default)s)"
        return text


def path_option(text: str) -> Path:
    """An option's path; an empty one is refused rather than read as ``.`` (``-o ""`` must
    not write into the current directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a path")
    return Path(text)


class OptionParser(argparse.ArgumentParser):
    """An argument parser whose errors are bad input like any other: one line naming the
    problem and where help is, exit 2 (through the command's ``main``), no usage dump.
    Help shows every option's default (``DefaultsHelpFormatter``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = kwargs.get("formatter_class", argparse.HelpFormatter)
        kwargs["formatter_class"] = type("Formatter", (DefaultsHelpFormatter, given), {})
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


class Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that the same ``finally`` blocks
    clean up (children killed, temp dirs removed); a command's ``main`` exits 143 on it."""


def raise_on_sigterm() -> Callable[[], None]:
    """From now on SIGTERM raises ``Terminated`` in the main thread (signals are only
    delivered there; called from another thread this does nothing). Returns the call that
    puts the previous handler back, so an in-process ``main()`` leaves no handler behind."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, _raise_terminated)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def _raise_terminated(signum: int, frame: object) -> NoReturn:
    raise Terminated


def command_main(prog: str, body: Callable[[], int]) -> int:
    """Run a command's body under the one exit-code rule that every command shares: SIGTERM
    and Ctrl-C unwind through the same ``finally`` blocks (children killed, temp dirs
    removed) and exit 143 / 130 with one line; an ocelot error prints
    ``<prog>: error: <message>`` (and the failing tool's tail) and exits with its code; a
    closed pipe (``| head``) is not an error. The SIGTERM handler is restored on return."""
    restore = raise_on_sigterm()
    try:
        return body()
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return 143
    except OcelotError as exc:
        print(f"{prog}: error: {exc.message}", file=sys.stderr)
        if exc.detail:
            print(exc.detail, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    finally:
        restore()
