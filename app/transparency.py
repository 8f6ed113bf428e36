"""What the public transparency page and the access register read from the audit log and the
access policy (SPEC sections 2.6, 2.7 and 2.10).

The public page gets only aggregates: sessions per month by kind of role and purpose category,
exports per month by kind, refused sign-ins per month, and organisations with the number of
accounts and grants they hold. No account, name or address leaves this module for it. The access
register, for administrators, lists every account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import polars as pl

from app.audit import AuditEntry
from app.auth import AccessPolicy, Role
from contract.errors import PathwaysError

ROLE_KIND_WORDS = {
    "london": "Pan-London lead",
    "borough": "Borough lead (own borough)",
    "overview": "Taskforce overview",
    "admin": "Administrator (audit, no extra data)",
    "operator": "Operator (command line)",
}
STALE_DAYS = 90


def role_kind(role: str) -> str:
    """'borough:E09000007' → 'borough'."""
    return role.partition(":")[0]


def export_kind(entry: AuditEntry) -> str:
    """An export in words: what was exported and by which route."""
    d = entry.details
    if entry.action == "export":
        return f"{str(d.get('kind', 'file')).capitalize()} (command line)"
    if d.get("chart") == "pack":
        return "Chart pack (PDF, dashboard)"
    return f"Chart figures ({str(d.get('format', 'file')).upper()}, dashboard)"


def _month(ts: str) -> str:
    return ts[:7]


def usage_by_month(entries: Iterable[AuditEntry]) -> dict[str, pl.DataFrame]:
    """Per month: sessions by role kind and purpose category, exports by kind, refused sign-ins."""
    sessions, exports, refusals = [], [], []
    for e in entries:
        if e.action == "purpose":
            sessions.append(
                {"month": _month(e.ts), "role": ROLE_KIND_WORDS.get(role_kind(e.role), "Other"),
                 "purpose": str(e.details.get("category", "Not recorded"))}
            )  # fmt: skip
        elif e.action in ("download", "export"):
            exports.append({"month": _month(e.ts), "kind": export_kind(e)})
        elif e.action == "sign_in_denied":
            refusals.append({"month": _month(e.ts)})
    schema = {"month": pl.String, "role": pl.String, "purpose": pl.String}

    def counted(rows: list[dict], columns: list[str], sch: dict) -> pl.DataFrame:
        frame = pl.DataFrame(rows, schema=sch)
        return frame.group_by(columns).len("count").sort([*columns[:1], "count"], descending=True)

    return {
        "sessions": counted(sessions, ["month", "role", "purpose"], schema),
        "exports": counted(exports, ["month", "kind"], {"month": pl.String, "kind": pl.String}),
        "refusals": counted(refusals, ["month"], {"month": pl.String}),
    }


def organisations(policy: AccessPolicy) -> pl.DataFrame:
    """Organisations with access: per organisation and role, how many named accounts and how many
    app roles or groups grant it. Never a name or an address."""
    rows = [
        {"organisation": p.organisation, "role": ROLE_KIND_WORDS[role_kind(p.role)],
         "named accounts": 1, "app roles or groups": 0}
        for p in policy.people
    ] + [
        {"organisation": g.organisation, "role": ROLE_KIND_WORDS[role_kind(g.role)],
         "named accounts": 0, "app roles or groups": 1}
        for g in (*policy.app_roles, *policy.groups)
    ]  # fmt: skip
    schema = {"organisation": pl.String, "role": pl.String, "named accounts": pl.Int64,
              "app roles or groups": pl.Int64}  # fmt: skip
    return (
        pl.DataFrame(rows, schema=schema)
        .group_by("organisation", "role")
        .agg(pl.col("named accounts").sum(), pl.col("app roles or groups").sum())
        .sort("organisation", "role")
    )


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def holds(self, ts: str) -> bool:
        return self.start.isoformat() <= ts[:10] <= self.end.isoformat()


def access_register(
    policy: AccessPolicy, entries: list[AuditEntry], period: Period, today: date | None = None
) -> pl.DataFrame:
    """Every account in the policy (and every account that signed in through an app role or a
    group): role, organisation, last sign-in ever, and sessions, exports and refusals in the
    period; accounts with no sign-in for 90 days are flagged for removal."""
    today = today or datetime.now(UTC).date()
    accounts: dict[str, dict] = {}
    aliases: dict[str, str] = {}
    for p in policy.people:
        accounts[p.label] = {"account": p.label, "granted by": "named in the policy",
                             "role": p.role, "organisation": p.organisation}  # fmt: skip
        for alias in (f"sub:{p.subject}" if p.subject else None,
                      f"oid:{p.object_id}" if p.object_id else None):  # fmt: skip
            if alias:
                aliases[alias] = p.label
    for e in entries:
        if e.action == "sign_in" and e.user not in accounts and e.role != "none":
            via = str(e.details.get("via") or e.details.get("method") or "")
            accounts[e.user] = {"account": e.user, "granted by": via or "sign-in",
                                "role": e.role, "organisation": str(e.details.get("organisation", ""))}  # fmt: skip
    stats = {
        a: {"last sign-in": None, "sessions": 0, "exports": 0, "refusals": 0} for a in accounts
    }
    for e in entries:
        who = aliases.get(e.user, e.user)
        if who not in stats:
            continue
        row = stats[who]
        if e.action == "sign_in":
            row["last sign-in"] = max(row["last sign-in"] or "", e.ts[:16].replace("T", " "))
        if not period.holds(e.ts):
            continue
        if e.action == "purpose":
            row["sessions"] += 1
        elif e.action in ("download", "export"):
            row["exports"] += 1
        elif e.action in ("refused", "sign_in_denied"):
            row["refusals"] += 1
    cutoff = (today - timedelta(days=STALE_DAYS)).isoformat()
    rows = []
    for account, facts in accounts.items():
        last = stats[account]["last sign-in"]
        rows.append(
            {**facts, **stats[account], "role": _role_words(facts["role"]),
             "review": "" if last and last[:10] >= cutoff else f"no sign-in for {STALE_DAYS} days"}
        )  # fmt: skip
    schema = {"account": pl.String, "organisation": pl.String, "role": pl.String,
              "last sign-in": pl.String, "sessions": pl.Int64, "exports": pl.Int64,
              "refusals": pl.Int64, "review": pl.String, "granted by": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema).sort(
        "review", "organisation", "account", descending=[True, False, False]
    )


def _role_words(role: str) -> str:
    try:
        return Role.parse(role).label
    except PathwaysError:
        return role
