"""The archive facade: keeps documents (store or vault, catalog, event log) and proves them.

Write order per document (docs/store.md §4): objects (fsync, rename, verify) -> catalog -> log.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive.catalog import Catalog, DocumentRow, QuarantineRow
from archive.eventlog import EventLog, TreeHead
from archive.signing import SignatureCheck, SigningIdentity, check_pdf_signatures
from archive.store import ObjectStore
from archive.vault import Vault
from sohoa.errors import NotFoundError, NotInitialisedError
from sohoa.faults import crash_point
from sohoa.records import Classification, InputKind, PageText, Secrecy, Status

HOME_FORMAT = "sohoa-home 1"
RECORD_FORMAT = "sohoa-record 1"


def utc_iso(t: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t if t is not None else time.time()))


@dataclass(frozen=True)
class NewDocument:
    """Everything the archive needs to keep one processed document."""

    doc_id: str
    job_id: str
    original_path: Path
    original_name: str
    sha256: str
    size: int
    kind: InputKind
    received_at: str
    classification: Classification
    pages: tuple[PageText, ...]
    signed_pdf: Path | None  # None: the original is its own archival copy (signed input)
    signature: SignatureCheck
    ocr_engine: str = ""
    processing_seconds: float = 0.0
    ocr_confidence: float | None = None
    review_reasons: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StagedOpen:
    archival_sha: str
    archived_at: str
    record_bytes: bytes
    record_sha: str
    review: bool

    def hashes(self, original_sha: str) -> list[str]:
        return [original_sha, self.archival_sha, self.record_sha]


@dataclass(frozen=True)
class StagedVault:
    status: Status
    original: tuple[Path, str]  # staged ciphertext file, its hash
    archival: tuple[Path, str] | None
    record: tuple[Path, str]
    archival_sha: str
    archived_at: str

    def hashes(self) -> list[str]:
        out = [self.original[1], self.record[1]]
        if self.archival is not None:
            out.append(self.archival[1])
        return out


def document_record(doc: NewDocument, archival_sha: str, archived_at: str,
                    version: int = 1) -> dict[str, Any]:
    c = doc.classification
    return {
        "format": RECORD_FORMAT,
        "doc_id": doc.doc_id,
        "version": version,
        "received_at": doc.received_at,
        "archived_at": archived_at,
        "original": {"sha256": doc.sha256, "size": doc.size, "name": doc.original_name,
                     "kind": doc.kind.value},
        "archival": {"sha256": archival_sha, "signature": doc.signature.to_json(),
                     "is_original": doc.signed_pdf is None},
        "secrecy": c.secrecy.value,
        "classification": {
            "confidence": c.confidence,
            "review": c.review or bool(doc.review_reasons),
            "review_reasons": list(doc.review_reasons),
            "detected": c.detected.value,
            "evidence": [
                {**asdict(e), "level": e.level.value,
                 "bbox": list(e.bbox) if e.bbox else None}
                for e in c.evidence
            ],
        },
        "metadata": metadata_json(c),
        "pages": [
            {"number": p.number, "text": p.text, "confidence": p.confidence,
             "ocr_done": p.ocr_done, "blank": p.blank, "rotated_cw": p.rotated_cw,
             "skew_deg": round(p.skew_deg, 2)}
            for p in doc.pages
        ],
        "ocr": {"engine": doc.ocr_engine, "confidence": doc.ocr_confidence},
        "processing_seconds": round(doc.processing_seconds, 3),
        **doc.extra,
    }


def metadata_json(c: Classification) -> dict[str, Any]:
    m = asdict(c.metadata)
    m["recipients"] = list(c.metadata.recipients)
    return m


class Archive:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.store = ObjectStore(home / "store")
        self.vault = Vault(home / "vault")
        self.catalog = Catalog(home / "catalog.db")
        self.vault_catalog = Catalog(home / "vault" / "catalog.db")
        self.log = EventLog(home / "log")
        self.identity = SigningIdentity(home / "keys")
        self.reports = home / "reports"

    # -- set-up ------------------------------------------------------------------------------

    def is_initialised(self) -> bool:
        return (self.home / "FORMAT").exists() and self.identity.exists() and self.vault.exists()

    def require(self) -> None:
        if not self.is_initialised():
            raise NotInitialisedError(
                f"{self.home} is not a sohoa home (or is incomplete): run `sohoa init`"
            )

    def create(self, organisation: str, vault_passphrase: str,
               pkcs12: tuple[bytes, bytes | None] | None = None) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.store.create()
        self.vault.create(vault_passphrase)
        self.catalog.create()
        self.vault_catalog.create()
        self.log.create()
        self.reports.mkdir(exist_ok=True)
        if pkcs12 is not None and not self.identity.exists():
            self.identity.import_pkcs12(*pkcs12)
        self.identity.generate(organisation)
        fmt = self.home / "FORMAT"
        if not fmt.exists():
            fmt.write_text(HOME_FORMAT + "\n", encoding="ascii")
        self.log.load()
        if self.log.size == 0:
            self.log.append("init", actor="system", format=HOME_FORMAT)
            self.sign_tree_head()

    def open(self, load_log: bool = True) -> None:
        """`load_log=False` for the audit, which must open a home whose log is damaged (it
        reads the log itself); anything that appends must load it, and refuses a broken one."""
        self.require()
        # Tables added by later versions (the copy register) appear on the next start.
        self.catalog.create()
        self.vault_catalog.create()
        self.store.clean_tmp()
        self.vault.store.clean_tmp()
        if load_log:
            self.log.load()

    # -- lookups -----------------------------------------------------------------------------

    def find_sha(self, sha256: str) -> DocumentRow | None:
        return self.catalog.by_sha256(sha256) or self.vault_catalog.by_sha256(sha256)

    def get(self, doc_id: str) -> DocumentRow | None:
        return self.catalog.get(doc_id) or self.vault_catalog.get(doc_id)

    def get_open(self, doc_id: str) -> DocumentRow:
        row = self.catalog.get(doc_id)
        if row is None or row.zone != "open":
            raise NotFoundError(f"no open document {doc_id}")
        return row

    def open_record(self, row: DocumentRow) -> dict[str, Any]:
        if row.zone != "open":
            raise NotFoundError(f"no open document {row.doc_id}")
        return json.loads(self.store.read_bytes(row.record_object))

    def referenced_open_objects(self) -> set[str]:
        return self.catalog.referenced_objects()

    # -- committing --------------------------------------------------------------------------

    def sign(self, source: Path, target: Path, tsa_url: str = "", level: str = "B-B"
             ) -> SignatureCheck:
        """Sign `source` into `target` (PAdES `level`, B-T at least when a TSA is configured)
        and check the result the way the audit will."""
        self.identity.sign_pdf(source, target, reason="Số hóa và lưu trữ (sohoa)",
                               location="Việt Nam", tsa_url=tsa_url, level=level)
        return self.check_signature(target.read_bytes())

    def check_signature(self, data: bytes) -> SignatureCheck:
        """Acceptance of an archival copy signed by this organisation (docs/audit.md)."""
        return check_pdf_signatures(data, self.identity.trust_roots(), self.identity.tsa_roots())

    def stage_open(self, doc: NewDocument) -> StagedOpen:
        """Everything `commit_open` will write, with its hashes, before anything is written:
        the hashes are recorded as intent first (docs/store.md §4)."""
        from archive.store import sha256_file

        archival_sha = sha256_file(doc.signed_pdf) if doc.signed_pdf is not None else doc.sha256
        archived_at = utc_iso()
        record = document_record(doc, archival_sha, archived_at)
        record_bytes = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode()
        return StagedOpen(archival_sha, archived_at, record_bytes,
                          hashlib.sha256(record_bytes).hexdigest(),
                          bool(record["classification"]["review"]))

    def commit_open(self, doc: NewDocument, staged: StagedOpen | None = None) -> DocumentRow:
        """Write a staged open document (staging here when the caller needs no intent record)."""
        staged = staged or self.stage_open(doc)
        self.store.put_file(doc.original_path, expected_sha256=doc.sha256)
        if doc.signed_pdf is not None:
            self.store.put_file(doc.signed_pdf, expected_sha256=staged.archival_sha)
        self.store.put_bytes(staged.record_bytes)
        crash_point("objects_written")
        c = doc.classification
        row = DocumentRow(
            doc_id=doc.doc_id,
            zone="open",
            status=Status.ARCHIVED.value,
            secrecy=Secrecy.NONE.value,
            sha256=doc.sha256,
            size=doc.size,
            original_name=doc.original_name,
            received_at=doc.received_at,
            archived_at=staged.archived_at,
            original_object=doc.sha256,
            archival_object=staged.archival_sha,
            record_object=staged.record_sha,
            pages=len(doc.pages),
            review=staged.review,
            metadata=metadata_json(c),
            classification={"confidence": c.confidence, "detected": c.detected.value,
                             "review_reasons": list(doc.review_reasons)},
            signature_status=doc.signature.status,
            ocr_confidence=doc.ocr_confidence,
            processing_seconds=round(doc.processing_seconds, 3),
            job_id=doc.job_id,
        )
        self.catalog.add_document(row)
        crash_point("catalog_written")
        stored = self.catalog.get(doc.doc_id)
        assert stored is not None
        self.log.append(
            "archive", doc_id=doc.doc_id, zone="open", sha256=doc.sha256,
            archival_sha256=stored.archival_object, record_sha256=stored.record_object,
            signature=doc.signature.status, pages=len(doc.pages),
        )
        return stored

    def stage_vault(self, doc: NewDocument, status: Status) -> StagedVault:
        """Encrypt everything of a classified document into the vault's tmp/ (not committed)."""
        original = self.vault.stage_file(doc.original_path)
        archival = None
        if status is Status.CLASSIFIED and doc.signed_pdf is not None:
            archival = self.vault.stage_file(doc.signed_pdf)
        archival_sha = archival[1] if archival else (
            original[1] if status is Status.CLASSIFIED else "")
        archived_at = utc_iso()
        record = document_record(doc, archival_sha, archived_at)
        record["status"] = status.value
        record_staged = self.vault.stage_bytes(
            json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        )
        return StagedVault(status, original, archival, record_staged, archival_sha, archived_at)

    def commit_vault(self, doc: NewDocument, staged: StagedVault) -> DocumentRow:
        """Commit staged ciphertexts, then a stub-only catalog row, then the event."""
        status = staged.status
        original_obj = self.vault.commit_staged(*staged.original)
        if staged.archival is not None:
            self.vault.commit_staged(*staged.archival)
        record_obj = self.vault.commit_staged(*staged.record)
        crash_point("vault_objects_written")
        c = doc.classification
        row = DocumentRow(
            doc_id=doc.doc_id,
            zone="vault",
            status=status.value,
            secrecy=c.secrecy.value,
            sha256=doc.sha256,
            size=doc.size,
            original_name="",  # a file name can itself be sensitive
            received_at=doc.received_at,
            archived_at=staged.archived_at,
            original_object=original_obj,
            archival_object=staged.archival_sha,
            record_object=record_obj,
            pages=len(doc.pages),
            review=True,  # an officer confirms every classified decision
            signature_status=doc.signature.status if status is Status.CLASSIFIED else "",
            processing_seconds=round(doc.processing_seconds, 3),
            job_id=doc.job_id,
        )
        self.vault_catalog.add_document(row)
        crash_point("vault_catalog_written")
        stored = self.vault_catalog.get(doc.doc_id)
        assert stored is not None
        self.log.append(
            "hold" if status is Status.HELD else "vault", doc_id=doc.doc_id, zone="vault",
            level=c.secrecy.value, sha256=doc.sha256,
        )
        return stored

    def record_duplicate(self, sha256: str, existing: DocumentRow, source_name: str,
                         job_id: str) -> None:
        name = source_name if existing.zone == "open" else ""
        self.catalog.add_duplicate(sha256, existing.doc_id, name, job_id, utc_iso())
        self.log.append("duplicate", doc_id=job_id, of=existing.doc_id, sha256=sha256)

    def record_quarantine(self, row: QuarantineRow) -> None:
        """Idempotent per quarantine of a job: a retried file quarantined again is logged again."""
        generation = self.log.count("quarantine_retry", row.job_id)
        self.catalog.add_quarantine(row)
        self.log.append("quarantine", doc_id=row.job_id, reason_code=row.reason_code,
                        sha256=row.sha256, once_key=f"{row.job_id}/{generation}")

    def sign_tree_head(self) -> TreeHead | None:
        return self.log.sign_head(self.identity.sign_bytes)

    def preflight(self, pdf: Path) -> list[str]:
        """PDF/A-2b preflight of a signed archival copy (archive/preflight.py); [] = passed."""
        from archive.preflight import preflight

        return preflight(pdf)

    def rotate_signing_key(self, organisation: str, actor: str = "system") -> int:
        """Issue a new signing certificate; earlier certificates stay in keys/ (docs/audit.md).

        The old key signs a last tree head first, so every event up to the rotation is covered
        by a head of the old key, and the rotation itself is an event under the new key.
        """
        from archive.proofcheck import fingerprint

        self.log.load()
        self.sign_tree_head()
        old_key = self.identity.key_id()
        number = self.identity.rotate(organisation)
        cert = self.identity.chain(number)[0]
        self.log.append("key_rotate", actor=actor, number=number, old_key_id=old_key,
                        key_id=self.identity.key_id(), certificate_sha256=fingerprint(cert),
                        not_after=cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.sign_tree_head()
        return number
