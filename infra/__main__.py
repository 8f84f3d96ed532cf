"""Pulumi entry point (``main: infra/`` in Pulumi.yaml): parse the config, check the account,
declare the stack.

Deliberate errors (bad config, credentials for an account not in ``aws:allowedAccountIds``,
a failed build or boot check) end the program through ``pulumi.RunError``: Pulumi prints the
message, without a Python traceback, before any layer is built or any resource registered.
"""

import boto3
import pulumi

from infra.program import build_stack, project_root
from ocelot_build.core.errors import OcelotError
from ocelot_build.publish.aws_guard import check_account
from ocelot_build.publish.stack_config import load_stack_config

try:
    config = load_stack_config(project_root())
    if config.allowed_accounts:
        check_account(config.allowed_accounts, boto3.Session())
    build_stack(config)
except OcelotError as exc:
    raise pulumi.RunError("\n".join(filter(None, [str(exc), exc.detail]))) from None
