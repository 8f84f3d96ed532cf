"""Who may use a layer version, as the exact set of policy statements ocelot owns.

One sharing mode per stack: private, a list of accounts, one AWS Organization, or public.
Each mode maps to one statement per grantee, in two id families that never meet:

* ``ocelot-current-<grantee>`` on a slot's current version, declared by the Pulumi program
  as ``aws.lambda_.LayerVersionPermission`` resources (``<slot>-share-<grantee>``);
* ``ocelot-<grantee>`` on the older, retained versions, kept by the reconciler.

A grantee is ``public``, ``org-<id>`` or ``account-<id>``. The grantee in the id means two
modes never reuse an id for different grants (a permission is created before the one it
replaces is deleted, on the same version when only the mode changes); the two families mean
the reconciler and Pulumi never add an id the other holds. Statements with neither prefix are
anyone else's and are never touched.

The mode travels between the Pulumi program and the reconciler process as a short token
(``private``, ``public``, ``org:o-…``, ``accounts:111122223333,…``), which is also what the
stack output and ``pulumi preview`` show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ocelot_build.core.errors import UsageError

PREFIX = "ocelot-"  # the reconciler's ids, on retained versions
DECLARED = "ocelot-current-"  # the permission resources' ids, on the current version
ACTION = "lambda:GetLayerVersion"  # the only action AWS accepts on a layer version policy
ORG_RE = re.compile(r"o-[a-z0-9]{10,32}")
ACCOUNT_RE = re.compile(r"\d{12}")

Mode = Literal["private", "accounts", "org", "public"]


@dataclass(frozen=True)
class Statement:
    """One grant of ``lambda:GetLayerVersion`` on one layer version."""

    sid: str
    principal: str  # "*" or a 12-digit account id
    organization_id: str | None = None


@dataclass(frozen=True)
class Sharing:
    """A stack's sharing mode; ``statements`` is what every one of its versions must hold."""

    mode: Mode = "private"
    accounts: tuple[str, ...] = ()
    organization_id: str | None = None

    @classmethod
    def public(cls) -> Sharing:
        return cls("public")

    @classmethod
    def organization(cls, organization_id: str) -> Sharing:
        return cls("org", organization_id=organization_id)

    @classmethod
    def with_accounts(cls, accounts: tuple[str, ...]) -> Sharing:
        return cls("accounts", accounts=tuple(sorted(set(accounts))))

    def grants(self) -> dict[str, Statement]:
        """Grantee (``public``, ``org-<id>``, ``account-<id>``) → its statement, id unset."""
        if self.mode == "public":
            found = {"public": Statement("", "*")}
        elif self.mode == "org":
            assert self.organization_id
            oid = self.organization_id
            found = {f"org-{oid}": Statement("", "*", oid)}
        else:  # accounts, or private (no accounts)
            found = {f"account-{a}": Statement("", a) for a in self.accounts}
        return found

    def statements(self, prefix: str = PREFIX) -> dict[str, Statement]:
        """Statement id → statement: what a retained version keeps (``prefix`` ``PREFIX``)
        or the current version's permission resources hold (``DECLARED``)."""
        found = [
            Statement(prefix + grantee, s.principal, s.organization_id)
            for grantee, s in self.grants().items()
        ]
        return {s.sid: s for s in found}

    @property
    def token(self) -> str:
        """``private``, ``public``, ``org:<id>`` or ``accounts:<id>,<id>``."""
        if self.mode == "org":
            return f"org:{self.organization_id}"
        if self.mode == "accounts":
            return "accounts:" + ",".join(self.accounts)
        return self.mode

    @classmethod
    def parse(cls, token: str) -> Sharing:
        """The inverse of ``token``; anything else is a UsageError naming what is allowed."""
        kind, _, rest = token.strip().partition(":")
        if kind in ("private", "public") and not rest:
            return cls.public() if kind == "public" else cls()
        if kind == "org" and ORG_RE.fullmatch(rest):
            return cls.organization(rest)
        accounts = tuple(rest.split(",")) if rest else ()
        if kind == "accounts" and accounts and all(ACCOUNT_RE.fullmatch(a) for a in accounts):
            return cls.with_accounts(accounts)
        raise UsageError(
            f"sharing {token!r} is not one of: private, public, org:o-<id>,"
            " accounts:<12 digits>[,<12 digits>…]"
        )


def reconciled(sid: str) -> bool:
    """Whether a statement id is the reconciler's to add and remove."""
    return sid.startswith(PREFIX) and not sid.startswith(DECLARED)


def permissions(sharing: Sharing) -> dict[str, Statement]:
    """The current version's ``LayerVersionPermission``s: resource suffix → statement
    (``share-public`` → ``ocelot-current-public``, and so on), one rule for the program,
    its tests and the transitions table."""
    return {
        f"share-{grantee}": Statement(DECLARED + grantee, s.principal, s.organization_id)
        for grantee, s in sharing.grants().items()
    }
