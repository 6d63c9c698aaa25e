"""The orchestrator: one claimed file through ingest -> OCR -> classification -> archive -> search.

`Service` wires the stages to one home. `process(job)` is idempotent: after a crash the same job
runs again from the start, reusing its document id, and finishes whatever the first run did not
(docs/store.md §4). The in-process workers (`run_workers`) are the embedded default; a
distributed queue would call `process` the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import classification
import ocr
from archive import (
    Archive,
    NewDocument,
    QuarantineRow,
    SignatureCheck,
    check_pdf_signatures,
    utc_iso,
)
from archive.catalog import DocumentRow
from archive.vault import UnlockedVault
from ingest.intake import (
    WorkAreas,
    claim,
    discard_quarantined,
    quarantine_file,
    recover_processing,
    release,
    restore_from_quarantine,
    wipe_and_release,
)
from ingest.queue import Job, JobState, SQLiteJobQueue
from ingest.validate import Limits, ValidatedInput, validate
from search import IndexDocument, SearchBackend, open_backend, open_memory_backend
from sohoa.errors import InputRejected, NotFoundError, SettingsError, SohoaError
from sohoa.faults import crash_point
from sohoa.logs import get_logger
from sohoa.records import (
    Classification,
    DocumentMetadata,
    Evidence,
    OcrResult,
    PageText,
    Secrecy,
    Status,
)
from sohoa.settings import Settings

log = get_logger(__name__)

@dataclass(frozen=True)
class Outcome:
    """What happened to one input: the `sohoa ingest --json` line."""

    source: str
    status: str
    doc_id: str
    sha256: str
    secrecy: str
    reason: str = ""
    reason_code: str = ""
    job_id: str = ""
    pages: int = 0
    seconds: float = 0.0
    review: bool = False

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        home = settings.home
        self.archive = Archive(home)
        self.queue = SQLiteJobQueue(home / "queue.db")
        self.areas = WorkAreas(home / "work" / "processing", home / "work" / "quarantine")
        self._index: SearchBackend | None = None
        self._index_lock = threading.Lock()
        self.limits = Limits(
            max_file_mb=settings.ingest.max_file_mb,
            max_pages=settings.ingest.max_pages,
            max_image_mpixels=settings.ingest.max_image_mpixels,
        )

    # -- set-up ------------------------------------------------------------------------------

    def open(self) -> Service:
        self.archive.open()
        self.queue.create()
        self.areas.create()
        return self

    @property
    def index(self) -> SearchBackend:
        with self._index_lock:
            if self._index is None:
                backend = open_backend(self.settings.search.backend,
                                       self.settings.home / "index")
                if backend.needs_rebuild():
                    # New home, schema or backend changed, or the index was deleted: the index
                    # is a cache, rebuilt from the store before anyone searches it.
                    log.warning("index.rebuild", reason="schema_or_backend")
                    backend.rebuild(self._index_documents())
                self._index = backend
            return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        self.archive.catalog.close()
        self.archive.vault_catalog.close()

    def tessdata_dir(self) -> Path | None:
        """Settings first, then a model in the home, then the one `make` installed."""
        if self.settings.ocr.tessdata_dir:
            return Path(self.settings.ocr.tessdata_dir)
        local = self.settings.home / "tessdata"
        if (local / "vie.traineddata").exists():
            return local
        from ocr.models import installed_dir

        return installed_dir()

    def check_environment(self) -> None:
        problems = ocr.check_environment(self.settings.ocr.languages, self.tessdata_dir())
        if problems:
            raise SettingsError("cannot process documents: " + "; ".join(problems))

    def recover(self) -> int:
        """Start-up: re-queue interrupted jobs and make the index agree with the catalog."""
        self.check_environment()
        requeued = self.queue.recover() + recover_processing(self.areas, self.queue)
        self.reconcile_index()
        if requeued:
            log.warning("recovery.requeued", jobs=requeued)
        return requeued

    def reconcile_index(self) -> tuple[int, int]:
        open_ids = set(self.archive.catalog.doc_ids())
        indexed = self.index.doc_ids()
        missing = sorted(open_ids - indexed)
        extra = sorted(indexed - open_ids)
        if extra:
            self.index.delete(extra)
        if missing:
            self.index.add([self.index_document(self.archive.get_open(d)) for d in missing])
        return len(missing), len(extra)

    def index_document(self, row: DocumentRow) -> IndexDocument:
        return index_entry(row, self.archive.open_record(row))

    def vault_index(self, unlocked: UnlockedVault) -> SearchBackend:
        """The vault's own index: built in this process's memory from the encrypted records of
        the processed vault documents (held ones have no text yet), never written anywhere."""
        backend = open_memory_backend()
        backend.rebuild(
            index_entry(row, json.loads(unlocked.read(row.record_object)))
            for row in self.archive.vault_catalog.documents()
            if row.status == Status.CLASSIFIED.value
        )
        return backend

    def _index_documents(self) -> Iterator[IndexDocument]:
        for doc_id in self.archive.catalog.doc_ids():
            yield self.index_document(self.archive.get_open(doc_id))

    def rebuild_index(self, purge: bool = False) -> int:
        """Rebuild the open index from the store. `purge` also deletes every earlier index
        directory at once (after a document left the open archive)."""
        with self._index_lock:
            if self._index is None:  # not through `index`: it could rebuild a first time
                self._index = open_backend(self.settings.search.backend,
                                           self.settings.home / "index")
            backend = self._index
        count = len(self.archive.catalog.doc_ids())
        backend.rebuild(self._index_documents(), purge=purge)
        return count

    # -- intake ------------------------------------------------------------------------------

    def submit(self, path: Path, *, move: bool, source_label: str | None = None) -> Job:
        return claim(path, self.areas, self.queue, move=move,
                     source_label=source_label or str(path))

    def retry_quarantined(self, qid: str, actor: str = "system") -> Job:
        """Send a quarantined file through the pipeline again (after a fix to the service).

        The row shows "retrying" until the job ends: "retried" when it is archived, back to
        "quarantined" (with the new reason) when it fails again."""
        row = self.archive.catalog.get_quarantine(qid)
        job = self.queue.get(qid)
        if row is None or job is None or row.state != "quarantined":
            raise NotFoundError(f"no quarantined file {qid}")
        if Path(job.path) != self.areas.processing / job.job_id / "original":
            raise NotFoundError(f"the job of quarantined file {qid} belongs to another home")
        restore_from_quarantine(job, self.areas)
        self.archive.log.append("quarantine_retry", doc_id=qid, actor=actor,
                                reason_code=row.reason_code, sha256=row.sha256)
        self.archive.catalog.set_quarantine_state(qid, "retrying")
        self.queue.requeue(qid)
        requeued = self.queue.get(qid)
        assert requeued is not None
        return requeued

    def discard_quarantined(self, qid: str, actor: str = "system") -> None:
        """Delete a quarantined file for good; its hash, size and the decision stay in the log."""
        row = self.archive.catalog.get_quarantine(qid)
        job = self.queue.get(qid)
        if row is None or job is None or row.state != "quarantined":
            raise NotFoundError(f"no quarantined file {qid}")
        self.archive.log.append("quarantine_discard", doc_id=qid, actor=actor,
                                reason_code=row.reason_code, sha256=row.sha256, size=row.size)
        self.archive.catalog.set_quarantine_state(qid, "discarded")
        discard_quarantined(job, self.areas)

    # -- processing --------------------------------------------------------------------------

    def _workdir(self, job: Job) -> AbstractContextManager[Path]:
        return self._workdir_for(job.job_id)

    def _ocr_request(self, workdir: Path, jobs: int) -> ocr.OcrRequest:
        return ocr.OcrRequest(
            workdir=workdir,
            settings=self.settings.ocr,
            tessdata_dir=self.tessdata_dir(),
            max_image_mpixels=self.settings.ingest.max_image_mpixels,
            jobs=jobs,
        )

    def process(self, job: Job, ocr_jobs: int = 1) -> Outcome:
        outcome = self._process(job, ocr_jobs)
        if outcome.status not in ("queued", Status.QUARANTINED.value):
            row = self.archive.catalog.get_quarantine(job.job_id)
            if row is not None and row.state == "retrying":
                self.archive.catalog.set_quarantine_state(job.job_id, "retried")
        return outcome

    def _process(self, job: Job, ocr_jobs: int) -> Outcome:
        started = time.monotonic()
        crash_point("claimed")
        finished = self._finish_if_committed(job)
        if finished is not None:
            return finished
        if not Path(job.path).exists():
            return self._resume_without_original(job)
        self._drop_uncommitted(job)
        existing = self.archive.find_sha(job.sha256)
        if existing is not None and existing.doc_id != job.doc_id:
            return self._duplicate(job, existing)
        try:
            validated = validate(Path(job.path), self.limits)
            crash_point("validated")
            with self._workdir(job) as workdir:
                return self._process_valid(job, validated, workdir, started, ocr_jobs)
        except InputRejected as exc:
            if exc.transient and job.attempts < self.settings.ingest.max_attempts:
                delay = self.settings.ingest.retry_backoff_s * (2 ** (job.attempts - 1))
                self.queue.retry_later(job.job_id, f"{exc.code}: {exc.reason}", delay)
                log.warning("job.retry", job=job.job_id, reason_code=exc.code, delay_s=delay)
                return Outcome(job.source, "queued", "", job.sha256, "", exc.reason, exc.code,
                               job.job_id)
            return self._quarantine(job, exc.code, exc.reason)

    def _process_valid(self, job: Job, validated: ValidatedInput, workdir: Path,
                       started: float, ocr_jobs: int) -> Outcome:
        req = self._ocr_request(workdir, ocr_jobs)
        read = self._read(Path(job.path), validated, req)
        if read.held:
            return self._hold(job, validated, read.verdict.evidence, read.page_count, started)
        doc = NewDocument(
            doc_id=job.doc_id, job_id=job.job_id, original_path=Path(job.path),
            original_name=job.original_name, sha256=job.sha256, size=job.size,
            kind=validated.kind, received_at=utc_iso(job.created_at),
            classification=read.verdict, pages=read.pages, signed_pdf=read.signed_pdf,
            signature=read.signature, ocr_engine=read.engine,
            processing_seconds=time.monotonic() - started,
            ocr_confidence=_mean_confidence(read.pages) if read.signed_pdf else None,
            review_reasons=read.review_reasons,
            extra={"repaired": validated.repaired} if read.signed_pdf else {},
        )
        if read.verdict.secrecy.is_classified:
            return self._commit_classified(job, doc, Status.CLASSIFIED, started)
        return self._commit_open(job, doc, started)

    def _read(self, original: Path, validated: ValidatedInput, req: ocr.OcrRequest, *,
              hold: bool = True) -> _Read:
        """OCR, classify and sign one original inside the request's RAM work directory.

        `hold`: a TUYỆT MẬT stamp or text stops here, before full OCR (`held`). An officer's
        decision to process a held document reads it with `hold=False`."""
        if validated.signed:
            return self._read_signed(original, req, hold)
        workdir = req.workdir
        prepared = ocr.prepare(original, validated.kind, req)
        page_count, images = ocr.render_pages(prepared, [1], req, last=True)
        level, image_evidence = classification.precheck(images, self.tessdata_dir())
        if hold and level is Secrecy.TUYET_MAT:
            return _Read.held_at(image_evidence, page_count)
        result = ocr.recognise(prepared, page_count, images, req)
        crash_point("ocr_done")
        verdict = classification.classify(
            images, result.pages, review_below=self.settings.classification.review_below,
            image_evidence_found=image_evidence, tessdata_dir=self.tessdata_dir(),
        )
        crash_point("classified")
        if hold and verdict.secrecy is Secrecy.TUYET_MAT:
            return _Read.held_at(verdict.evidence, page_count)
        review_reasons = self._review_reasons(result, verdict)
        signed = workdir / "signed.pdf"
        signature = self.archive.sign(result.archival_pdf, signed, self.settings.archive.tsa_url,
                                      level=self.settings.archive.pades_level)
        if not signature.ok:
            raise InputRejected("sign_failed", f"signing failed ({signature.status})",
                                transient=True)
        # A signed copy that fails the PDF/A-2b preflight never enters the archive; the original
        # goes to quarantine with the reasons (docs/audit.md).
        failures = self.archive.preflight(signed)
        if failures:
            raise InputRejected("preflight_failed", "PDF/A-2b preflight: " + "; ".join(failures))
        crash_point("signed")
        return _Read(verdict, result.pages, page_count, signed, signature, result.engine,
                     review_reasons)

    def _review_reasons(self, result: OcrResult, verdict: Classification) -> tuple[str, ...]:
        reasons = []
        low = result.low_confidence_pages(self.settings.ocr.review_confidence)
        if low:
            reasons.append("low_ocr_confidence:" + ",".join(map(str, low)))
        if verdict.review:
            reasons.append("secrecy_uncertain")
        if not any(p.text.strip() for p in result.pages):
            reasons.append("no_text")
        return tuple(reasons)

    def _read_signed(self, original: Path, req: ocr.OcrRequest, hold: bool) -> _Read:
        """A digitally signed PDF: archived byte-exact; its own signature is checked."""
        signature = check_pdf_signatures(original.read_bytes(), None)
        page_count, images = ocr.render_pages(original, [1], req, last=True)
        level, image_evidence = classification.precheck(images, self.tessdata_dir())
        pages = ocr.text_of_born_digital(original, page_count)
        verdict = classification.classify(
            images, pages, review_below=self.settings.classification.review_below,
            image_evidence_found=image_evidence, tessdata_dir=self.tessdata_dir(),
        )
        if hold and verdict.secrecy is Secrecy.TUYET_MAT:
            return _Read.held_at(verdict.evidence, page_count)
        reasons = []
        if not signature.ok:
            reasons.append(f"input_signature_{signature.status}")
        if not any(p.text.strip() for p in pages):
            reasons.append("no_text")
        if verdict.review:
            reasons.append("secrecy_uncertain")
        return _Read(verdict, pages, page_count, None, signature,
                     "text layer of a signed PDF (kept byte-exact)", tuple(reasons))

    def _commit_open(self, job: Job, doc: NewDocument, started: float) -> Outcome:
        staged = self.archive.stage_open(doc)
        self.queue.set_pending_objects(job.job_id, staged.hashes(doc.sha256))
        crash_point("intent")
        try:
            row = self.archive.commit_open(doc, staged)
        except sqlite3.IntegrityError:
            # Another worker archived the same bytes a moment ago.
            existing = self.archive.find_sha(job.sha256)
            if existing is None:
                raise
            self._drop_uncommitted(job)
            return self._duplicate(job, existing)
        crash_point("log_written")
        self.index.add([self.index_document(row)])
        crash_point("indexed")
        release(job, self.areas)
        crash_point("released")
        outcome = Outcome(job.source, Status.ARCHIVED.value, row.doc_id, job.sha256,
                          Secrecy.NONE.value, "", "", job.job_id, row.pages,
                          round(time.monotonic() - started, 3), row.review)
        self._finish_job(outcome, row.pages)
        log.info("job.archived", job=job.job_id, doc=row.doc_id, source=job.source,
                 pages=row.pages, seconds=outcome.seconds, review=row.review)
        return outcome

    def _commit_classified(self, job: Job, doc: NewDocument, status: Status,
                           started: float) -> Outcome:
        staged = self.archive.stage_vault(doc, status)
        self.queue.set_pending_objects(job.job_id, staged.hashes())
        crash_point("intent")
        row = self.archive.commit_vault(doc, staged)
        crash_point("log_written")
        self._register_scan(row)
        wipe_and_release(job, self.areas)
        outcome = Outcome(job.source, status.value, row.doc_id, job.sha256, row.secrecy,
                          "classified document: kept encrypted in the vault", "classified",
                          job.job_id, row.pages, round(time.monotonic() - started, 3), True)
        self._finish_job(outcome, row.pages, classified=True)
        log.info("job.vaulted", job=job.job_id, doc=row.doc_id, level=row.secrecy,
                 status=status.value)
        return outcome

    def _finish_job(self, outcome: Outcome, pages: int, classified: bool = False) -> None:
        """Record the job's result; a classified job's file name is kept nowhere (a name can
        itself be secret): the caller still gets its own path back in the outcome."""
        stored = replace(outcome, source="") if classified else outcome
        self.queue.finish(outcome.job_id, outcome.status, json.dumps(stored.to_json()), pages,
                          forget_names=classified)

    def _register_scan(self, row: DocumentRow) -> None:
        """Scanning a classified document made copy 01 of it (the one in the vault): a line of
        the copy register with the authorisation and who scanned (once, also after a crash)."""
        register = self.archive.vault_catalog
        if any(c.kind == "scan" for c in register.copies(row.doc_id)):
            return
        register.issue_copies(row.doc_id, 1, kind="scan", state="made",
                              made_by=self.settings.vault.scanned_by or "-",
                              made_at=row.received_at,
                              authorisation=self.settings.vault.scan_authorisation,
                              reference=row.job_id)

    def _hold(self, job: Job, validated: ValidatedInput, evidence: tuple[Evidence, ...],
              page_count: int, started: float) -> Outcome:
        verdict = Classification(Secrecy.TUYET_MAT, 1.0, True, tuple(evidence),
                                 DocumentMetadata(page_count=page_count), Secrecy.TUYET_MAT)
        doc = NewDocument(
            doc_id=job.doc_id, job_id=job.job_id, original_path=Path(job.path),
            original_name=job.original_name, sha256=job.sha256, size=job.size,
            kind=validated.kind, received_at=utc_iso(job.created_at), classification=verdict,
            pages=tuple(PageText(n, "", None, False) for n in range(1, page_count + 1)),
            signed_pdf=None, signature=check_pdf_signatures(b"", None),
            processing_seconds=time.monotonic() - started,
        )
        outcome = self._commit_classified(job, doc, Status.HELD, started)
        return replace(outcome, reason="TUYỆT MẬT: held encrypted for an officer's decision",
                       reason_code="held")

    def _duplicate(self, job: Job, existing: DocumentRow) -> Outcome:
        self.archive.record_duplicate(job.sha256, existing, job.original_name, job.job_id)
        release(job, self.areas)
        secrecy = existing.secrecy
        shown_id = existing.doc_id
        outcome = Outcome(job.source, Status.DUPLICATE.value, shown_id, job.sha256, secrecy,
                          f"identical to document {shown_id}", "duplicate", job.job_id)
        self._finish_job(outcome, 0, classified=existing.zone != "open")
        log.info("job.duplicate", job=job.job_id, of=shown_id)
        return outcome

    def _quarantine(self, job: Job, code: str, reason: str) -> Outcome:
        quarantine_file(job, self.areas, code, reason)
        self.archive.record_quarantine(QuarantineRow(
            qid=job.job_id, source_name=job.original_name, sha256=job.sha256, size=job.size,
            reason_code=code, reason=reason, at=utc_iso(), state="quarantined",
            job_id=job.job_id,
        ))
        outcome = Outcome(job.source, Status.QUARANTINED.value, "", job.sha256, "", reason, code,
                          job.job_id)
        self.queue.finish(job.job_id, outcome.status, json.dumps(outcome.to_json()))
        log.warning("job.quarantined", job=job.job_id, reason_code=code, reason=reason)
        return outcome

    def _finish_if_committed(self, job: Job) -> Outcome | None:
        """A crash after the catalog write: complete log, index and release; do not redo."""
        row = self.archive.get(job.doc_id)
        if row is None:
            return None
        if row.zone == "open":
            if self.archive.log.seq_of("archive", row.doc_id) is None:
                self.archive.log.append("archive", doc_id=row.doc_id, zone="open",
                                        sha256=row.sha256, archival_sha256=row.archival_object,
                                        record_sha256=row.record_object,
                                        signature=row.signature_status, pages=row.pages)
            self.index.add([self.index_document(row)])
            release(job, self.areas)
        else:
            event = "hold" if row.status == Status.HELD.value else "vault"
            if self.archive.log.seq_of(event, row.doc_id) is None:
                self.archive.log.append(event, doc_id=row.doc_id, zone="vault",
                                        level=row.secrecy, sha256=row.sha256)
            self._register_scan(row)
            wipe_and_release(job, self.areas)
        outcome = Outcome(job.source, row.status, row.doc_id, job.sha256, row.secrecy, "", "",
                          job.job_id, row.pages, 0.0, row.review)
        self._finish_job(outcome, row.pages, classified=row.zone != "open")
        log.info("job.completed_after_restart", job=job.job_id, doc=row.doc_id)
        return outcome

    def _resume_without_original(self, job: Job) -> Outcome:
        """The claimed file is gone from processing: a crash came after it was quarantined or
        after a duplicate was released. Finish the bookkeeping; never invent a result."""
        quarantined = self.areas.quarantine / job.job_id / "original"
        if quarantined.exists():
            reason_file = quarantined.parent / "reason.json"
            try:
                info = json.loads(reason_file.read_text(encoding="utf-8"))
                code, reason = str(info["reason_code"]), str(info["reason"])
            except (OSError, ValueError, KeyError):
                code, reason = "internal_error", "quarantined (reason lost in a crash)"
            return self._quarantine(job, code, reason)
        existing = self.archive.find_sha(job.sha256)
        if existing is not None:
            return self._duplicate(job, existing)
        log.error("job.original_missing", job=job.job_id)
        outcome = Outcome(job.source, Status.QUARANTINED.value, "", job.sha256, "",
                          "the claimed file disappeared from the processing area",
                          "missing", job.job_id)
        self.queue.finish(job.job_id, outcome.status, json.dumps(outcome.to_json()))
        return outcome

    def _drop_uncommitted(self, job: Job) -> None:
        """Objects an interrupted run wrote but never committed (docs/store.md §4)."""
        if not job.pending_objects:
            return
        referenced_open = self.archive.catalog.referenced_objects()
        referenced_vault = self.archive.vault_catalog.referenced_objects()
        for sha in job.pending_objects:
            if sha not in referenced_open:
                self.archive.store.remove_uncommitted(sha)
            if sha not in referenced_vault:
                self.archive.vault.store.remove_uncommitted(sha)
        self.queue.set_pending_objects(job.job_id, [])

    # -- an officer's decisions on vault documents (archive/decisions.py) ----------------------

    def keep_held(self, doc_id: str, unlocked: UnlockedVault, *, actor: str,
                  reference: str) -> DocumentRow:
        """Process a held TUYỆT MẬT document (in RAM) and keep it in the vault at its level."""
        from archive import decisions

        row = self._vault_row(doc_id)
        if row.status != Status.HELD.value:
            raise SettingsError(f"{doc_id} is not held for a decision")
        with self._workdir_for(doc_id) as workdir:
            doc = self._reread(row, unlocked, workdir, Secrecy(row.secrecy))
            updated = decisions.keep(self.archive, row, doc, actor=actor, reference=reference)
        log.info("vault.kept", doc=doc_id, level=row.secrecy)
        return updated

    def declassify(self, doc_id: str, unlocked: UnlockedVault, *, actor: str, reference: str,
                   date: str) -> DocumentRow:
        """GIẢI MẬT: the document leaves the vault for the open archive and index."""
        from archive import decisions
        from archive.archive import document_record

        if decisions.finish_interrupted_declassify(self.archive, doc_id):
            stored = self.archive.get_open(doc_id)
            self.index.add([self.index_document(stored)])
            return stored
        row = self._vault_row(doc_id)
        with self._workdir_for(doc_id) as workdir:
            original = workdir / "original"
            with open(original, "wb") as fh:
                unlocked.decrypt_to(row.original_object, fh)
            archival: Path | None = None
            if row.status == Status.HELD.value:
                doc = self._reread(row, unlocked, workdir, Secrecy.NONE, original=original)
                record = document_record(doc, "", utc_iso())
                archival = doc.signed_pdf
            else:
                record = json.loads(unlocked.read(row.record_object))
                if row.archival_object and row.archival_object != row.original_object:
                    archival = workdir / "archival.pdf"
                    with open(archival, "wb") as fh:
                        unlocked.decrypt_to(row.archival_object, fh)
            stored = decisions.declassify(
                self.archive, unlocked, row, original=original, archival=archival,
                record=record, actor=actor, reference=reference, date=date,
                index_add=lambda r: self.index.add([self.index_document(r)]))
        log.info("vault.declassified", doc=doc_id, level_before=row.secrecy)
        return stored

    def _vault_row(self, doc_id: str) -> DocumentRow:
        row = self.archive.vault_catalog.get(doc_id)
        if row is None:
            raise NotFoundError(f"no classified document {doc_id}")
        return row

    @contextmanager
    def _workdir_for(self, doc_id: str) -> Iterator[Path]:
        base = Path(self.settings.ocr.ram_tmp_dir)
        if not (base.is_dir() and os.access(base, os.W_OK)):
            base = self.settings.home / "work" / "tmp"
            base.mkdir(parents=True, exist_ok=True)
            log.warning("workdir.not_in_ram", path=str(base))
        path = Path(tempfile.mkdtemp(prefix=f"sohoa-{doc_id[:8]}-", dir=base))
        os.chmod(path, 0o700)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def _reread(self, row: DocumentRow, unlocked: UnlockedVault, workdir: Path,
                level: Secrecy, original: Path | None = None) -> NewDocument:
        """A held document, decrypted into RAM and processed in full (no hold this time); the
        level is the officer's decision, the evidence stays as read."""
        if original is None:
            original = workdir / "original"
            with open(original, "wb") as fh:
                unlocked.decrypt_to(row.original_object, fh)
        held = json.loads(unlocked.read(row.record_object))
        started = time.monotonic()
        validated = validate(original, self.limits)
        read = self._read(original, validated, self._ocr_request(workdir, os.cpu_count() or 1),
                          hold=False)
        verdict = replace(read.verdict, secrecy=level)
        return NewDocument(
            doc_id=row.doc_id, job_id=row.job_id, original_path=original,
            original_name=str(held.get("original", {}).get("name", "")), sha256=row.sha256,
            size=row.size, kind=validated.kind, received_at=row.received_at,
            classification=verdict, pages=read.pages, signed_pdf=read.signed_pdf,
            signature=read.signature, ocr_engine=read.engine,
            processing_seconds=time.monotonic() - started,
            ocr_confidence=_mean_confidence(read.pages) if read.signed_pdf else None,
            review_reasons=read.review_reasons,
        )

    # -- running -----------------------------------------------------------------------------

    def run_workers(self, *, workers: int | None = None, until_empty: bool = True,
                    stop: threading.Event | None = None,
                    on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        n = workers or self.settings.worker_count
        cores = os.cpu_count() or 1
        ocr_jobs = max(1, cores // n)
        outcomes: list[Outcome] = []
        lock = threading.Lock()
        stop = stop or threading.Event()

        def worker() -> None:
            while not stop.is_set():
                job = self.queue.claim_next()
                if job is None:
                    if until_empty and not self._queue_busy():
                        return
                    stop.wait(0.5)
                    continue
                try:
                    outcome = self.process(job, ocr_jobs=ocr_jobs)
                except SohoaError as exc:
                    log.error("job.failed", job=job.job_id, error=type(exc).__name__,
                              message=str(exc))
                    self.queue.retry_later(job.job_id, str(exc),
                                           self.settings.ingest.retry_backoff_s)
                    outcome = Outcome(job.source, "queued", "", job.sha256, "", str(exc),
                                      "error", job.job_id)
                except Exception as exc:  # one bad file never stops the workers
                    log.error("job.crashed", exc_info=True, job=job.job_id,
                              error=type(exc).__name__)
                    if job.attempts >= self.settings.ingest.max_attempts:
                        outcome = self._quarantine(
                            job, "internal_error",
                            f"unexpected error ({type(exc).__name__}); see the service log",
                        )
                    else:
                        self.queue.retry_later(job.job_id, type(exc).__name__,
                                               self.settings.ingest.retry_backoff_s)
                        outcome = Outcome(job.source, "queued", "", job.sha256, "",
                                          type(exc).__name__, "error", job.job_id)
                with lock:
                    outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)

        threads = [threading.Thread(target=worker, name=f"worker-{i}", daemon=True)
                   for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if outcomes:
            self.archive.sign_tree_head()
        return outcomes

    def _queue_busy(self) -> bool:
        """Jobs still running or waiting for a retry: an `until_empty` run waits for them."""
        counts = self.queue.counts()
        return counts.get(JobState.PROCESSING.value, 0) > 0 or bool(
            self.queue.jobs(JobState.QUEUED, limit=1)
        )


@dataclass(frozen=True)
class _Read:
    """What OCR, classification and signing made of one original (files in the RAM work dir)."""

    verdict: Classification
    pages: tuple[PageText, ...]
    page_count: int
    signed_pdf: Path | None  # None: a signed input, its own archival copy (or held)
    signature: SignatureCheck
    engine: str = ""
    review_reasons: tuple[str, ...] = ()
    held: bool = False  # TUYỆT MẬT found: stopped before full processing

    @classmethod
    def held_at(cls, evidence: tuple[Evidence, ...], page_count: int) -> _Read:
        verdict = Classification(Secrecy.TUYET_MAT, 1.0, True, tuple(evidence),
                                 DocumentMetadata(page_count=page_count), Secrecy.TUYET_MAT)
        return cls(verdict, (), page_count, None, check_pdf_signatures(b"", None), held=True)


def index_entry(row: DocumentRow, record: dict[str, Any]) -> IndexDocument:
    """What a search index holds of one document, from its record."""
    m = record.get("metadata", {})
    text = "\n".join(p.get("text", "") for p in record.get("pages", []))
    return IndexDocument(
        doc_id=row.doc_id,
        title=document_title(m, row.original_name),
        text=text,
        number_symbol=m.get("number_symbol", ""),
        doc_type=m.get("doc_type", ""),
        date=m.get("date", ""),
        issuing_body=m.get("issuing_body", ""),
        signer=m.get("signer", ""),
        file_code=m.get("file_code", ""),
        abstract=m.get("abstract", ""),
    )


def _mean_confidence(pages: tuple[PageText, ...]) -> float | None:
    values = [p.confidence for p in pages if p.confidence is not None and not p.blank]
    return round(sum(values) / len(values), 1) if values else None


def document_title(metadata: dict[str, object], fallback: str) -> str:
    label = str(metadata.get("doc_type_label") or "")
    number = str(metadata.get("number_symbol") or "")
    abstract = str(metadata.get("abstract") or "")
    parts = [p for p in (label.capitalize() if label else "", number) if p]
    head = " ".join(parts)
    if abstract:
        head = f"{head}: {abstract}" if head else abstract
    return head or fallback
