"""The audit log is append-only and its hash chain reveals edits, deletions and insertions."""

from __future__ import annotations

import sqlite3

import pytest

from app.audit import GENESIS, AuditLog, entry_hash, verify_log
from pipelines.cli import main as pathways


def _log(tmp_path, n=4) -> AuditLog:
    log = AuditLog(tmp_path / "audit.sqlite")
    for i in range(n):
        log.append(
            user="ana@camden.gov.uk",
            role="borough:E09000007",
            purpose="Borough service planning: winter review",
            page="map",
            action="filter",
            details={"filter": "Month", "value": f"2025-0{i + 1}"},
        )
    return log


def _tamper(path, *sql: str) -> None:
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("DROP TRIGGER audit_no_delete")
    for statement in sql:
        con.execute(statement)
    con.commit()
    con.close()


def test_entries_chain_from_genesis(tmp_path):
    log = _log(tmp_path, 3)
    entries = log.entries(newest_first=False)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].details == {"filter": "Month", "value": "2025-03"}
    ok, message = verify_log(log.path)
    assert ok, message
    assert "3 entries" in message and entries[-1].hash in message


def test_hash_covers_every_field(tmp_path):
    entry = {
        "seq": 1, "ts": "2026-11-22T03:00:00+00:00", "user": "a", "role": "london",
        "purpose": "p", "page": "map", "action": "view", "details": "{}", "prev_hash": GENESIS,
    }  # fmt: skip
    base = entry_hash(entry)
    for field in entry:
        changed = {**entry, field: entry[field] + 1 if field == "seq" else entry[field] + "x"}
        assert entry_hash(changed) != base, field


def test_update_and_delete_are_refused_by_the_database(tmp_path):
    log = _log(tmp_path, 2)
    con = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit SET user = 'someone else' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit WHERE seq = 1")
    con.close()
    assert verify_log(log.path)[0]


def test_an_edited_entry_is_detected(tmp_path):
    log = _log(tmp_path)
    _tamper(log.path, "UPDATE audit SET user = 'nobody@example.org' WHERE seq = 2")
    ok, message = verify_log(log.path)
    assert not ok
    assert "Entry 2 was altered" in message


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(tmp_path):
    log = _log(tmp_path)
    con = sqlite3.connect(log.path)
    row = con.execute(
        "SELECT seq, ts, user, role, purpose, page, action, details, prev_hash FROM audit WHERE seq = 2"
    ).fetchone()
    con.close()
    forged = dict(
        zip(
            ("seq", "ts", "user", "role", "purpose", "page", "action", "details", "prev_hash"),
            row,
            strict=True,
        )
    )
    forged["action"] = "view"
    _tamper(
        log.path, f"UPDATE audit SET action = 'view', hash = '{entry_hash(forged)}' WHERE seq = 2"
    )
    ok, message = verify_log(log.path)
    assert not ok
    assert "Entry 3 does not follow entry 2" in message


def test_a_deleted_entry_is_detected(tmp_path):
    log = _log(tmp_path)
    _tamper(log.path, "DELETE FROM audit WHERE seq = 2")
    ok, message = verify_log(log.path)
    assert not ok
    assert "Entry 2 is missing" in message


def test_a_deleted_and_renumbered_entry_is_detected(tmp_path):
    log = _log(tmp_path)
    _tamper(
        log.path,
        "DELETE FROM audit WHERE seq = 2",
        "UPDATE audit SET seq = seq - 1 WHERE seq > 2",
    )
    ok, message = verify_log(log.path)
    assert not ok
    assert "does not follow" in message


def test_an_inserted_entry_is_detected(tmp_path):
    log = _log(tmp_path)
    _tamper(
        log.path,
        "UPDATE audit SET seq = seq + 10 WHERE seq >= 3",
        "UPDATE audit SET seq = seq - 9 WHERE seq >= 13",
        "INSERT INTO audit VALUES (3, '2026-01-01T00:00:00+00:00', 'x', 'london', '', 'map', "
        "'view', '{}', 'feed', 'beef')",
    )
    ok, message = verify_log(log.path)
    assert not ok
    assert "Entry 3" in message


def test_a_missing_log_fails_verification(tmp_path):
    ok, message = verify_log(tmp_path / "nowhere.sqlite")
    assert not ok and "no audit log" in message


def test_the_command_line_verifies_the_log(tmp_path, capsys, monkeypatch):
    log = _log(tmp_path, 2)
    assert pathways(["audit", "verify", "--log", str(log.path)]) == 0
    assert "intact" in capsys.readouterr().out
    _tamper(log.path, "UPDATE audit SET purpose = 'changed' WHERE seq = 1")
    monkeypatch.setenv("PATHWAYS_AUDIT_DB", str(log.path))
    assert pathways(["audit", "verify"]) == 1
    assert "altered" in capsys.readouterr().err


def test_unknown_actions_are_refused(tmp_path):
    with pytest.raises(ValueError):
        AuditLog(tmp_path / "a.sqlite").append(
            user="u", role="london", purpose="", page="", action="export_everything"
        )
