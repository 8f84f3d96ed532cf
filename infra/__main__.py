"""Pulumi entry point (``main: infra/`` in Pulumi.yaml): parse the config, declare the stack.

Deliberate errors (bad config, a failed build or boot check) end the program through
``pulumi.RunError``: Pulumi prints the message, without a Python traceback.
"""

import pulumi

from infra.program import build_stack, project_root
from infra.stack_config import load_stack_config
from ocelot_build.errors import OcelotError

try:
    build_stack(load_stack_config(project_root()))
except OcelotError as exc:
    raise pulumi.RunError("\n".join(filter(None, [str(exc), exc.detail]))) from None
