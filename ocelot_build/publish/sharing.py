"""Who may use a layer version, as the exact set of policy statements ocelot owns.

One sharing mode per stack: private, a list of accounts, one AWS Organization, or public.
Each mode maps to statements whose ids start with ``ocelot-`` and encode their grantee
(``ocelot-public``, ``ocelot-org-<id>``, ``ocelot-account-<id>``). The prefix is how the
reconciler tells its own statements from anyone else's, which it never touches; the grantee
in the id means two modes never reuse an id for different grants.

The mode travels between the Pulumi program and the reconciler process as a short token
(``private``, ``public``, ``org:o-…``, ``accounts:111122223333,…``), which is also what the
stack output and ``pulumi preview`` show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ocelot_build.core.errors import UsageError

PREFIX = "ocelot-"
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

    def statements(self) -> dict[str, Statement]:
        """Statement id → statement: exactly the ``ocelot-`` statements a version keeps."""
        if self.mode == "public":
            found = [Statement(f"{PREFIX}public", "*")]
        elif self.mode == "org":
            assert self.organization_id
            oid = self.organization_id
            found = [Statement(f"{PREFIX}org-{oid}", "*", oid)]
        else:  # accounts, or private (no accounts)
            found = [Statement(f"{PREFIX}account-{a}", a) for a in self.accounts]
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
