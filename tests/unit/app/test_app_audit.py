"""The audit log is append-only, its keyed chain reveals edits, deletions, insertions and
reordering, and an anchor kept elsewhere reveals truncation and replacement. Each attack is run
the way someone with write access to the file would run it."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3

import pytest

from app.audit import (
    GENESIS,
    TEXT_LIMIT,
    AuditLog,
    audit_path,
    entry_mac,
    purpose_problem,
    verify_log,
)
from contract.errors import PathwaysError
from pipelines.commands.cli import main as pathways

FIELDS = ("seq", "ts", "user", "role", "purpose", "page", "action", "details", "prev_hash")


def entry_hash(entry):
    """The unkeyed sha256 the log used before it was keyed: what anyone can recompute."""
    body = {k: entry[k] for k in FIELDS}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _log(tmp_path, n=4) -> AuditLog:
    log = AuditLog.create(tmp_path / "audit.sqlite")
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
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
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


def test_the_mac_covers_every_field_and_the_key(tmp_path):
    entry = {
        "seq": 1, "ts": "2026-11-22T03:00:00+00:00", "user": "a", "role": "london",
        "purpose": "p", "page": "map", "action": "view", "details": "{}", "prev_hash": GENESIS,
    }  # fmt: skip
    base = entry_mac(entry, b"k" * 32)
    for field in entry:
        changed = {**entry, field: entry[field] + 1 if field == "seq" else entry[field] + "x"}
        assert entry_mac(changed, b"k" * 32) != base, field
    assert entry_mac(entry, b"j" * 32) != base


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
    assert not ok and "Entry 2 was altered" in message  # an unkeyed hash no longer fits
    # even someone holding the key, resealing one entry, breaks the link to the next
    key = os.environ["PATHWAYS_AUDIT_KEY"].encode()
    _tamper(log.path, f"UPDATE audit SET hash = '{entry_mac(forged, key)}' WHERE seq = 2")
    ok, message = verify_log(log.path)
    assert not ok
    assert "Entry 3 does not follow entry 2" in message


def _rows(path):
    con = sqlite3.connect(path)
    rows = [dict(zip(FIELDS, r, strict=True)) for r in con.execute(
        f"SELECT {', '.join(FIELDS)} FROM audit ORDER BY seq").fetchall()]  # fmt: skip
    con.close()
    return rows


def _rewrite(path, rows, seal) -> None:
    """Replace the whole table with ``rows``, renumbered and re-chained with ``seal``."""
    prev = GENESIS
    statements = ["DELETE FROM audit"]
    for seq, row in enumerate(rows, start=1):
        row = {**row, "seq": seq, "prev_hash": prev}
        prev = seal(row)
        values = ", ".join("'" + str(row[f]).replace("'", "''") + "'" for f in FIELDS)
        statements.append(f"INSERT INTO audit VALUES ({values}, '{prev}')")
    _tamper(path, *statements)


def test_a_download_deleted_and_the_chain_recomputed_without_the_key_is_detected(tmp_path):
    log = _log(tmp_path)
    log.append(user="u", role="london", purpose="p", page="map", action="download",
               details={"chart": "map"})  # fmt: skip
    log.append(user="u", role="london", purpose="p", page="map", action="view")
    rows = [r for r in _rows(log.path) if r["action"] != "download"]
    _rewrite(log.path, rows, entry_hash)  # what the unkeyed chain let anyone do
    ok, message = verify_log(log.path)
    assert not ok and "Entry 1 was altered" in message
    _rewrite(log.path, rows, lambda r: entry_mac(r, b"a guessed key, not the host's one"))
    assert not verify_log(log.path)[0]


def test_reordered_entries_are_detected(tmp_path):
    log = _log(tmp_path)
    _tamper(
        log.path,
        "UPDATE audit SET seq = 99 WHERE seq = 2",
        "UPDATE audit SET seq = 2 WHERE seq = 3",
        "UPDATE audit SET seq = 3 WHERE seq = 99",
    )
    ok, message = verify_log(log.path)
    assert not ok and "Entry 2 does not follow entry 1" in message


def test_a_truncated_log_fails_against_its_anchor(tmp_path):
    log = _log(tmp_path)
    anchor = log.anchor()
    assert anchor.startswith("4:") and verify_log(log.path, expect_head=anchor)[0]
    log.append(user="u", role="london", purpose="p", page="map", action="view")
    assert verify_log(log.path, expect_head=anchor)[0]  # later entries are fine
    _tamper(log.path, "DELETE FROM audit WHERE seq >= 4")
    assert verify_log(log.path)[0]  # a shorter chain is still a chain
    ok, message = verify_log(log.path, expect_head=anchor)
    assert not ok and "cut from its end" in message


def test_a_replaced_log_fails_against_its_anchor(tmp_path):
    log = _log(tmp_path)
    anchor = log.anchor()
    log.path.unlink()
    fresh = _log(tmp_path, 5)  # someone with the key starts again and writes more entries
    assert verify_log(fresh.path)[0]
    ok, message = verify_log(fresh.path, expect_head=anchor)
    assert not ok and "replaced or rewritten" in message
    with pytest.raises(PathwaysError, match="not an anchor"):
        verify_log(fresh.path, expect_head="four:abc")


def test_a_missing_log_is_an_error_not_a_new_chain(tmp_path):
    log = _log(tmp_path, 2)
    log.path.unlink()
    with pytest.raises(PathwaysError, match="missing"):
        AuditLog(log.path)
    with pytest.raises(PathwaysError, match="has disappeared"):
        log.append(user="u", role="london", purpose="p", page="map", action="view")
    assert not log.path.exists()
    AuditLog.create(log.path)
    with pytest.raises(PathwaysError, match="never reset"):
        AuditLog.create(log.path)


def test_the_log_path_is_absolute_and_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("PATHWAYS_AUDIT_DB", raising=False)
    with pytest.raises(PathwaysError, match="No audit log is configured"):
        audit_path()
    monkeypatch.setenv("PATHWAYS_AUDIT_DB", "pathways-audit.sqlite")
    with pytest.raises(PathwaysError, match="relative path"):
        AuditLog()
    monkeypatch.setenv("PATHWAYS_AUDIT_DB", str(tmp_path / "a.sqlite"))
    assert audit_path() == tmp_path / "a.sqlite"


def test_no_key_no_log(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAYS_AUDIT_KEY", "short")
    with pytest.raises(PathwaysError, match="PATHWAYS_AUDIT_KEY"):
        AuditLog.create(tmp_path / "a.sqlite")


def test_another_key_does_not_verify(tmp_path, monkeypatch):
    log = _log(tmp_path, 2)
    monkeypatch.setenv("PATHWAYS_AUDIT_KEY", "another-host-key-0123456789abcdef-xyz")
    ok, message = verify_log(log.path)
    assert not ok and "another key" in message


def test_text_in_entries_is_bounded(tmp_path):
    log = _log(tmp_path, 0)
    huge = "x" * 2_000_000
    entry = log.append(user="u", role="london", purpose=huge, page="map", action="refused",
                       details={"value": huge, "values": [huge] * 1000})  # fmt: skip
    assert len(entry.purpose) <= TEXT_LIMIT + 10 and entry.purpose.endswith("[cut]")
    assert len(entry.details["value"]) <= TEXT_LIMIT + 10
    assert len(entry.details["values"]) == 20
    assert log.path.stat().st_size < 64_000
    assert verify_log(log.path)[0]


@pytest.mark.parametrize(
    "note",
    [
        "Checking on John Smith, born 12/03/1985",
        "John Smith DOB 1985-03-12",
        "Smith, date of birth 12 March 1985",
        "case of AB123456C at the hub",
        "call back john.smith@example.org",
        "winter review " + "very long " * 10,
    ],
)
def test_a_purpose_that_could_identify_a_person_is_refused(note):
    assert purpose_problem(note)


def test_an_ordinary_purpose_is_accepted():
    for note in ("November taskforce pack", "Camden commissioning review Q3", "Checking FY24 data"):
        assert purpose_problem(note) is None, note


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
    monkeypatch.setenv("PATHWAYS_AUDIT_DB", str(tmp_path / "audit.sqlite"))
    assert pathways(["audit", "init"]) == 0
    assert pathways(["audit", "init"]) == 2  # never over an existing log
    log = AuditLog()
    for page in ("map", "overview"):
        log.append(user="u", role="london", purpose="p", page=page, action="view")
    capsys.readouterr()
    assert pathways(["audit", "anchor"]) == 0
    anchor = capsys.readouterr().out.strip()
    assert anchor == log.anchor() and anchor.startswith("2:")
    assert pathways(["audit", "verify", "--log", str(log.path), "--expect-head", anchor]) == 0
    assert "intact" in capsys.readouterr().out
    _tamper(log.path, "DELETE FROM audit WHERE seq = 2")
    assert pathways(["audit", "verify", "--expect-head", anchor]) == 1
    assert "cut from its end" in capsys.readouterr().err
    log = _log(tmp_path / "other", 2)
    assert pathways(["audit", "verify", "--log", str(log.path)]) == 0
    assert "intact" in capsys.readouterr().out
    _tamper(log.path, "UPDATE audit SET purpose = 'changed' WHERE seq = 1")
    monkeypatch.setenv("PATHWAYS_AUDIT_DB", str(log.path))
    assert pathways(["audit", "verify"]) == 1
    assert "altered" in capsys.readouterr().err


def test_unknown_actions_are_refused(tmp_path):
    with pytest.raises(ValueError):
        AuditLog.create(tmp_path / "a.sqlite").append(
            user="u", role="london", purpose="", page="", action="export_everything"
        )
