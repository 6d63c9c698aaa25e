"""What the web UI does to the archive besides reading it: uploads, the background workers,
quarantine retry and discard, audits. No Flask here: views call these and render.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ingest.queue import Job
from sohoa.errors import NotFoundError, SohoaError
from sohoa.logs import get_logger
from sohoa.vntext import safe_display_name

log = get_logger(__name__)

ID_RE = re.compile(r"^[a-z2-7]{16,64}$")  # job and document ids: base32 of 120 random bits
_NAME_BYTES = 180  # a file name component stays under NAME_MAX (255 bytes) with room to spare


# -- uploads -------------------------------------------------------------------------------------

def upload_file_name(client_name: str | None) -> str:
    """A single, harmless path component from a browser's file name, kept for display.

    The name only names a file inside a fresh private directory of ours; it never chooses the
    directory. Path parts, control characters and leading dots are removed, the length bounded.
    """
    name = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = safe_display_name(name).strip().lstrip(".").strip()
    while len(name.encode()) > _NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 8 and stem:
            name = stem[:-1] + "." + ext
        else:
            name = name[:-1]
    return name or "tai-len"


class EmptyUpload(SohoaError):
    pass


def save_upload(service: Any, stream: IO[bytes], client_name: str | None, actor: str) -> Job:
    """Write an upload under HOME/work, then hand it to the pipeline like a file in the inbox."""
    uploads = service.settings.home / "work" / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix="up-", dir=uploads))
    try:
        name = upload_file_name(client_name)
        path = private / name
        size = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(1 << 20):
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise EmptyUpload("empty file")
        job = service.submit(path, move=True, source_label=f"web:{actor}/{name}")
    finally:
        shutil.rmtree(private, ignore_errors=True)
    service.archive.log.append("upload", doc_id=job.doc_id, actor=actor, job=job.job_id,
                               sha256=job.sha256, size=job.size)
    return job


# -- background workers --------------------------------------------------------------------------

class IngestWorkers:
    """The pipeline's workers in daemon threads of the web process, plus the periodic signing
    of the event log's tree head (as `sohoa watch` does)."""

    def __init__(self, service: Any, workers: int | None = None, head_every_s: float = 60.0):
        self.service = service
        self.workers = workers
        self.head_every_s = head_every_s
        self.stop_event = threading.Event()
        self.error = ""
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        run = threading.Thread(target=self._run, name="sohoa-web-workers", daemon=True)
        heads = threading.Thread(target=self._heads, name="sohoa-web-heads", daemon=True)
        self._threads = [run, heads]
        run.start()
        heads.start()

    def _run(self) -> None:
        try:
            self.service.recover()
        except SohoaError as exc:
            self.error = str(exc)
            log.error("web.workers_not_started", error=type(exc).__name__, message=str(exc))
            return
        self.service.run_workers(workers=self.workers, until_empty=False, stop=self.stop_event)

    def _heads(self) -> None:
        while not self.stop_event.wait(self.head_every_s):
            try:
                self.service.archive.sign_tree_head()
            except SohoaError as exc:
                log.error("web.tree_head_failed", error=type(exc).__name__, message=str(exc))

    @property
    def alive(self) -> bool:
        return bool(self._threads) and self._threads[0].is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        for t in self._threads:
            t.join(timeout)


# -- quarantine ----------------------------------------------------------------------------------

def _check_id(value: str) -> str:
    if not ID_RE.match(value or ""):
        raise NotFoundError("no such item")
    return value


def retry_quarantined(service: Any, qid: str, actor: str) -> Job:
    """Put a quarantined file back into processing and queue its job again (audited)."""
    job: Job = service.retry_quarantined(_check_id(qid), actor=actor)
    return job


def discard_quarantined(service: Any, qid: str, actor: str) -> None:
    """Drop a quarantined file: the decision, its SHA-256 and size stay in the event log; the
    bytes are overwritten and removed (a failed scan may be classified: no plaintext kept)."""
    service.discard_quarantined(_check_id(qid), actor=actor)


def job_result(job: Job) -> dict[str, Any]:
    try:
        return dict(json.loads(job.result_json or "{}"))
    except ValueError:
        return {}


# -- audit ---------------------------------------------------------------------------------------

@dataclass
class AuditState:
    running: bool = False
    started: float = 0.0
    error: str = ""


class AuditRunner:
    """One audit at a time, in a thread: a large archive takes minutes to re-hash."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.state = AuditState()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, actor: str) -> bool:
        with self._lock:
            if self.state.running:
                return False
            self.state = AuditState(running=True, started=time.time())
            self._thread = threading.Thread(target=self._run, args=(actor,), daemon=True,
                                            name="sohoa-web-audit")
            self._thread.start()
            return True

    def _run(self, actor: str) -> None:
        from archive.audit import run_audit, write_report

        service = self.service
        try:
            pending: set[str] = set()
            for job in service.queue.jobs(limit=100000):
                pending.update(job.pending_objects)
            report = run_audit(service.archive, index_ids=service.index.doc_ids,
                               pending_objects=pending)
            write_report(report, service.archive.reports)
            service.archive.log.append("audit", actor=actor, ok=report.ok,
                                       problems=len(report.problems), checked=report.checked,
                                       slice=report.slice)
            service.archive.sign_tree_head()
        except Exception as exc:  # shown on the page; the thread must not die silently
            log.error("web.audit_failed", exc_info=True, error=type(exc).__name__)
            self.state.error = type(exc).__name__
        finally:
            self.state.running = False

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def latest_audit(reports: Path) -> dict[str, Any] | None:
    path = reports / "latest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
