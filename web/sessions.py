"""Server-side login sessions, so that logging out, disabling an account or changing a password
ends a session for good (a signed cookie alone stays valid until it expires).

The browser's cookie (Flask's signed session) carries a random session id; this store keeps only
its SHA-256, the user name, the password tag at login and the times. Anonymous visitors get no
row: the login form's CSRF token lives in the signed cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sohoa.sqlite import SQLiteDatabase

IDLE_SECONDS = 4 * 3600  # an unattended browser is signed out after four hours
ABSOLUTE_SECONDS = 12 * 3600  # and every session ends after twelve (one working day)
_TOUCH_EVERY = 60.0  # write last_seen at most once a minute per session

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    sid_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    tag TEXT NOT NULL,
    created REAL NOT NULL,
    seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
"""


@dataclass(frozen=True)
class SessionRow:
    user: str
    tag: str
    created: float
    seen: float


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    def __init__(self, path: Path, idle_s: float = IDLE_SECONDS,
                 absolute_s: float = ABSOLUTE_SECONDS) -> None:
        self.path = path
        self.idle_s = idle_s
        self.absolute_s = absolute_s
        # Losing the last "seen" update in a power cut is harmless: no fsync per request.
        self._db = SQLiteDatabase(path, durable=False)
        self._last_purge = 0.0

    def _conn(self) -> sqlite3.Connection:
        return self._db.conn()

    def create_schema(self) -> None:
        self._db.create(_SCHEMA)
        self.path.chmod(0o600)

    def create(self, user: str, tag: str) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.time()
        self._conn().execute(
            "INSERT INTO sessions (sid_hash, user, tag, created, seen) VALUES (?, ?, ?, ?, ?)",
            (_digest(sid), user, tag, now, now),
        )
        self._purge(now)
        return sid

    def get(self, sid: str) -> SessionRow | None:
        if not sid or len(sid) > 100:
            return None
        row = self._conn().execute(
            "SELECT user, tag, created, seen FROM sessions WHERE sid_hash = ?", (_digest(sid),)
        ).fetchone()
        if row is None:
            return None
        found = SessionRow(*row)
        now = time.time()
        if now - found.seen > self.idle_s or now - found.created > self.absolute_s:
            self.delete(sid)
            return None
        if now - found.seen > _TOUCH_EVERY:
            self._conn().execute("UPDATE sessions SET seen = ? WHERE sid_hash = ?",
                                 (now, _digest(sid)))
        return found

    def delete(self, sid: str) -> None:
        self._conn().execute("DELETE FROM sessions WHERE sid_hash = ?", (_digest(sid),))

    def delete_user(self, user: str) -> int:
        return self._conn().execute("DELETE FROM sessions WHERE user = ?", (user,)).rowcount

    def count(self, user: str | None = None) -> int:
        if user is None:
            return int(self._conn().execute("SELECT COUNT(*) FROM sessions").fetchone()[0])
        return int(self._conn().execute(
            "SELECT COUNT(*) FROM sessions WHERE user = ?", (user,)).fetchone()[0])

    def _purge(self, now: float) -> None:
        if now - self._last_purge < 600:
            return
        self._last_purge = now
        self._conn().execute(
            "DELETE FROM sessions WHERE seen < ? OR created < ?",
            (now - self.idle_s, now - self.absolute_s),
        )
