"""Claiming files into the processing area, quarantining them, and releasing them.

File names from scanners and uploads are hostile: they are recorded for display and never used
to build a path. A claimed file lives at ``work/processing/<job_id>/original``; a quarantined
one at ``work/quarantine/<job_id>/original`` with ``reason.json`` beside it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from archive.store import fsync_dir
from ingest.queue import Job, SQLiteJobQueue
from sohoa.errors import IntegrityError
from sohoa.faults import crash_point
from sohoa.logs import get_logger
from sohoa.vntext import safe_display_name

log = get_logger(__name__)

ORIGINAL = "original"
SOURCE_INFO = "source.json"


def new_id(nbytes: int = 15) -> str:
    """Unguessable identifier (120 bits), lower-case base32, URL- and filename-safe."""
    return base64.b32encode(secrets.token_bytes(nbytes)).decode().lower().rstrip("=")


def _hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class WorkAreas:
    processing: Path
    quarantine: Path

    def create(self) -> None:
        self.processing.mkdir(parents=True, exist_ok=True)
        self.quarantine.mkdir(parents=True, exist_ok=True)


def claim(path: Path, areas: WorkAreas, queue: SQLiteJobQueue, *, move: bool,
          source_label: str) -> Job:
    """Take `path` into the processing area and queue it.

    `move=True` (the inbox): atomic rename, so the scanner's folder no longer holds it.
    `move=False` (`sohoa ingest PATH`): copy, fsync and verify; the caller's file is untouched.
    """
    job_id = new_id()
    doc_id = new_id()
    job_dir = areas.processing / job_id
    job_dir.mkdir(parents=True)
    original_name = safe_display_name(path.name)
    info = {"job_id": job_id, "doc_id": doc_id, "original_name": original_name,
            "source": safe_display_name(source_label, 1000, keep_slashes=True),
            "claimed_at": time.time()}
    _write_durable(job_dir / SOURCE_INFO, json.dumps(info, ensure_ascii=False).encode())
    target = job_dir / ORIGINAL
    if move:
        try:
            os.rename(path, target)
        except OSError:
            # Another filesystem (a network share): copy, verify, then remove the inbox copy.
            _copy_verified(path, target)
            path.unlink()
        fsync_dir(path.parent)
    else:
        _copy_verified(path, target)
    fsync_dir(job_dir)
    crash_point("claim_renamed")
    sha, size = _hash(target)
    job = queue.enqueue(job_id, doc_id, str(target), original_name, info["source"], sha, size)
    # No file name here: the document may turn out classified, and a name can be secret. The
    # name is logged once the job is archived in the open archive (sohoa.pipeline).
    log.info("job.claimed", job=job_id, size=size)
    return job


def _write_durable(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _copy_verified(source: Path, target: Path) -> None:
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if _hash(target)[0] != digest.hexdigest():
        raise IntegrityError(f"copy of {safe_display_name(source.name)} does not verify")


def recover_processing(areas: WorkAreas, queue: SQLiteJobQueue) -> int:
    """Claimed files whose job row a crash prevented: queue them. Empty job dirs: remove."""
    found = 0
    if not areas.processing.exists():
        return 0
    for job_dir in sorted(areas.processing.iterdir()):
        if not job_dir.is_dir() or queue.get(job_dir.name) is not None:
            continue
        original = job_dir / ORIGINAL
        if not original.exists():
            shutil.rmtree(job_dir, ignore_errors=True)  # the rename never happened
            continue
        try:
            info = json.loads((job_dir / SOURCE_INFO).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {"doc_id": new_id(), "original_name": "original", "source": "(recovered)"}
        sha, size = _hash(original)
        queue.enqueue(job_dir.name, info.get("doc_id") or new_id(), str(original),
                      info.get("original_name", "original"), info.get("source", ""), sha, size)
        found += 1
        log.warning("job.recovered", job=job_dir.name)
    return found


def quarantine_file(job: Job, areas: WorkAreas, code: str, reason: str) -> Path:
    """Move the claimed original to the quarantine, byte-exact, with its reason beside it."""
    q_dir = areas.quarantine / job.job_id
    q_dir.mkdir(parents=True, exist_ok=True)
    reason_doc = {
        "job_id": job.job_id,
        "original_name": job.original_name,
        "source": job.source,
        "sha256": job.sha256,
        "size": job.size,
        "reason_code": code,
        "reason": reason,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    _write_durable(q_dir / "reason.json",
                   json.dumps(reason_doc, ensure_ascii=False, indent=2).encode())
    source = Path(job.path)
    target = q_dir / ORIGINAL
    if source.exists():
        os.rename(source, target)
        fsync_dir(q_dir)
        fsync_dir(source.parent)
    # the claim's note is in the job row and the reason: no husk left in the processing area
    # (never a recursive delete: a retry may be putting the original back at this moment)
    job_dir = areas.processing / job.job_id
    try:
        (job_dir / SOURCE_INFO).unlink(missing_ok=True)
        job_dir.rmdir()
        fsync_dir(areas.processing)
    except OSError:
        pass  # not empty or gone: the quarantine itself is done either way


def release(job: Job, areas: WorkAreas) -> None:
    """The archived copy is durable and verified: the claimed original can go."""
    job_dir = areas.processing / job.job_id
    if job_dir.exists():
        shutil.rmtree(job_dir)
        fsync_dir(areas.processing)


def overwrite(path: Path) -> None:
    """Overwrite a file's bytes before it is unlinked: best effort on journaling and
    copy-on-write filesystems, for files that may hold classified content."""
    if not path.is_file() or path.is_symlink():
        return
    with open(path, "r+b") as fh:
        remaining = path.stat().st_size
        block = b"\0" * (1 << 20)
        while remaining > 0:
            n = min(remaining, len(block))
            fh.write(block[:n])
            remaining -= n
        fh.flush()
        os.fsync(fh.fileno())


def wipe_and_release(job: Job, areas: WorkAreas) -> None:
    """For classified originals (the vault holds the encrypted copy)."""
    overwrite(areas.processing / job.job_id / ORIGINAL)
    release(job, areas)


def restore_from_quarantine(job: Job, areas: WorkAreas) -> Path:
    """Put a quarantined original back into the processing area (a retry after a fix)."""
    source = areas.quarantine / job.job_id / ORIGINAL
    job_dir = areas.processing / job.job_id
    job_dir.mkdir(parents=True, exist_ok=True)
    target = job_dir / ORIGINAL
    if source.exists():
        os.rename(source, target)
        fsync_dir(job_dir)
        fsync_dir(source.parent)
    return target


def discard_quarantined(job: Job, areas: WorkAreas) -> None:
    """Remove a quarantined file for good (the decision is logged by the caller). A failed scan
    may be classified: its bytes are overwritten first."""
    q_dir = areas.quarantine / job.job_id
    overwrite(q_dir / ORIGINAL)
    if q_dir.exists():
        shutil.rmtree(q_dir)
        fsync_dir(areas.quarantine)
