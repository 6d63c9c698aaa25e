"""The catalog: which documents exist, their state and the objects they reference.

The only module that speaks SQL to a catalog database. The open catalog (`HOME/catalog.db`) and
the vault catalog (`HOME/vault/catalog.db`) share this schema; the pipeline writes only
non-sensitive columns (id, level, dates, hashes, object names) for vault documents, their
metadata lives encrypted in the vault's record object. A future PostgreSQL catalog implements
the same methods.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sohoa.sqlite import SQLiteDatabase

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    zone TEXT NOT NULL CHECK (zone IN ('open', 'vault')),
    status TEXT NOT NULL,
    secrecy TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    original_name TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    archived_at TEXT NOT NULL,
    original_object TEXT NOT NULL,
    archival_object TEXT NOT NULL DEFAULT '',
    record_object TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    review INTEGER NOT NULL DEFAULT 0,
    metadata_json TEXT NOT NULL DEFAULT '{}',
    classification_json TEXT NOT NULL DEFAULT '{}',
    signature_status TEXT NOT NULL DEFAULT '',
    ocr_confidence REAL,
    processing_seconds REAL,
    job_id TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_sha256 ON documents (sha256);
CREATE INDEX IF NOT EXISTS documents_review ON documents (review);
CREATE TABLE IF NOT EXISTS duplicates (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    source_name TEXT NOT NULL,
    job_id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    qid TEXT PRIMARY KEY,
    source_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    reason_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'quarantined',
    job_id TEXT NOT NULL UNIQUE
);
-- The copy register (vault catalog): every numbered copy of a classified document, from the
-- scan (copying it, docs/vault.md §5) to each export and print. Numbers are per document and
-- never reused; a row is 'issued' before the copy is made and 'made' or 'cancelled' after.
CREATE TABLE IF NOT EXISTS copies (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    first_number INTEGER NOT NULL,
    count INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    authorisation TEXT NOT NULL DEFAULT '',
    made_by TEXT NOT NULL,
    made_at TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    recipients TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS copies_doc ON copies (doc_id);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    clearance TEXT NOT NULL DEFAULT 'none',
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    zone: str
    status: str
    secrecy: str
    sha256: str
    size: int
    original_name: str
    received_at: str
    archived_at: str
    original_object: str
    archival_object: str = ""
    record_object: str = ""
    pages: int = 0
    review: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    classification: dict[str, Any] = field(default_factory=dict)
    signature_status: str = ""
    ocr_confidence: float | None = None
    processing_seconds: float | None = None
    job_id: str = ""

    def objects(self) -> list[tuple[str, str]]:
        out = [("original", self.original_object)]
        if self.archival_object and self.archival_object != self.original_object:
            out.append(("archival", self.archival_object))
        if self.record_object:
            out.append(("record", self.record_object))
        return out


@dataclass(frozen=True)
class QuarantineRow:
    qid: str
    source_name: str
    sha256: str
    size: int
    reason_code: str
    reason: str
    at: str
    state: str
    job_id: str


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    clearance: str
    password_hash: str
    created_at: str
    disabled: bool


@dataclass(frozen=True)
class CopyRow:
    """One line of the copy register: copies `first_number` .. `first_number + count - 1`."""

    id: int
    doc_id: str
    first_number: int
    count: int
    kind: str  # scan | export | print
    state: str  # issued | made | cancelled
    authorisation: str
    made_by: str
    made_at: str
    reference: str  # the ingest job, or the export / print id
    recipients: str  # export: the age public keys, space separated

    @property
    def numbers(self) -> list[int]:
        return list(range(self.first_number, self.first_number + self.count))

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "numbers": self.numbers, "count": self.count,
                "kind": self.kind, "state": self.state, "authorisation": self.authorisation,
                "by": self.made_by, "at": self.made_at, "reference": self.reference,
                "recipients": self.recipients.split() if self.recipients else []}


_DOC_COLUMNS = (
    "doc_id, zone, status, secrecy, sha256, size, original_name, received_at, archived_at, "
    "original_object, archival_object, record_object, pages, review, metadata_json, "
    "classification_json, signature_status, ocr_confidence, processing_seconds, job_id"
)


def _doc_from_row(row: sqlite3.Row) -> DocumentRow:
    return DocumentRow(
        doc_id=row["doc_id"],
        zone=row["zone"],
        status=row["status"],
        secrecy=row["secrecy"],
        sha256=row["sha256"],
        size=row["size"],
        original_name=row["original_name"],
        received_at=row["received_at"],
        archived_at=row["archived_at"],
        original_object=row["original_object"],
        archival_object=row["archival_object"],
        record_object=row["record_object"],
        pages=row["pages"],
        review=bool(row["review"]),
        metadata=json.loads(row["metadata_json"]),
        classification=json.loads(row["classification_json"]),
        signature_status=row["signature_status"],
        ocr_confidence=row["ocr_confidence"],
        processing_seconds=row["processing_seconds"],
        job_id=row["job_id"],
    )


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SQLiteDatabase(path)

    def _conn(self) -> sqlite3.Connection:
        return self._db.conn()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._db.transaction()

    def create(self) -> None:
        self._db.create(_SCHEMA)
        self._conn().execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )

    def close(self) -> None:
        self._db.close()

    # -- documents ---------------------------------------------------------------------------

    def add_document(self, doc: DocumentRow) -> None:
        """Insert, or leave alone if this exact document id is already there (idempotent)."""
        with self.transaction() as conn:
            existing = conn.execute(
                "SELECT doc_id FROM documents WHERE doc_id = ?", (doc.doc_id,)
            ).fetchone()
            if existing:
                return
            conn.execute(
                f"INSERT INTO documents ({_DOC_COLUMNS}) VALUES "  # noqa: S608 (constant columns)
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.doc_id, doc.zone, doc.status, doc.secrecy, doc.sha256, doc.size,
                    doc.original_name, doc.received_at, doc.archived_at, doc.original_object,
                    doc.archival_object, doc.record_object, doc.pages, int(doc.review),
                    json.dumps(doc.metadata, ensure_ascii=False),
                    json.dumps(doc.classification, ensure_ascii=False),
                    doc.signature_status, doc.ocr_confidence, doc.processing_seconds,
                    doc.job_id,
                ),
            )

    def update_document(self, doc: DocumentRow) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE documents SET status = ?, secrecy = ?, archival_object = ?, "
                "record_object = ?, review = ?, metadata_json = ?, classification_json = ?, "
                "signature_status = ? WHERE doc_id = ?",
                (
                    doc.status, doc.secrecy, doc.archival_object, doc.record_object,
                    int(doc.review), json.dumps(doc.metadata, ensure_ascii=False),
                    json.dumps(doc.classification, ensure_ascii=False), doc.signature_status,
                    doc.doc_id,
                ),
            )

    def remove_document(self, doc_id: str) -> None:
        """Only when a document moves between zones (the other catalog now holds it)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def get(self, doc_id: str) -> DocumentRow | None:
        row = self._conn().execute(
            f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id = ?",  # noqa: S608
            (doc_id,)
        ).fetchone()
        return _doc_from_row(row) if row else None

    def by_sha256(self, sha256: str) -> DocumentRow | None:
        row = self._conn().execute(
            f"SELECT {_DOC_COLUMNS} FROM documents WHERE sha256 = ?",  # noqa: S608
            (sha256,)
        ).fetchone()
        return _doc_from_row(row) if row else None

    def documents(self, *, review: bool | None = None, limit: int | None = None,
                  offset: int = 0) -> list[DocumentRow]:
        sql = f"SELECT {_DOC_COLUMNS} FROM documents"  # noqa: S608 (constant columns)
        args: list[Any] = []
        if review is not None:
            sql += " WHERE review = ?"
            args.append(int(review))
        sql += " ORDER BY received_at DESC, doc_id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [_doc_from_row(r) for r in self._conn().execute(sql, args)]

    def doc_ids(self) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT doc_id FROM documents ORDER BY doc_id")]

    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def referenced_objects(self) -> set[str]:
        out: set[str] = set()
        for row in self._conn().execute(
            "SELECT original_object, archival_object, record_object FROM documents"
        ):
            out.update(x for x in row if x)
        # Earlier versions of document records stay referenced through the log; keep them too.
        for row in self._conn().execute("SELECT value FROM meta WHERE key LIKE 'object:%'"):
            out.add(row[0])
        return out

    def keep_object(self, sha256: str) -> None:
        """Record an object that stays committed though no document row points at it now
        (an earlier version of a record, replaced by a correction)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                (f"object:{sha256}", sha256),
            )

    def forget_object(self, sha256: str) -> None:
        """Undo `keep_object`: only when the object leaves this zone (a reclassification)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key = ?", (f"object:{sha256}",))

    # -- duplicates and quarantine -------------------------------------------------------------

    def scrub_duplicate_names(self, doc_id: str) -> int:
        """Blank the file names of duplicates of a document that became classified (a file name
        can itself be sensitive). Returns how many rows changed."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE duplicates SET source_name = '' WHERE doc_id = ? AND source_name != ''",
                (doc_id,),
            )
            return int(cur.rowcount)

    def add_duplicate(self, sha256: str, doc_id: str, source_name: str, job_id: str,
                      at: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO duplicates (sha256, doc_id, source_name, job_id, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (sha256, doc_id, source_name, job_id, at),
            )

    def duplicate_count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM duplicates").fetchone()[0])

    def add_quarantine(self, row: QuarantineRow) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO quarantine (qid, source_name, sha256, size, reason_code, "
                "reason, at, state, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(qid) DO UPDATE SET reason_code = excluded.reason_code, "
                "reason = excluded.reason, at = excluded.at, state = excluded.state",
                (row.qid, row.source_name, row.sha256, row.size, row.reason_code, row.reason,
                 row.at, row.state, row.job_id),
            )

    def quarantine(self, state: str | None = "quarantined") -> list[QuarantineRow]:
        sql = "SELECT * FROM quarantine"
        args: tuple[Any, ...] = ()
        if state:
            sql += " WHERE state = ?"
            args = (state,)
        sql += " ORDER BY at DESC"
        return [QuarantineRow(**dict(r)) for r in self._conn().execute(sql, args)]

    def get_quarantine(self, qid: str) -> QuarantineRow | None:
        row = self._conn().execute("SELECT * FROM quarantine WHERE qid = ?", (qid,)).fetchone()
        return QuarantineRow(**dict(row)) if row else None

    def set_quarantine_state(self, qid: str, state: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE quarantine SET state = ? WHERE qid = ?", (state, qid))

    def quarantine_count(self) -> int:
        return int(
            self._conn()
            .execute("SELECT COUNT(*) FROM quarantine WHERE state = 'quarantined'")
            .fetchone()[0]
        )

    # -- copy register -------------------------------------------------------------------------

    def issue_copies(self, doc_id: str, count: int, *, kind: str, made_by: str, made_at: str,
                     authorisation: str = "", reference: str = "", recipients: str = "",
                     state: str = "issued") -> CopyRow:
        """Take the next `count` copy numbers of a document (one transaction: two exports at
        once never get the same number)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self.transaction() as conn:
            top = conn.execute(
                "SELECT MAX(first_number + count - 1) FROM copies WHERE doc_id = ?", (doc_id,)
            ).fetchone()[0]
            first = int(top or 0) + 1
            cur = conn.execute(
                "INSERT INTO copies (doc_id, first_number, count, kind, state, authorisation, "
                "made_by, made_at, reference, recipients) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, first, count, kind, state, authorisation, made_by, made_at, reference,
                 recipients),
            )
            row_id = int(cur.lastrowid or 0)
        return CopyRow(row_id, doc_id, first, count, kind, state, authorisation, made_by,
                       made_at, reference, recipients)

    def set_copies_state(self, reference: str, state: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE copies SET state = ? WHERE reference = ? AND state = 'issued'",
                         (state, reference))

    def copies(self, doc_id: str | None = None) -> list[CopyRow]:
        sql = "SELECT * FROM copies"
        args: tuple[Any, ...] = ()
        if doc_id is not None:
            sql += " WHERE doc_id = ?"
            args = (doc_id,)
        sql += " ORDER BY doc_id, first_number"
        return [CopyRow(**dict(r)) for r in self._conn().execute(sql, args)]

    # -- statistics --------------------------------------------------------------------------

    def counts_by_status(self) -> dict[str, int]:
        return {
            r[0]: r[1]
            for r in self._conn().execute("SELECT status, COUNT(*) FROM documents GROUP BY status")
        }

    def monthly(self) -> list[dict[str, Any]]:
        sql = (
            "SELECT substr(archived_at, 1, 7) AS month, COUNT(*) AS docs, SUM(pages) AS pages, "
            "SUM(CASE WHEN signature_status = 'valid' THEN 1 ELSE 0 END) AS signed, "
            "AVG(processing_seconds) AS avg_seconds, SUM(review) AS review "
            "FROM documents GROUP BY month ORDER BY month"
        )
        return [dict(r) for r in self._conn().execute(sql)]

    # -- users -------------------------------------------------------------------------------

    def upsert_user(self, user: UserRow) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO users (name, role, clearance, password_hash, created_at, disabled) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
                "clearance = excluded.clearance, password_hash = excluded.password_hash, "
                "disabled = excluded.disabled",
                (user.name, user.role, user.clearance, user.password_hash, user.created_at,
                 int(user.disabled)),
            )

    def get_user(self, name: str) -> UserRow | None:
        row = self._conn().execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        if not row:
            return None
        data = dict(row)
        data["disabled"] = bool(data["disabled"])
        return UserRow(**data)

    def users(self) -> list[UserRow]:
        out = []
        for row in self._conn().execute("SELECT * FROM users ORDER BY name"):
            data = dict(row)
            data["disabled"] = bool(data["disabled"])
            out.append(UserRow(**data))
        return out


def with_status(doc: DocumentRow, **changes: Any) -> DocumentRow:
    return replace(doc, **changes)
