"""The account allow-list: refuse to change anything in an AWS account the stack did not name.

Credentials decide where a ``pulumi up`` lands, not the stack file, so a public stack run with
the wrong profile would publish (and share with the world) in the wrong account. STS
``GetCallerIdentity`` needs no permission and answers for any valid credentials, so it is the
check to run before the first change.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ocelot_build.core.errors import PublishError, UsageError


def caller_account(session: Any) -> str:
    """The account id of ``session``'s credentials (a ``boto3.Session``)."""
    import botocore.exceptions

    try:
        return str(session.client("sts").get_caller_identity()["Account"])
    except botocore.exceptions.NoCredentialsError:
        raise UsageError(
            "no AWS credentials found; configure a profile or AWS_* variables"
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise PublishError(f"AWS STS GetCallerIdentity failed: {exc}") from None
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise PublishError(
            f"AWS STS GetCallerIdentity failed: {error.get('Code')}: {error.get('Message')}"
        ) from None


def check_account(
    allowed: Collection[str], session: Any, *, source: str = "aws:allowedAccountIds"
) -> str:
    """Return the caller's account id if it is in ``allowed``; else UsageError (exit 2).

    An empty ``allowed`` allows every account (private stacks need no list; the stack
    config guard decides when one is required). ``source`` names where the list came from.
    """
    account = caller_account(session)
    if allowed and account not in allowed:
        raise UsageError(
            f"AWS credentials are for account {account}, which is not in "
            f"{source} ({', '.join(sorted(allowed))}); nothing was changed"
        )
    return account
