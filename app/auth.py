"""Who the user is and what role they hold (SPEC section 2.6).

Production sign-in is OpenID Connect (``st.login``); the identity provider says who the user is,
and an access policy file kept by the information-governance lead says what they may see:

.. code-block:: toml

    # users by email or OIDC subject, groups by the id the provider puts in the "groups" claim
    [users]
    "ana.lopez@camden.gov.uk" = "borough:E09000007"
    "sam.okoro@london.gov.uk" = "london"

    [groups]
    "6f1c2e1a-0000-4000-8000-000000000001" = "overview"
    "6f1c2e1a-0000-4000-8000-000000000002" = "admin"

Nobody outside the policy gets in. Demo mode replaces the identity provider with one account per
role, and is refused on a release that is not synthetic.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.errors import PathwaysError
from pipelines.reference import borough_codes, borough_name

RoleKind = Literal["london", "borough", "overview", "admin"]

ROLE_WORDS: dict[str, str] = {
    "london": "All boroughs and all published aggregates.",
    "borough": "Your borough in detail, plus London and every borough's published totals.",
    "overview": "The monthly London headline charts only.",
    "admin": "The audit log and the About page; no extra data.",
}


@dataclass(frozen=True)
class Role:
    """A role and its scope: ``london``, ``borough:<ONS code>``, ``overview`` or ``admin``."""

    kind: RoleKind
    borough: str | None = None

    @classmethod
    def parse(cls, text: str) -> Role:
        """Read a role as written in the policy file.

        >>> Role.parse("borough:E09000007")
        Role(kind='borough', borough='E09000007')
        """
        text = text.strip()
        if text in ("london", "overview", "admin"):
            return cls(text)  # type: ignore[arg-type]
        kind, _, code = text.partition(":")
        if kind == "borough":
            if code not in borough_codes():
                raise PathwaysError(f"{code!r} in the access policy is not a London borough code.")
            return cls("borough", code)
        raise PathwaysError(
            f"{text!r} is not a role. Roles are london, borough:<ONS code>, overview and admin."
        )

    def __str__(self) -> str:
        return f"borough:{self.borough}" if self.kind == "borough" else self.kind

    @property
    def label(self) -> str:
        """The role in words, e.g. 'Borough lead — Camden'."""
        if self.kind == "borough":
            return f"Borough lead — {borough_name(self.borough or '')}"
        return {
            "london": "Pan-London lead",
            "overview": "Taskforce overview",
            "admin": "Administrator",
        }[self.kind]


@dataclass(frozen=True)
class Identity:
    """A signed-in person as the identity provider (or the demo) describes them."""

    subject: str
    email: str | None = None
    name: str | None = None
    groups: tuple[str, ...] = ()

    @property
    def user_id(self) -> str:
        """What the audit log records: the email when there is one, else the subject."""
        return self.email or self.subject

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Identity:
        """Build an identity from OIDC ID-token claims (``st.user``)."""
        groups = claims.get("groups") or ()
        if isinstance(groups, str):
            groups = (groups,)
        email = claims.get("email") or claims.get("preferred_username") or None
        return cls(
            subject=str(claims.get("sub") or email or ""),
            email=str(email).strip().lower() if email else None,
            name=str(claims["name"]) if claims.get("name") else None,
            groups=tuple(str(g) for g in groups),
        )


class AccessPolicy(BaseModel):
    """Roles by user (email or subject) and by group; users listed by name win over groups."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    users: dict[str, str] = Field(default_factory=dict)
    groups: dict[str, str] = Field(default_factory=dict)

    @field_validator("users", "groups")
    @classmethod
    def _roles_parse(cls, value: dict[str, str]) -> dict[str, str]:
        for role in value.values():
            Role.parse(role)
        return {k.strip().lower() if "@" in k else k.strip(): v for k, v in value.items()}

    def role_for(self, identity: Identity) -> Role | None:
        """The identity's role, or None when the policy does not name them.

        A user listed by email or subject wins; otherwise the first group in the file's order
        that the user belongs to.
        """
        for key in (identity.email.lower() if identity.email else None, identity.subject):
            if key and key in self.users:
                return Role.parse(self.users[key])
        for group, role in self.groups.items():
            if group in identity.groups:
                return Role.parse(role)
        return None


def policy_path() -> Path:
    """The access policy file: ``PATHWAYS_ACCESS_POLICY``, else ``.streamlit/access.toml``."""
    return Path(os.environ.get("PATHWAYS_ACCESS_POLICY") or ".streamlit/access.toml")


def load_policy(path: Path | None = None) -> AccessPolicy:
    """Read the access policy (TOML or JSON)."""
    path = path or policy_path()
    if not path.is_file():
        raise PathwaysError(
            f"There is no access policy at {path}. Set PATHWAYS_ACCESS_POLICY to the file that "
            "maps users and groups to roles."
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        return AccessPolicy.model_validate(data)
    except (ValueError, tomllib.TOMLDecodeError, PathwaysError) as e:
        raise PathwaysError(f"The access policy at {path} cannot be read: {e}") from None


@dataclass(frozen=True)
class DemoAccount:
    account_id: str
    name: str
    role: Role


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("london-lead", "London lead", Role("london")),
    DemoAccount("camden-lead", "Camden lead", Role("borough", "E09000007")),
    DemoAccount("westminster-lead", "Westminster lead", Role("borough", "E09000033")),
    DemoAccount("taskforce", "Taskforce overview", Role("overview")),
    DemoAccount("admin", "Admin", Role("admin")),
)


def demo_account(account_id: str) -> DemoAccount:
    for account in DEMO_ACCOUNTS:
        if account.account_id == account_id:
            return account
    raise PathwaysError(f"There is no demo account called {account_id!r}.")


def demo_mode() -> bool:
    """True when ``PATHWAYS_DEMO`` is set to 1 (or true/yes)."""
    return os.environ.get("PATHWAYS_DEMO", "").strip().lower() in ("1", "true", "yes")


# A secret per server process: a demo sign-in is only honoured with a token this process issued,
# so writing an account name into session state does not sign anyone in.
_SESSION_SECRET = secrets.token_bytes(32)


def issue_token(account_id: str) -> str:
    """A token naming a demo account, signed with this process's secret."""
    mac = hmac.new(_SESSION_SECRET, account_id.encode(), hashlib.sha256)
    return f"{account_id}|{mac.hexdigest()}"


def read_token(token: object) -> str | None:
    """The demo account a token names, or None when this process did not issue it."""
    if not isinstance(token, str) or "|" not in token:
        return None
    account_id, _, mac = token.partition("|")
    expected = issue_token(account_id).partition("|")[2]
    return account_id if hmac.compare_digest(mac, expected) else None
