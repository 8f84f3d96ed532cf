"""Render a stack's layer ARNs as a Markdown table for release notes.

    pulumi stack output --json --stack prod-eu | python -m infra.release_notes -
    python -m infra.release_notes --stack prod-eu      # runs `pulumi stack output` itself

Bad input exits 2 with one line on stderr; a failing ``pulumi`` exits 1 with its last lines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from infra.outputs import parse_stack_output, render_markdown
from ocelot_build.core import proc
from ocelot_build.core.errors import OptionParser, PublishError, command_main
from ocelot_build.core.files import PROJECT_ROOT


def stack_output_json(stack: str, cwd: Path) -> str:
    """``pulumi stack output --json`` for one stack of the project in ``cwd``."""
    pulumi = proc.require_pulumi(
        "pipe `pulumi stack output --json` into `python -m infra.release_notes -`"
    )
    argv = [pulumi, "stack", "output", "--json", "--show-secrets", "--stack", stack]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-10:])
        raise PublishError(f"`pulumi stack output` failed for stack {stack!r}", detail=tail)
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    return command_main("ocelot release-notes", lambda: _run(argv))


def _run(argv: list[str] | None) -> int:
    parser = OptionParser(
        prog="python -m infra.release_notes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "input", nargs="?", choices=["-"], help="read `pulumi stack output --json` from stdin"
    )
    source.add_argument(
        "--stack",
        help="run `pulumi stack output --json` for this stack (default: none; read stdin with -)",
    )
    args = parser.parse_args(argv)
    text = stack_output_json(args.stack, PROJECT_ROOT) if args.stack else sys.stdin.read()
    sys.stdout.write(render_markdown(parse_stack_output(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
