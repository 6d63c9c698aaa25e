"""One way to open the embedded SQLite databases (catalog, vault catalog, job queue, sessions).

A connection per thread (sqlite3 connections are not shared across threads), WAL so readers never
block the writer, `synchronous=FULL` so a committed transaction survives a power cut, autocommit
mode with explicit `BEGIN IMMEDIATE` transactions so a writer takes the lock up front instead of
failing half-way.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SQLiteDatabase:
    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        self.durable = durable
        self._local = threading.local()

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
            conn.execute("PRAGMA foreign_keys=ON")
            # Deleted or overwritten values are zeroed, not left in free space: a classified
            # job's file name is forgotten, a removed document's row is gone (docs/vault.md).
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def create(self, schema: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn().executescript(schema)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
