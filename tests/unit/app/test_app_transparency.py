"""What the public page counts and what the access register lists, from a small audit log."""

from __future__ import annotations

from datetime import date

from app.audit import AuditEntry
from app.auth import AccessPolicy
from app.transparency import Period, access_register, organisations, usage_by_month

POLICY = AccessPolicy.model_validate(
    {
        "issuer": "https://login.example.gov.uk",
        "people": [
            {"subject": "ana-1", "email": "ana.lopez@camden.gov.uk",
             "organisation": "Camden Council", "role": "borough:E09000007"},
            {"subject": "ben-2", "email": "ben.ode@camden.gov.uk",
             "organisation": "Camden Council", "role": "borough:E09000007"},
            {"subject": "ian-3", "email": "ig.lead@london.gov.uk",
             "organisation": "Greater London Authority", "role": "admin"},
        ],
        "app_roles": [{"value": "Pathways.London", "organisation": "Greater London Authority",
                       "role": "london"}],
    }
)  # fmt: skip

# (time, user, role, action, details): one line per entry, readable by eye
LOG = [
    ("2026-09-02T09:00", "ana.lopez@camden.gov.uk", "borough:E09000007", "sign_in", {}),
    ("2026-09-02T09:01", "ana.lopez@camden.gov.uk", "borough:E09000007", "purpose",
     {"category": "Borough service planning"}),
    ("2026-09-02T09:05", "ana.lopez@camden.gov.uk", "borough:E09000007", "download",
     {"chart": "pack", "format": "pdf"}),
    ("2026-10-05T10:00", "sam@london.gov.uk", "london", "sign_in",
     {"via": "app role", "organisation": "Greater London Authority"}),
    ("2026-10-05T10:01", "sam@london.gov.uk", "london", "purpose",
     {"category": "Monthly taskforce reporting"}),
    ("2026-10-05T10:09", "sam@london.gov.uk", "london", "download",
     {"chart": "map-x", "format": "csv"}),
    ("2026-10-06T08:00", "operator:analyst", "operator", "export", {"kind": "chart pack"}),
    ("2026-10-07T08:00", "sub:ana-1", "none", "sign_in_denied", {"reason": "issuer"}),
    ("2026-10-07T08:30", "ana.lopez@camden.gov.uk", "borough:E09000007", "refused", {}),
    ("2026-11-20T12:00", "ana.lopez@camden.gov.uk", "borough:E09000007", "sign_in", {}),
    ("2026-11-20T12:01", "ana.lopez@camden.gov.uk", "borough:E09000007", "purpose",
     {"category": "Borough service planning"}),
]  # fmt: skip
ENTRIES = [
    AuditEntry(i, ts, user, role, "", "", action, details, "", "")
    for i, (ts, user, role, action, details) in enumerate(LOG, start=1)
]


def test_sessions_exports_and_refusals_are_counted_by_month_without_accounts():
    usage = usage_by_month(ENTRIES)
    assert usage["sessions"].sort("month").rows() == [
        ("2026-09", "Borough lead (own borough)", "Borough service planning", 1),
        ("2026-10", "Pan-London lead", "Monthly taskforce reporting", 1),
        ("2026-11", "Borough lead (own borough)", "Borough service planning", 1),
    ]
    assert sorted(usage["exports"].rows()) == [
        ("2026-09", "Chart pack (PDF, dashboard)", 1),
        ("2026-10", "Chart figures (CSV, dashboard)", 1),
        ("2026-10", "Chart pack (command line)", 1),
    ]
    assert usage["refusals"].rows() == [("2026-10", 1)]
    every_cell = {str(v) for frame in usage.values() for row in frame.rows() for v in row}
    assert not [v for v in every_cell if "@" in v or v.startswith(("sub:", "operator:"))]


def test_organisations_are_counted_never_named():
    assert organisations(POLICY).rows() == [
        ("Camden Council", "Borough lead (own borough)", 2, 0),
        ("Greater London Authority", "Administrator (audit, no extra data)", 1, 0),
        ("Greater London Authority", "Pan-London lead", 0, 1),
    ]


def test_the_register_lists_every_account_with_its_use_in_the_period():
    register = access_register(
        POLICY, ENTRIES, Period(date(2026, 10, 1), date(2026, 10, 31)), today=date(2026, 11, 30)
    )
    rows = {r["account"]: r for r in register.iter_rows(named=True)}
    assert set(rows) == {
        "ana.lopez@camden.gov.uk", "ben.ode@camden.gov.uk", "ig.lead@london.gov.uk",
        "sam@london.gov.uk",
    }  # fmt: skip
    ana = rows["ana.lopez@camden.gov.uk"]
    # October: no session, no export; one page refused and one sign-in refused under her subject
    assert (ana["sessions"], ana["exports"], ana["refusals"]) == (0, 0, 2)
    assert ana["last sign-in"] == "2026-11-20 12:00" and ana["review"] == ""
    assert ana["role"] == "Borough lead — Camden"
    sam = rows["sam@london.gov.uk"]
    assert (sam["granted by"], sam["organisation"], sam["sessions"], sam["exports"]) == (
        "app role", "Greater London Authority", 1, 1,
    )  # fmt: skip
    assert sam["review"] == ""  # signed in 56 days before
    for never in ("ben.ode@camden.gov.uk", "ig.lead@london.gov.uk"):
        assert rows[never]["last sign-in"] is None
        assert rows[never]["review"] == "no sign-in for 90 days"
    later = access_register(POLICY, ENTRIES, Period(date(2026, 9, 1), date(2026, 9, 30)),
                            today=date(2027, 1, 10))  # fmt: skip
    assert {r["account"] for r in later.iter_rows(named=True) if r["review"]} == {
        "ben.ode@camden.gov.uk", "ig.lead@london.gov.uk", "sam@london.gov.uk",
    }  # fmt: skip
