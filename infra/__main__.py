"""Pulumi entry point (``main: infra/`` in Pulumi.yaml): parse the config, check the account
and that no other stack owns the layer names, declare the stack.

Deliberate errors (bad config, credentials for an account not in ``aws:allowedAccountIds``,
a layer name another stack owns, a failed build or boot check) end the program through
``pulumi.RunError``: Pulumi prints the message, without a Python traceback, before any layer
is built or any resource registered.
"""

import boto3
import pulumi

from infra.program import build_stack, project_root, stack_name
from ocelot_build.core.errors import OcelotError
from ocelot_build.publish.aws_guard import check_account
from ocelot_build.publish.records import check_owners
from ocelot_build.publish.stack_config import load_stack_config

try:
    config = load_stack_config(project_root())
    session = boto3.Session(profile_name=config.aws_profile)
    if config.allowed_accounts:
        check_account(config.allowed_accounts, session)
    check_owners(session, config.regions, config.families, stack_name())
    build_stack(config)
except OcelotError as exc:
    raise pulumi.RunError("\n".join(filter(None, [str(exc), exc.detail]))) from None
