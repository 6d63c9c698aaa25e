"""Append-only event log: JSON lines, hash-chained, leaves of an RFC 6962 Merkle tree.

Each line is canonical JSON (sorted keys, no spaces) of::

    {"seq": n, "ts": "...Z", "type": "...", "doc_id": "...", "actor": "...", "data": {...},
     "prev": "<sha256 hex of line n-1, or 64 zeros>"}

Leaf n of the Merkle tree is ``SHA-256(0x00 || line bytes)`` (without the newline). Tree heads
``{"tree_size", "root_hash", "timestamp", "key_id", "signature"}`` are signed with the
organisation's key and appended to `tree-heads.jsonl`; every new head is checked for consistency
with the last one before it is written.

Events never carry document text: identifiers, levels, hashes, reason codes and who did what.
Several processes (the watcher, the web UI) may append: an exclusive `flock` guards each append,
and the writer catches up with lines other processes added before writing its own.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive import merkle
from sohoa.errors import IntegrityError

ZERO = "0" * 64

# Events that happen at most once per document: re-running a job after a crash must not log
# them again.
ONCE_EVENTS = frozenset({"ingest", "archive", "vault", "hold", "duplicate"})


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def utc_now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


@dataclass(frozen=True)
class Event:
    seq: int
    ts: str
    type: str
    doc_id: str
    actor: str
    data: dict[str, Any]
    prev: str
    line: bytes  # the exact bytes as stored

    @property
    def leaf(self) -> bytes:
        return merkle.leaf_hash(self.line)

    @property
    def line_hash(self) -> str:
        return hashlib.sha256(self.line).hexdigest()


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: str
    timestamp: str
    key_id: str
    signature: str  # base64

    def signed_bytes(self) -> bytes:
        return canonical(
            {"tree_size": self.tree_size, "root_hash": self.root_hash, "timestamp": self.timestamp}
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TreeHead:
        return cls(
            tree_size=int(obj["tree_size"]),
            root_hash=str(obj["root_hash"]),
            timestamp=str(obj["timestamp"]),
            key_id=str(obj["key_id"]),
            signature=str(obj["signature"]),
        )


Signer = Callable[[bytes], tuple[str, bytes]]  # data -> (key_id, signature)


def parse_line(line: bytes) -> Event:
    obj = json.loads(line)
    return Event(
        seq=int(obj["seq"]),
        ts=str(obj["ts"]),
        type=str(obj["type"]),
        doc_id=str(obj.get("doc_id", "")),
        actor=str(obj.get("actor", "")),
        data=dict(obj.get("data", {})),
        prev=str(obj["prev"]),
        line=line,
    )


class EventLog:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.path = directory / "events.jsonl"
        self.heads_path = directory / "tree-heads.jsonl"
        self._lock = threading.RLock()
        self._tree = merkle.Tree()
        self._last_hash = ZERO
        self._once: dict[tuple[str, str], int] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._offset = 0

    def create(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)
        self.heads_path.touch(exist_ok=True)

    # -- reading -----------------------------------------------------------------------------

    def iter_lines(self) -> Iterator[bytes]:
        with open(self.path, "rb") as fh:
            for raw in fh:
                yield raw.rstrip(b"\n")

    def events(self) -> Iterator[Event]:
        for line in self.iter_lines():
            if line:
                yield parse_line(line)

    def _catch_up(self, fh: Any) -> None:
        """Read lines appended since we last looked (by us or another process)."""
        fh.seek(self._offset)
        data = fh.read()
        if not data:
            return
        complete, _, torn = data.rpartition(b"\n")
        if torn:
            # A line without its newline is a write torn by a crash. Nothing acknowledged it
            # (an append returns only after the newline is fsynced), so it is cut off.
            fh.truncate(self._offset + len(complete) + (1 if complete else 0))
            os.fsync(fh.fileno())
        if not complete:
            return
        for line in complete.split(b"\n"):
            ev = parse_line(line)
            if ev.prev != self._last_hash or ev.seq != self._tree.size:
                raise IntegrityError(
                    f"event log broken at line {self._tree.size + 1}: run `sohoa audit`"
                )
            self._tree.append(ev.leaf)
            self._last_hash = ev.line_hash
            self._index(ev.type, ev.doc_id, ev.data.get("once_key"), ev.seq)
        self._offset += len(complete) + 1

    def _index(self, type_: str, doc_id: str, once_key: object, seq: int) -> None:
        if once_key:
            self._once[(type_, str(once_key))] = seq
        elif type_ in ONCE_EVENTS and doc_id:
            self._once[(type_, doc_id)] = seq
        if doc_id:
            self._counts[(type_, doc_id)] = self._counts.get((type_, doc_id), 0) + 1

    def load(self) -> None:
        with self._lock, open(self.path, "r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                self._catch_up(fh)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @property
    def size(self) -> int:
        return self._tree.size

    def leaves(self) -> list[bytes]:
        return list(self._tree.levels[0])

    @property
    def tree(self) -> merkle.Tree:
        """The Merkle tree of the log as loaded (call `load()` first to catch up)."""
        return self._tree

    # -- writing -----------------------------------------------------------------------------

    def append(
        self, type_: str, doc_id: str = "", actor: str = "system", *,
        once_key: str | None = None, **data: Any
    ) -> int:
        """Append one event durably; return its sequence number.

        A "once" event already logged (keyed by `once_key` when given, else by document for the
        ONCE_EVENTS types) is not written again: re-running a job after a crash is idempotent;
        the existing sequence number is returned.
        """
        if once_key:
            data["once_key"] = once_key
        key = (type_, once_key) if once_key else (
            (type_, doc_id) if type_ in ONCE_EVENTS and doc_id else None)
        with self._lock, open(self.path, "r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                self._catch_up(fh)
                if key is not None and key in self._once:
                    return self._once[key]
                seq = self._tree.size
                line = canonical(
                    {
                        "seq": seq,
                        "ts": utc_now(),
                        "type": type_,
                        "doc_id": doc_id,
                        "actor": actor,
                        "data": data,
                        "prev": self._last_hash,
                    }
                )
                fh.seek(0, os.SEEK_END)
                fh.write(line + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
                self._offset += len(line) + 1
                self._tree.append(merkle.leaf_hash(line))
                self._last_hash = hashlib.sha256(line).hexdigest()
                self._index(type_, doc_id, once_key, seq)
                return seq
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def seq_of(self, type_: str, key: str) -> int | None:
        """Sequence number of a once-event (by document id or once_key), if logged."""
        self.load()
        return self._once.get((type_, key))

    def count(self, type_: str, doc_id: str) -> int:
        self.load()
        return self._counts.get((type_, doc_id), 0)

    # -- tree heads --------------------------------------------------------------------------

    def tree_heads(self) -> list[TreeHead]:
        if not self.heads_path.exists():
            return []
        return _parse_heads(self.heads_path.read_bytes())

    def sign_head(self, signer: Signer) -> TreeHead | None:
        """Sign the current tree head unless the last signed head already covers it.

        The heads file stays locked from reading the last head to writing the new one, so two
        processes signing at once cannot write heads out of order.
        """
        with self._lock, open(self.heads_path, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.seek(0)
                heads = _parse_heads(fh.read())
                self.load()
                size = self.size
                if size == 0 or (heads and heads[-1].tree_size == size):
                    return heads[-1] if heads else None
                if heads:
                    last = heads[-1]
                    if last.tree_size > size or (
                        self._tree.root(last.tree_size).hex() != last.root_hash
                    ):
                        raise IntegrityError(
                            "the event log is not consistent with its last signed tree head: "
                            "run `sohoa audit`"
                        )
                unsigned = TreeHead(size, self._tree.root(size).hex(), utc_now(), "", "")
                key_id, sig = signer(unsigned.signed_bytes())
                head = TreeHead(unsigned.tree_size, unsigned.root_hash, unsigned.timestamp,
                                key_id, base64.b64encode(sig).decode())
                fh.seek(0, os.SEEK_END)
                fh.write(canonical(head.to_json()) + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
                return head
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _parse_heads(data: bytes) -> list[TreeHead]:
    out = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if raw.strip():
            try:
                out.append(TreeHead.from_json(json.loads(raw)))
            except (ValueError, KeyError, TypeError):
                raise IntegrityError(
                    f"signed tree head line {number} is malformed: run `sohoa audit`"
                ) from None
    return out
