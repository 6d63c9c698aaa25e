"""Unlocked vaults of web sessions: in this process's memory only, never in a cookie or a file.

An officer unlocks the vault with its passphrase for their own session; the identity is kept
here, keyed by a hash of the server-side session id and bound to the user, until they lock it,
sign out, or leave it idle for `idle_s`. Restarting the server locks every vault.
"""

from __future__ import annotations

import hashlib
import threading
import time

from archive.vault import UnlockedVault

IDLE_SECONDS = 15 * 60


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class VaultUnlocks:
    def __init__(self, idle_s: float = IDLE_SECONDS) -> None:
        self.idle_s = idle_s
        self._lock = threading.Lock()
        self._open: dict[str, tuple[str, UnlockedVault, float]] = {}

    def put(self, sid: str, user: str, unlocked: UnlockedVault) -> None:
        with self._lock:
            self._open[_key(sid)] = (user, unlocked, time.monotonic())

    def get(self, sid: str | None, user: str) -> UnlockedVault | None:
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            for key in [k for k, v in self._open.items() if now - v[2] > self.idle_s]:
                del self._open[key]
            entry = self._open.get(_key(sid))
            if entry is None or entry[0] != user:
                return None
            self._open[_key(sid)] = (entry[0], entry[1], now)
            return entry[1]

    def drop(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._open.pop(_key(sid), None)
