"""A document's history, read from the event log.

The log is append-only, so the web process reads it once and then only the lines added since
(by itself, the watcher or the CLI), keeping per document the few fields a page shows. Events
about a job (upload, quarantine, retry) are found through the job id the document records.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class HistoryEvent:
    seq: int
    ts: str
    type: str
    actor: str
    data: dict[str, Any]


# Data fields a page may show: identifiers, levels, states; never text of a document.
_SHOWN = ("action", "level", "signature", "pages", "zone", "reason_code", "of", "ok",
          "problems", "role", "clearance", "user", "granted", "fields")


class EventIndex:
    def __init__(self, path: Path, max_per_key: int = 500) -> None:
        self.path = path
        self.max_per_key = max_per_key
        self._offset = 0
        self._by_key: dict[str, list[HistoryEvent]] = {}
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        complete, _, _ = data.rpartition(b"\n")
        if not complete:
            return
        self._offset += len(complete) + 1
        for line in complete.split(b"\n"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue  # the audit reports a broken log; the page just shows what it can
            raw = obj.get("data") or {}
            event = HistoryEvent(
                seq=int(obj.get("seq", -1)), ts=str(obj.get("ts", "")),
                type=str(obj.get("type", "")), actor=str(obj.get("actor", "")),
                data={k: raw[k] for k in _SHOWN if k in raw and not isinstance(raw[k], dict)},
            )
            keys = {str(obj.get("doc_id") or ""), str(raw.get("job") or ""),
                    str(raw.get("of") or "")}
            for key in keys - {""}:
                bucket = self._by_key.setdefault(key, [])
                bucket.append(event)
                if len(bucket) > self.max_per_key:
                    del bucket[0]

    def for_document(self, doc_id: str, job_id: str = "") -> list[HistoryEvent]:
        with self._lock:
            self._refresh()
            found = {e.seq: e for e in self._by_key.get(doc_id, [])}
            if job_id:
                found.update({e.seq: e for e in self._by_key.get(job_id, [])})
        return [found[k] for k in sorted(found)]
