"""Durable job queue: one row per claimed file, in SQLite (WAL).

`JobQueue` is the seam for distributed workers later (Celery on Redis): the in-process workers
and the CLI only use its methods. States:

    queued -> processing -> done
                         -> queued (transient failure, retried after a backoff)
                         -> done with result "quarantined" (permanent failure)

A job left in `processing` by a crash goes back to `queued` at start-up (`recover`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sohoa.sqlite import SQLiteDatabase


class JobState(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"


@dataclass(frozen=True)
class Job:
    job_id: str
    doc_id: str  # assigned at claim time so a re-run after a crash reuses it
    path: str  # the claimed original, in the processing area
    original_name: str  # display only, never used as a path
    source: str  # where it came from (inbox-relative path or the caller's path), display only
    sha256: str
    size: int
    state: JobState
    attempts: int
    next_attempt_at: float
    last_error: str
    result_status: str
    result_json: str
    pending_objects: tuple[str, ...]
    created_at: float
    updated_at: float
    pages: int = 0


class JobQueue(Protocol):
    def enqueue(self, job_id: str, doc_id: str, path: str, original_name: str, source: str,
                sha256: str, size: int) -> Job: ...

    def claim_next(self) -> Job | None: ...

    def get(self, job_id: str) -> Job | None: ...

    def finish(self, job_id: str, result_status: str, result_json: str, pages: int = 0,
               forget_names: bool = False) -> None: ...

    def retry_later(self, job_id: str, error: str, delay_s: float) -> None: ...

    def set_pending_objects(self, job_id: str, objects: list[str]) -> None: ...

    def recover(self) -> int: ...

    def jobs(self, state: JobState | None = None, limit: int = 1000) -> list[Job]: ...

    def counts(self) -> dict[str, int]: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    path TEXT NOT NULL,
    original_name TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    result_status TEXT NOT NULL DEFAULT '',
    result_json TEXT NOT NULL DEFAULT '{}',
    pending_objects TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, next_attempt_at);
"""


def _job(row: sqlite3.Row) -> Job:
    data = dict(row)
    data["state"] = JobState(data["state"])
    data["pending_objects"] = tuple(json.loads(data["pending_objects"]))
    return Job(**data)


class SQLiteJobQueue:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SQLiteDatabase(path)

    def _conn(self) -> sqlite3.Connection:
        return self._db.conn()

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._db.transaction()

    def create(self) -> None:
        self._db.create(_SCHEMA)

    def enqueue(self, job_id: str, doc_id: str, path: str, original_name: str, source: str,
                sha256: str, size: int) -> Job:
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO jobs (job_id, doc_id, path, original_name, source, sha256, "
                "size, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, doc_id, path, original_name, source, sha256, size, JobState.QUEUED.value,
                 now, now),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def claim_next(self) -> Job | None:
        now = time.time()
        with self._tx() as conn:
            row = conn.execute(
                "SELECT job_id FROM jobs WHERE state = ? AND next_attempt_at <= ? "
                "ORDER BY created_at, job_id LIMIT 1",
                (JobState.QUEUED.value, now),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE jobs SET state = ?, attempts = attempts + 1, updated_at = ? "
                "WHERE job_id = ?",
                (JobState.PROCESSING.value, now, row["job_id"]),
            )
        return self.get(row["job_id"])

    def get(self, job_id: str) -> Job | None:
        row = self._conn().execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def finish(self, job_id: str, result_status: str, result_json: str, pages: int = 0,
               forget_names: bool = False) -> None:
        """`forget_names`: the job turned out classified, and a file name can itself be secret:
        the queue keeps no name or path of it (the vault catalog keeps none either)."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE jobs SET state = ?, result_status = ?, result_json = ?, pages = ?, "
                "updated_at = ?, pending_objects = '[]' WHERE job_id = ?",
                (JobState.DONE.value, result_status, result_json, pages, time.time(), job_id),
            )
            if forget_names:
                conn.execute("UPDATE jobs SET source = '', original_name = '', path = '' "
                             "WHERE job_id = ?", (job_id,))

    def retry_later(self, job_id: str, error: str, delay_s: float) -> None:
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                "UPDATE jobs SET state = ?, last_error = ?, next_attempt_at = ?, updated_at = ? "
                "WHERE job_id = ?",
                (JobState.QUEUED.value, error, now + delay_s, now, job_id),
            )

    def requeue(self, job_id: str) -> None:
        """Run a finished job again (a quarantined file retried after a fix)."""
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                "UPDATE jobs SET state = ?, attempts = 0, next_attempt_at = 0, last_error = '', "
                "result_status = '', updated_at = ? WHERE job_id = ?",
                (JobState.QUEUED.value, now, job_id),
            )

    def set_pending_objects(self, job_id: str, objects: list[str]) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE jobs SET pending_objects = ?, updated_at = ? WHERE job_id = ?",
                (json.dumps(sorted(set(objects))), time.time(), job_id),
            )

    def recover(self) -> int:
        """Jobs a crash left in `processing` go back to the queue; returns how many."""
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE jobs SET state = ?, next_attempt_at = 0, updated_at = ? WHERE state = ?",
                (JobState.QUEUED.value, time.time(), JobState.PROCESSING.value),
            )
            return cur.rowcount

    def jobs(self, state: JobState | None = None, limit: int = 1000) -> list[Job]:
        if state is None:
            rows = self._conn().execute(
                "SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._conn().execute(
                "SELECT * FROM jobs WHERE state = ? ORDER BY created_at LIMIT ?",
                (state.value, limit),
            )
        return [_job(r) for r in rows]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in JobState}
        for row in self._conn().execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"):
            out[row[0]] = row[1]
        return out

    def pages_since(self, since: float) -> int:
        row = self._conn().execute(
            "SELECT COALESCE(SUM(pages), 0) FROM jobs WHERE state = ? AND updated_at >= ?",
            (JobState.DONE.value, since),
        ).fetchone()
        return int(row[0])

    def recent_errors(self, limit: int = 10) -> list[Job]:
        rows = self._conn().execute(
            "SELECT * FROM jobs WHERE last_error != '' ORDER BY updated_at DESC LIMIT ?", (limit,)
        )
        return [_job(r) for r in rows]

    def has_sha_pending(self, sha256: str, exclude_job: str) -> bool:
        row = self._conn().execute(
            "SELECT 1 FROM jobs WHERE sha256 = ? AND job_id != ? AND state != ? LIMIT 1",
            (sha256, exclude_job, JobState.DONE.value),
        ).fetchone()
        return row is not None
