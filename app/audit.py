"""The tamper-evident audit log: who saw what, when and why (SPEC section 2.7).

Every sign-in, refusal, page view, filter change and export (from the app or the command line)
is appended to a SQLite table. Each entry carries a keyed MAC (HMAC-SHA256 with
``PATHWAYS_AUDIT_KEY``, a secret the app host keeps outside the log, like the pseudonym key) over
the canonical JSON of its fields and the previous entry's MAC. Without the key nobody can write an
entry that verifies, so an edit, deletion, insertion or reordering anywhere breaks the chain.

What a chain alone cannot show is a log cut short at its end, or thrown away and started again by
someone who holds the key. For that the operator keeps **anchors**: ``pathways audit anchor``
prints the head (entry count and MAC) to be written down elsewhere (a ticket, a second machine, the
monthly information-governance mail), and ``pathways audit verify --expect-head ANCHOR`` fails
unless the log still holds that exact entry at that position.

The log lives at an absolute path (``PATHWAYS_AUDIT_DB``) and is created once, on purpose, by
``pathways audit init``. After that a missing file is an error: the app and the command line
refuse to work rather than quietly start a fresh chain.

Entries hold no free text beyond a short bound: text fields are cut to ``TEXT_LIMIT`` characters
(and the cut is marked), and the purpose a user states is checked by ``purpose_problem`` before
it reaches the log.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contract.errors import PathwaysError

GENESIS = "0" * 64
KEY_ENV = "PATHWAYS_AUDIT_KEY"
LOG_ENV = "PATHWAYS_AUDIT_DB"
MIN_KEY_CHARS = 32
TEXT_LIMIT = 120  # characters in any one text field or detail value
NOTE_LIMIT = 80  # characters in the note a user adds to their purpose

ACTIONS = (
    "sign_in",
    "sign_in_denied",
    "purpose",
    "view",
    "filter",
    "select",
    "download",
    "export",
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
    """The audit database named by ``PATHWAYS_AUDIT_DB``, which must be an absolute path."""
    value = os.environ.get(LOG_ENV, "").strip()
    if not value:
        raise PathwaysError(
            f"No audit log is configured. Set {LOG_ENV} to the absolute path of the audit "
            "database (create it once with `pathways audit init`)."
        )
    path = Path(value)
    if not path.is_absolute():
        raise PathwaysError(
            f"{LOG_ENV} is {value!r}, a relative path: it would depend on the folder Pathways "
            "starts in. Give the absolute path of the audit database."
        )
    return path


def audit_key() -> bytes:
    """The MAC key, from ``PATHWAYS_AUDIT_KEY`` (never written anywhere by Pathways)."""
    key = os.environ.get(KEY_ENV, "")
    if len(key) < MIN_KEY_CHARS:
        raise PathwaysError(
            f"{KEY_ENV} is not set, or shorter than {MIN_KEY_CHARS} characters. The audit log's "
            "entries are sealed with this secret; keep it outside the log, as you keep the "
            "pseudonym key."
        )
    return key.encode("utf-8")


def entry_mac(entry: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of the canonical JSON of an entry's fields, previous MAC included."""
    body = {k: entry[k] for k in _FIELDS}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def bounded(value: Any, limit: int = TEXT_LIMIT) -> Any:
    """A value with every string cut to ``limit`` characters, the cut marked with '…[cut]'."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…[cut]"
    if isinstance(value, dict):
        return {bounded(str(k), 40): bounded(v, limit) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [bounded(v, limit) for v in list(value)[:20]]
    return value


_PERSONAL = (
    (re.compile(r"\b\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}\b"), "a date"),
    (
        re.compile(
            r"\b\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
            r"\.?\s+\d{4}\b",
            re.I,
        ),
        "a date",
    ),
    (re.compile(r"\b(born|d\.?o\.?b\.?|date of birth|birthday|aged?\s+\d)", re.I), "a birth date"),
    (re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I), "an NI number"),
    (re.compile(r"\S+@\S+"), "an email address"),
    (re.compile(r"\d[\d ]{6,}\d"), "a long number"),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I), "a postcode"),
)


def purpose_problem(note: str) -> str | None:
    """Why a purpose note may not go into the audit log, or None when it may.

    The log is append-only and kept for years, so it must never hold anything about a person in
    the records: a note with a date, a date of birth, an NI number, an email address, a postcode
    or a long number is refused, as is one longer than ``NOTE_LIMIT`` characters. A bare name
    cannot be told reliably from a place or a team, so the form asks people not to write one.

    >>> purpose_problem("November taskforce pack")
    >>> purpose_problem("Checking John Smith, born 12/03/1985")
    'It seems to hold a date. Describe the work, not a person: no names, dates or reference numbers.'
    """
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        return f"It is longer than {NOTE_LIMIT} characters. Describe the work in a short phrase."
    for pattern, what in _PERSONAL:
        if pattern.search(note):
            return (
                f"It seems to hold {what}. Describe the work, not a person: no names, dates or "
                "reference numbers."
            )
    return None


def operator_account() -> str:
    """Who runs a command-line export: ``PATHWAYS_OPERATOR``, else the operating-system account."""
    name = os.environ.get("PATHWAYS_OPERATOR", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
    return f"operator:{bounded(name, 60)}"


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

    @property
    def mac(self) -> str:
        return self.hash


class AuditLog:
    """An append-only, MAC-chained log in one SQLite file that already exists.

    Args:
        path: the database file; None means ``PATHWAYS_AUDIT_DB``. A missing file is an error
            (``AuditLog.create`` makes a new one).
        key: the MAC key; None means ``PATHWAYS_AUDIT_KEY``.
    """

    def __init__(self, path: Path | str | None = None, *, key: bytes | None = None) -> None:
        self.path = Path(path) if path is not None else audit_path()
        self._key = key if key is not None else audit_key()
        if not self.path.is_file():
            raise PathwaysError(
                f"The audit log at {self.path} is missing. It was created by `pathways audit "
                "init` and must not disappear: restore it from backup, and check it against your "
                "last anchor with `pathways audit verify --expect-head`. Pathways will not start "
                "a new log in its place."
            )

    @classmethod
    def create(cls, path: Path | str, *, key: bytes | None = None) -> AuditLog:
        """Create a new, empty log; refused when a file is already there."""
        path = Path(path)
        if not path.is_absolute():
            raise PathwaysError(f"The audit log path {path} must be absolute.")
        if path.exists():
            raise PathwaysError(f"There is already a file at {path}; an audit log is never reset.")
        key = key if key is not None else audit_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path)) as con:
            con.executescript(_SCHEMA)
        return cls(path, key=key)

    def _connect(self) -> sqlite3.Connection:
        # autocommit off, so BEGIN IMMEDIATE below serialises writers across processes
        return sqlite3.connect(
            f"file:{self.path}?mode=rw", uri=True, timeout=10, isolation_level=None
        )

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
        """Append one entry (its text bounded) and return it with its MAC."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        if not self.path.is_file():  # removed while the app was running
            raise PathwaysError(f"The audit log at {self.path} has disappeared; nothing was done.")
        details_json = json.dumps(bounded(details or {}), sort_keys=True, separators=(",", ":"))
        con = self._connect()
        try:
            # one writer at a time reads the head and appends, so the chain never forks
            con.execute("BEGIN IMMEDIATE")
            row = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS)
            entry = {
                "seq": seq,
                "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
                "user": bounded(user),
                "role": bounded(role),
                "purpose": bounded(purpose),
                "page": bounded(page),
                "action": action,
                "details": details_json,
                "prev_hash": prev_hash,
            }
            entry["hash"] = entry_mac(entry, self._key)
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

    def anchor(self) -> str:
        """The head as an anchor to keep elsewhere: ``<entry count>:<MAC of that entry>``."""
        newest = self.entries(limit=1)
        return f"{newest[0].seq}:{newest[0].hash}" if newest else f"0:{GENESIS}"


def export_entry(kind: str, details: dict[str, Any], log: AuditLog | None = None) -> AuditEntry:
    """Record a command-line export under the operator's account, before the file is written."""
    log = log or AuditLog()
    return log.append(
        user=operator_account(),
        role="operator",
        purpose="",
        page="command line",
        action="export",
        details={"kind": kind, "route": "command line", **details},
    )


def _parse_anchor(anchor: str) -> tuple[int, str]:
    count, _, mac = anchor.strip().partition(":")
    if not count.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", mac):
        raise PathwaysError(
            f"{anchor!r} is not an anchor. An anchor reads <entries>:<64 hex digits>, as "
            "`pathways audit anchor` prints it."
        )
    return int(count), mac


def verify_log(
    path: Path | None = None, *, expect_head: str | None = None, key: bytes | None = None
) -> tuple[bool, str]:
    """Check the audit log's MAC chain from its first entry to its last, and against an anchor.

    Args:
        path: the database; None means the configured one (``PATHWAYS_AUDIT_DB``).
        expect_head: an anchor from ``AuditLog.anchor``: the log must still hold that entry, with
            that MAC, at that position (so truncation and replacement are caught).
        key: the MAC key; None means ``PATHWAYS_AUDIT_KEY``.

    Returns:
        ``(True, summary)`` when every entry's MAC and link hold, else ``(False, the first
        break in plain words)``.
    """
    path = Path(path) if path is not None else audit_path()
    key = key if key is not None else audit_key()
    expected = _parse_anchor(expect_head) if expect_head else None
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
                f"Entry {seq} does not follow entry {seq - 1}: an entry was deleted, inserted, "
                "moved or altered before it."
            )
        if not hmac.compare_digest(entry_mac(entry, key), entry["hash"]):
            return False, (
                f"Entry {seq} was altered after it was written, or sealed with another key (its "
                "MAC does not match)."
            )
        prev_hash = entry["hash"]
    if expected is not None:
        count, mac = expected
        if len(rows) < count:
            return False, (
                f"The log holds {len(rows)} entries but the anchor was taken at {count}: entries "
                "were cut from its end, or the log was replaced."
            )
        if count and rows[count - 1][-1] != mac:
            return False, (
                f"Entry {count} is not the one the anchor recorded: the log was replaced or "
                "rewritten since the anchor was taken."
            )
    anchored = f"; it still holds the anchored entry {expected[0]}" if expected else ""
    if not rows:
        return True, f"The audit log at {path} is intact and empty{anchored}."
    return True, (
        f"The audit log at {path} is intact: {len(rows)} entries, the newest written "
        f"{rows[-1][1]}, head {len(rows)}:{prev_hash}{anchored}."
    )
