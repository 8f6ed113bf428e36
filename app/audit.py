"""The tamper-evident audit log: who saw what, when and why (SPEC section 2.7).

Every sign-in, page view, filter change, download and refusal is appended to a SQLite table.
Each entry carries the hash of the one before it (sha256 over the canonical JSON of the entry and
that previous hash), so editing, deleting or inserting an entry anywhere breaks the chain and
``verify_log`` says where. Triggers refuse UPDATE and DELETE, so an honest mistake cannot rewrite
history either; a determined attacker who drops them is still caught by the chain.

Truncating the newest entries leaves a valid shorter chain: record the head hash that
``verify_log`` prints (for example in the monthly information-governance report) to detect that.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
DEFAULT_LOG = Path("pathways-audit.sqlite")

ACTIONS = (
    "sign_in",
    "sign_in_denied",
    "purpose",
    "view",
    "filter",
    "select",
    "download",
    "refused",
    "sign_out",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    purpose TEXT NOT NULL,
    page TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

_FIELDS = ("seq", "ts", "user", "role", "purpose", "page", "action", "details", "prev_hash")


def audit_path() -> Path:
    """The audit database: ``PATHWAYS_AUDIT_DB``, else ``./pathways-audit.sqlite``."""
    return Path(os.environ.get("PATHWAYS_AUDIT_DB") or DEFAULT_LOG)


def entry_hash(entry: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of an entry's fields, previous hash included."""
    body = {k: entry[k] for k in _FIELDS}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str
    user: str
    role: str
    purpose: str
    page: str
    action: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditLog:
    """An append-only, hash-chained log in one SQLite file.

    Args:
        path: the database file; created with its parent folder when missing.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else audit_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            con.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # autocommit off, so BEGIN IMMEDIATE below serialises writers across processes
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def append(
        self,
        *,
        user: str,
        role: str,
        purpose: str,
        page: str,
        action: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry and return it with its hash."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        details_json = json.dumps(details or {}, sort_keys=True, separators=(",", ":"))
        con = self._connect()
        try:
            # one writer at a time reads the head and appends, so the chain never forks
            con.execute("BEGIN IMMEDIATE")
            row = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS)
            entry = {
                "seq": seq,
                "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
                "user": user,
                "role": role,
                "purpose": purpose,
                "page": page,
                "action": action,
                "details": details_json,
                "prev_hash": prev_hash,
            }
            entry["hash"] = entry_hash(entry)
            con.execute(
                "INSERT INTO audit (seq, ts, user, role, purpose, page, action, details, "
                "prev_hash, hash) VALUES (:seq, :ts, :user, :role, :purpose, :page, :action, "
                ":details, :prev_hash, :hash)",
                entry,
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        return AuditEntry(**{**entry, "details": json.loads(details_json)})

    def entries(self, *, newest_first: bool = True, limit: int | None = None) -> list[AuditEntry]:
        """The entries, newest first by default."""
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT {', '.join(_FIELDS)}, hash FROM audit ORDER BY seq {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with closing(self._connect()) as con:
            rows = con.execute(sql).fetchall()
        return [
            AuditEntry(*r[:7], json.loads(r[7]), r[8], r[9])  # type: ignore[arg-type]
            for r in rows
        ]


def verify_log(path: Path | None = None) -> tuple[bool, str]:
    """Check the audit log's hash chain from its first entry to its last.

    Args:
        path: the database; None means the configured one (``PATHWAYS_AUDIT_DB``).

    Returns:
        ``(True, summary)`` when every entry's hash and link hold, else ``(False, the first
        break in plain words)``.
    """
    path = Path(path) if path is not None else audit_path()
    if not path.is_file():
        return False, f"There is no audit log at {path}."
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute(
                f"SELECT {', '.join(_FIELDS)}, hash FROM audit ORDER BY seq"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        return False, f"The audit log at {path} cannot be read as an audit database ({e})."
    prev_hash = GENESIS
    for expected_seq, row in enumerate(rows, start=1):
        entry = dict(zip((*_FIELDS, "hash"), row, strict=True))
        seq = entry["seq"]
        if seq != expected_seq:
            return False, (
                f"Entry {expected_seq} is missing (the next entry is number {seq}): "
                "entries were deleted or renumbered."
            )
        if entry["prev_hash"] != prev_hash:
            return False, (
                f"Entry {seq} does not follow entry {seq - 1}: an entry was deleted, inserted "
                "or altered before it."
            )
        if entry_hash(entry) != entry["hash"]:
            return False, f"Entry {seq} was altered after it was written (its hash does not match)."
        prev_hash = entry["hash"]
    if not rows:
        return True, f"The audit log at {path} is intact and empty."
    return True, (
        f"The audit log at {path} is intact: {len(rows)} entries, the newest written "
        f"{rows[-1][1]}, head hash {prev_hash}."
    )
