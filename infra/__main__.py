"""The ocelot Pulumi program (``main: infra/`` in Pulumi.yaml): parse the stack config, check
the account and that no other stack owns the layer names, build (or take from the cache)
every layer, declare them.

Run it through Pulumi, in the project directory:

    pulumi preview --stack NAME --diff     # what would change
    pulumi up --stack NAME                 # publish

The stack's keys (``aws:region``, ``ocelot:distributions``, …) are in docs/publishing.md; a
first layer on a function, step by step, in docs/quickstart.md.

Deliberate errors (bad config, credentials for an account not in ``aws:allowedAccountIds``,
a layer name another stack owns, a failed build or boot check) end the program through
``pulumi.RunError``: Pulumi prints the message, without a Python traceback, before any layer
is built or any resource registered.
Run directly (``python -m infra``), outside the Pulumi engine, it prints this text (exit 0
for ``--help``, else 2) instead of failing on config it cannot have.
"""

import contextlib
import sys

import boto3
import pulumi
import pulumi.runtime.settings

from infra.program import build_stack, project_root, stack_name
from ocelot_build.core.errors import OcelotError
from ocelot_build.publish.aws_guard import check_account
from ocelot_build.publish.records import check_owners
from ocelot_build.publish.stack_config import load_stack_config

if pulumi.runtime.settings.get_monitor() is None:  # not run by the Pulumi engine
    asked = any(arg in ("-h", "--help") for arg in sys.argv[1:])
    with contextlib.suppress(BrokenPipeError):  # `| head` is not an error
        print(__doc__, file=sys.stdout if asked else sys.stderr, flush=True)
    sys.exit(0 if asked else 2)

try:
    config = load_stack_config(project_root())
    session = boto3.Session(profile_name=config.aws_profile)
    if config.allowed_accounts:
        check_account(config.allowed_accounts, session)
    check_owners(session, config.regions, config.families, stack_name())
    build_stack(config)
except OcelotError as exc:
    raise pulumi.RunError("\n".join(filter(None, [str(exc), exc.detail]))) from None
