"""Who the user is and what role they hold (SPEC section 2.6).

Production sign-in is OpenID Connect (``st.login``); the identity provider says who the user is,
and an access policy file kept by the information-governance lead says what they may see. The
policy pins the one issuer whose sign-ins count, and names people by the identifier that issuer
never reassigns (``sub``, or Entra's object id ``oid`` within the pinned tenant ``tid``); an email
address is a label, and only ever matches when the issuer says it is verified:

.. code-block:: toml

    issuer = "https://login.microsoftonline.com/<tenant id>/v2.0"
    tenant = "<tenant id>"   # Entra ID: every token must carry this tid

    [[people]]
    object_id = "0f5c…"                       # or subject = "<sub>"
    email = "ana.lopez@camden.gov.uk"          # a label (and a match only when verified)
    organisation = "Camden Council"
    role = "borough:E09000007"

    [[app_roles]]                              # Entra App Roles, the "roles" claim
    value = "Pathways.London"
    organisation = "Greater London Authority"
    role = "london"

    [[groups]]                                 # group object ids, the "groups" claim
    id = "6f1c2e1a-0000-4000-8000-000000000001"
    organisation = "London Rough Sleeping Taskforce"
    role = "overview"

Nobody outside the policy gets in, and every refusal says why in a sentence. Demo mode replaces
the identity provider with one account per role, and is refused on a release that is not
synthetic.
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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contract.errors import PathwaysError
from contract.reference import borough_codes, borough_name

RoleKind = Literal["london", "borough", "overview", "admin"]

ROLE_WORDS: dict[str, str] = {
    "london": "All boroughs and all published aggregates.",
    "borough": "Your borough in detail, plus London and every borough's published totals.",
    "overview": "The monthly London headline charts only.",
    "admin": "The audit log, the access register and the About page; no extra data.",
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
    """A signed-in person as the identity provider (or the demo) describes them.

    Only ``issuer``, ``subject``, ``tenant`` and ``object_id`` identify anyone; ``email`` is what
    the provider says, and ``email_verified`` whether it vouches for it.
    """

    subject: str
    email: str | None = None
    name: str | None = None
    groups: tuple[str, ...] = ()
    issuer: str = ""
    email_verified: bool = False
    roles: tuple[str, ...] = ()
    tenant: str | None = None
    object_id: str | None = None
    groups_overflow: bool = False
    account: str | None = None

    @property
    def user_id(self) -> str:
        """What the audit log records: the policy's label for the account when it has one, else
        the verified email, else the stable identifier."""
        if self.account:
            return self.account
        if self.email and self.email_verified:
            return self.email
        return self.stable_id

    @property
    def stable_id(self) -> str:
        """``oid:<object id>`` for Entra, else ``sub:<subject>``."""
        return f"oid:{self.object_id}" if self.object_id else f"sub:{self.subject}"

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Identity:
        """Build an identity from OIDC ID-token claims (``st.user``).

        ``preferred_username`` is never read as an email: a user can often set it themselves.
        Groups that did not fit in the token (Entra's ``hasgroups`` or a ``_claim_names`` entry
        for groups) are noted, so the refusal can say so.
        """

        def strings(name: str) -> tuple[str, ...]:
            value = claims.get(name) or ()
            return (value,) if isinstance(value, str) else tuple(str(v) for v in value)

        email = claims.get("email")
        verified = claims.get("email_verified")
        claim_names = claims.get("_claim_names")
        overflow = bool(claims.get("hasgroups")) or (
            isinstance(claim_names, Mapping) and "groups" in claim_names
        )
        return cls(
            subject=str(claims.get("sub") or ""),
            email=str(email).strip() if isinstance(email, str) and email.strip() else None,
            name=str(claims["name"]) if claims.get("name") else None,
            groups=strings("groups"),
            issuer=str(claims.get("iss") or ""),
            email_verified=verified is True or verified == "true",
            roles=strings("roles"),
            tenant=str(claims["tid"]) if claims.get("tid") else None,
            object_id=str(claims["oid"]) if claims.get("oid") else None,
            groups_overflow=overflow,
        )


class _Grant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    organisation: str = Field(min_length=1, max_length=120)

    @field_validator("role")
    @classmethod
    def _role_parses(cls, value: str) -> str:
        return str(Role.parse(value))


class Person(_Grant):
    """One named account: a stable identifier, or (until first sign-in) a verified email."""

    subject: str | None = None
    object_id: str | None = None
    email: str | None = None

    @model_validator(mode="after")
    def _named(self) -> Person:
        if not (self.subject or self.object_id or self.email):
            raise ValueError("each person needs a subject, an object_id or an email")
        return self

    @property
    def label(self) -> str:
        """The account as people read it: the email when given, else the identifier."""
        if self.email:
            return self.email.lower()
        return f"oid:{self.object_id}" if self.object_id else f"sub:{self.subject}"


class AppRole(_Grant):
    value: str


class Group(_Grant):
    id: str


@dataclass(frozen=True)
class Decision:
    """What the policy says about one sign-in: a role and the account's label, or a refusal."""

    role: Role | None
    user: str
    organisation: str = ""
    via: str = ""
    reason: str = ""


class AccessPolicy(BaseModel):
    """The pinned issuer, and roles by person, by Entra App Role and by group, in that order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=1)
    tenant: str | None = None
    emails_verified_by_issuer: bool = False
    people: tuple[Person, ...] = ()
    app_roles: tuple[AppRole, ...] = ()
    groups: tuple[Group, ...] = ()

    def decide(self, identity: Identity) -> Decision:
        """Who this sign-in is under the policy, or why it is refused.

        A person named by ``subject`` or ``object_id`` wins; then a person named by email, only
        when the email is verified; then the first app role, then the first group, in the
        file's order. A token from another issuer or tenant, or without a subject, gets nothing.
        """
        who = identity.stable_id
        if not identity.issuer or not identity.subject:
            return Decision(None, "unknown", reason=REFUSALS["claims"])
        if identity.issuer.rstrip("/") != self.issuer.rstrip("/"):
            return Decision(None, who, reason=REFUSALS["issuer"])
        if self.tenant and identity.tenant != self.tenant:
            return Decision(None, who, reason=REFUSALS["issuer"])
        for person in self.people:
            if (person.subject and person.subject == identity.subject) or (
                person.object_id and self.tenant and person.object_id == identity.object_id
            ):
                return Decision(
                    Role.parse(person.role), person.label, person.organisation, "person"
                )
        verified = identity.email_verified or self.emails_verified_by_issuer
        email = identity.email.lower() if identity.email else None
        email_matches = [
            p for p in self.people if p.email and not (p.subject or p.object_id)
            and email and p.email.lower() == email
        ]  # fmt: skip
        if email_matches and verified:
            person = email_matches[0]
            return Decision(Role.parse(person.role), person.label, person.organisation, "email")
        for app_role in self.app_roles:
            if app_role.value in identity.roles:
                return Decision(
                    Role.parse(app_role.role), identity.user_id, app_role.organisation, "app role"
                )
        for group in self.groups:
            if group.id in identity.groups:
                return Decision(
                    Role.parse(group.role), identity.user_id, group.organisation, "group"
                )
        if email_matches and not verified:
            return Decision(None, who, reason=REFUSALS["unverified"])
        if identity.groups_overflow:
            return Decision(None, who, reason=REFUSALS["overflow"])
        return Decision(None, who, reason=REFUSALS["unknown"])

    def role_for(self, identity: Identity) -> Role | None:
        """The identity's role, or None when the policy gives it none."""
        return self.decide(identity).role


REFUSALS = {
    "claims": "Your sign-in did not say which account you are (no issuer or subject), so "
    "Pathways cannot check it.",
    "issuer": "Your account is from an organisation or sign-in service that this Pathways does "
    "not accept.",
    "unverified": "The email address on your account is not verified by your organisation, so "
    "it cannot be matched to the access list.",
    "overflow": "Your account belongs to too many groups for them to reach Pathways, and the "
    "access policy names you by none of the other routes. Ask for a Pathways app role.",
    "unknown": "The access policy gives this account no role.",
}


def refusal_key(reason: str) -> str:
    """The short name of a refusal sentence, for the audit log."""
    return next((k for k, v in REFUSALS.items() if v == reason), "unknown")


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
