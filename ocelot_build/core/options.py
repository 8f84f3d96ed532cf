"""The command-line options several commands share, defined once.

The build CLI, ``costs`` and ``components`` all read an upstream (``-r``/``-b``) and the two
config files (``-c``/``--components``); one definition keeps their spelling, help and
defaults from drifting apart.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ocelot_build.core.errors import path_option
from ocelot_build.core.types import DEFAULT_UPSTREAM_REF, DEFAULT_UPSTREAM_REPO


def add_upstream_options(p: argparse.ArgumentParser) -> None:
    """``-r`` and ``-b``: which upstream repository, and which ref of it."""
    p.add_argument(
        "-r",
        "--upstream-repo",
        default=DEFAULT_UPSTREAM_REPO,
        help="owner/name on GitHub, a git URL, or a local path",
    )
    p.add_argument(
        "-b",
        "--upstream-ref",
        default=DEFAULT_UPSTREAM_REF,
        help="branch, tag, or full/short commit SHA",
    )


def add_config_options(
    p: argparse.ArgumentParser,
    config_help: str = "distributions file (default: config/distributions.yaml)",
) -> None:
    """``-c`` and ``--components``: the distributions file and the overlay registry."""
    p.add_argument("-c", "--config", type=path_option, default=None, help=config_help)
    p.add_argument(
        "--components",
        type=path_option,
        default=None,
        help="overlay component registry (default: config/components.yaml)",
    )


def count(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` for a count (runs, rounds, repeats): a whole number of at least
    ``minimum``. One rule, so every command and bench script refuses ``0``, ``-3`` or ``2.5``
    before it starts, with the same words."""

    def parse(text: str) -> int:
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit()) or int(digits) < minimum:
            raise argparse.ArgumentTypeError(
                f"needs a whole number of at least {minimum}, got {text!r}"
            )
        return int(digits)

    return parse
