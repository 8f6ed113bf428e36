"""``pathways bench --users``: simulated people on the real dashboard, over Streamlit's own
WebSocket protocol on loopback. What is checked is behaviour, never speed: every person reaches
every page their role opens, the report has a row per step, and a page that cannot answer is
reported as a stall."""

from __future__ import annotations

import sqlite3

from app.audit import AuditLog
from app.auth import DEMO_ACCOUNTS
from app.pages import PAGES_BY_ROLE
from pipelines.commands.bench_users import OPEN, PURPOSE, SIGN_IN, run_users_bench

TITLES = {
    "overview": "London overview",
    "map": "Borough map",
    "snapshot": "Borough snapshot",
    "returns": "Returns to the street",
    "compare": "Compare interventions",
    "about": "About this data",
}


def test_two_people_reach_every_page_and_the_report_has_a_row_for_each(built_release_dir):
    report = run_users_bench(built_release_dir, 2, stall_after=60, time_limit=300)

    assert report.stalled_users == []
    for user in (0, 1):
        account = DEMO_ACCOUNTS[user]
        pages = PAGES_BY_ROLE[account.role.kind]
        mine = [s for s in report.steps if s.user == user]
        assert [s.step for s in mine] == [OPEN, SIGN_IN, PURPOSE, *pages]
        assert all(s.account == account.account_id and s.seconds is not None for s in mine)
        assert all(s.errors == [] for s in mine), [s.errors for s in mine]
        # each click landed where a browser's would: the purpose form, then each page's title
        assert mine[1].title == "Before you start"
        for s in mine[3:]:
            if s.step in TITLES:
                assert s.title.startswith(TITLES[s.step]), (s.step, s.title)

    rows = {r["step"]: r for r in report.rows()}
    assert list(rows) == [OPEN, SIGN_IN, PURPOSE, *PAGES_BY_ROLE["london"]]
    for r in rows.values():
        assert r["answered"] == 2 and r["stalls"] == 0 and r["not_reached"] == 0
        assert 0 < r["median_s"] <= r["p95_s"] <= r["max_s"]
    summary = report.as_json()
    assert summary["users"] == 2 and summary["stalled_users"] == []
    assert [r["step"] for r in summary["pages"]] == list(rows)
    table = report.table()
    assert "0 of 2 people stalled" in table
    assert all(step in table for step in rows)


def test_a_page_held_up_by_a_locked_audit_log_is_reported_as_a_stall(built_release_dir, tmp_path):
    audit_db = tmp_path / "audit.sqlite"
    AuditLog.create(audit_db)
    holder = sqlite3.connect(audit_db, isolation_level=None, check_same_thread=False)

    def lock_before_returns(user: int, step: str) -> None:
        # (called from the bench's own thread) every page view is written to the log first: this one waits (up to the log's own
        # 10 s timeout, beyond the 8 s stall bound)
        if step == "returns":
            holder.execute("BEGIN EXCLUSIVE")

    try:
        report = run_users_bench(
            built_release_dir, 1, stall_after=8, time_limit=300, audit_db=audit_db,
            before_step=lock_before_returns,
        )  # fmt: skip
    finally:
        holder.close()
    rows = {r["step"]: r for r in report.rows()}
    assert rows["returns"]["stalls"] == 1 and rows["returns"]["answered"] == 0
    assert rows["pathways"]["answered"] == 1 and rows["pathways"]["stalls"] == 0
    # the person stops at the stall: the pages after it are counted as not reached
    assert rows["compare"]["not_reached"] == 1 and rows["about"]["not_reached"] == 1
    assert report.stalled_users == [0]
    assert "1 of 1 people stalled" in report.table()


def test_six_people_at_once_all_get_every_page_twice(built_release_dir):
    # Until 2026-11-30 a few people at once froze pages for good: Python called from Polars'
    # worker threads (map_elements) waited for the interpreter lock held by another person's
    # page, which waited for those same workers. The server logged nothing.
    report = run_users_bench(built_release_dir, 6, stall_after=60, time_limit=300, rounds=2)

    assert report.stalled_users == []
    assert sum(report.unreached.values()) == 0
    for user in range(6):
        pages = PAGES_BY_ROLE[DEMO_ACCOUNTS[user % len(DEMO_ACCOUNTS)].role.kind]
        steps = [s.step for s in report.steps if s.user == user]
        assert steps == [OPEN, SIGN_IN, PURPOSE, *pages, *pages]
