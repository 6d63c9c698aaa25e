"""The review queue: a person confirms or corrects what classification decided.

A document is in the queue while its catalog row has `review` set (secrecy unsure, low OCR
confidence, no text, ...). Every action writes a new version of the document record (the store is
write-once: versions are new objects, the earlier ones stay committed through `keep_object`) and
one event in the log with who, when, and the values before and after.

- `confirm`: the decision stands; the review flag is cleared.
- `correct`, open document, metadata only: new record version with the corrected fields; the
  catalog row and the search index follow.
- `correct`, open document, secrecy raised to MẬT / TỐI MẬT / TUYỆT MẬT: the document leaves the
  open zone completely (docs/classification.md §5): its original, archival copy and record
  versions are encrypted into the vault, a vault catalog row is added, a `reclassify` event is
  logged (level before/after and the names of corrected fields, never their values: they are
  secret now), the open catalog row and the duplicate rows' file names are removed, the open
  index is rebuilt without it (deleting from a Whoosh segment leaves the stored text behind),
  and the plaintext objects are removed from the open store.
- Vault documents: `confirm` and a change of level inside the vault (catalog stub only; the
  encrypted record keeps the detected level). Declassification (vault -> open) is an officer's
  decision with a reference and a date, made with the vault unlocked: archive/decisions.py.

Events never carry document text: for open documents the metadata values before and after are
logged (they are not secret); for classified ones only field names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from archive.archive import Archive, utc_iso
from archive.catalog import DocumentRow
from sohoa.errors import NotFoundError, SettingsError
from sohoa.records import DocumentMetadata, Secrecy, Status

IndexUpdate = Callable[[DocumentRow], None]
IndexRebuild = Callable[[], Any]

_TUPLE_FIELDS = {"recipients", "addressees"}
_INT_FIELDS = {"copies", "page_count"}
EDITABLE = tuple(f.name for f in fields(DocumentMetadata))


@dataclass(frozen=True)
class ReviewItem:
    doc_id: str
    zone: str
    status: str
    secrecy: str
    received_at: str
    reasons: tuple[str, ...]
    confidence: float | None
    title: str  # open documents only: type, number and abstract; "" for the vault

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "zone": self.zone, "status": self.status,
                "secrecy": self.secrecy, "received_at": self.received_at,
                "reasons": list(self.reasons), "confidence": self.confidence,
                "title": self.title}


def review_queue(archive: Archive) -> list[ReviewItem]:
    out = []
    for row in archive.catalog.documents(review=True):
        m = row.metadata
        title = " ".join(x for x in (m.get("doc_type_label", ""), m.get("number_symbol", ""))
                         if x)
        if m.get("abstract"):
            title = f"{title}: {m['abstract']}" if title else str(m["abstract"])
        out.append(ReviewItem(row.doc_id, "open", row.status, row.secrecy, row.received_at,
                              tuple(row.classification.get("review_reasons", [])),
                              row.classification.get("confidence"), title or row.original_name))
    for row in archive.vault_catalog.documents(review=True):
        out.append(ReviewItem(row.doc_id, "vault", row.status, row.secrecy, row.received_at,
                              (), None, ""))
    return out


def parse_value(name: str, raw: str) -> Any:
    """A metadata value from the command line: lists as JSON or 'a | b', integers for counts."""
    if name not in EDITABLE:
        raise SettingsError(f"unknown metadata field {name!r}; fields: {', '.join(EDITABLE)}")
    if name in _TUPLE_FIELDS:
        text = raw.strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                raise SettingsError(f"{name}: not a JSON list") from None
            return [str(x) for x in items]
        return [x.strip() for x in text.split("|") if x.strip()]
    if name in _INT_FIELDS:
        if raw.strip() == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name}: not a whole number") from None
    return raw.strip()


def _row(archive: Archive, doc_id: str) -> DocumentRow:
    row = archive.get(doc_id)
    if row is None:
        raise NotFoundError(f"no document {doc_id}")
    return row


def _new_version(archive: Archive, row: DocumentRow, record: dict[str, Any], *, actor: str,
                 at: str, action: str, changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    new = json.loads(json.dumps(record))  # deep copy
    new["version"] = int(record.get("version", 1)) + 1
    new["previous_record"] = row.record_object
    cls = dict(new.get("classification", {}))
    cls["review"] = False
    cls["review_reasons"] = []
    cls["reviewed"] = {"by": actor, "at": at, "action": action}
    new["classification"] = cls
    history = list(new.get("corrections", []))
    if changes:
        history.append({"by": actor, "at": at, "changes": changes})
    new["corrections"] = history
    return new


def _put_open_record(archive: Archive, row: DocumentRow, record: dict[str, Any]) -> str:
    sha = archive.store.put_bytes(
        json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode())
    archive.catalog.keep_object(row.record_object)  # the earlier version stays committed
    return sha


def confirm(archive: Archive, doc_id: str, actor: str,
            index_update: IndexUpdate | None = None) -> DocumentRow:
    row = _row(archive, doc_id)
    at = utc_iso()
    if row.zone != "open":
        updated = replace(row, review=False)
        archive.vault_catalog.update_document(updated)
        archive.log.append("review_confirm", doc_id=doc_id, actor=actor, zone="vault",
                           level=row.secrecy)
        return updated
    record = archive.open_record(row)
    new = _new_version(archive, row, record, actor=actor, at=at, action="confirm", changes={})
    sha = _put_open_record(archive, row, new)
    cls = dict(row.classification)
    cls["review_reasons"] = []
    cls["reviewed"] = {"by": actor, "at": at, "action": "confirm"}
    updated = replace(row, record_object=sha, review=False, classification=cls)
    archive.catalog.update_document(updated)
    archive.log.append("review_confirm", doc_id=doc_id, actor=actor, zone="open",
                       level=row.secrecy, record_sha256=sha,
                       previous_record_sha256=row.record_object)
    if index_update is not None:
        index_update(updated)
    return updated


def correct(archive: Archive, doc_id: str, actor: str, *, secrecy: Secrecy | None = None,
            values: dict[str, Any] | None = None, index_update: IndexUpdate | None = None,
            index_rebuild: IndexRebuild | None = None) -> DocumentRow:
    """Apply a person's correction. Raising an open document's secrecy moves it to the vault."""
    values = dict(values or {})
    for name in values:
        if name not in EDITABLE:
            raise SettingsError(f"unknown metadata field {name!r}")
    row = _row(archive, doc_id)
    if row.zone != "open":
        return _correct_vault(archive, row, actor, secrecy, values)
    record = archive.open_record(row)
    before_meta = dict(record.get("metadata", {}))
    changes: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        if before_meta.get(name) != value:
            changes[name] = {"before": before_meta.get(name), "after": value}
    at = utc_iso()
    if secrecy is not None and secrecy.is_classified:
        return _move_to_vault(archive, row, record, secrecy, actor, at, values, changes,
                              index_rebuild)
    new = _new_version(archive, row, record, actor=actor, at=at, action="correct",
                       changes=changes)
    new["metadata"] = {**before_meta, **values}
    sha = _put_open_record(archive, row, new)
    cls = dict(row.classification)
    cls["review_reasons"] = []
    cls["reviewed"] = {"by": actor, "at": at, "action": "correct"}
    updated = replace(row, record_object=sha, review=False, classification=cls,
                      metadata={**row.metadata, **values})
    archive.catalog.update_document(updated)
    archive.log.append("review_correct", doc_id=doc_id, actor=actor, zone="open",
                       level=Secrecy.NONE.value, changes=changes, record_sha256=sha,
                       previous_record_sha256=row.record_object)
    if index_update is not None:
        index_update(updated)
    return updated


def _record_chain(archive: Archive, row: DocumentRow) -> list[str]:
    """Every version of an open document's record, newest first."""
    out: list[str] = []
    sha = row.record_object
    while sha and sha not in out and archive.store.exists(sha):
        out.append(sha)
        try:
            prev = json.loads(archive.store.read_bytes(sha)).get("previous_record", "")
        except ValueError:
            break
        sha = str(prev or "")
    return out


def _move_to_vault(archive: Archive, row: DocumentRow, record: dict[str, Any], level: Secrecy,
                   actor: str, at: str, values: dict[str, Any],
                   changes: dict[str, dict[str, Any]],
                   index_rebuild: IndexRebuild | None) -> DocumentRow:
    """Open -> vault, completely. Order: vault objects, vault row, log, index, open row, open
    objects; a crash in between leaves the document in the vault with its open copy still
    listed in the `reclassify` event, and running the same correction again finishes the job."""
    status = Status.HELD if level is Secrecy.TUYET_MAT else Status.CLASSIFIED
    original = archive.vault.put_file(archive.store.path_of(row.original_object))
    archival = original
    if row.archival_object and row.archival_object != row.original_object:
        archival = archive.vault.put_file(archive.store.path_of(row.archival_object))
    new = _new_version(archive, row, record, actor=actor, at=at, action="reclassify",
                       changes=changes)
    new["metadata"] = {**record.get("metadata", {}), **values}
    new["secrecy"] = level.value
    new["status"] = status.value
    new["reclassified"] = {"by": actor, "at": at, "from": row.secrecy, "to": level.value}
    vault_record = archive.vault.put_bytes(
        json.dumps(new, ensure_ascii=False, sort_keys=True).encode())
    vrow = DocumentRow(
        doc_id=row.doc_id, zone="vault", status=status.value, secrecy=level.value,
        sha256=row.sha256, size=row.size, original_name="", received_at=row.received_at,
        archived_at=row.archived_at, original_object=original, archival_object=archival,
        record_object=vault_record, pages=row.pages, review=status is Status.HELD,
        signature_status=row.signature_status, processing_seconds=row.processing_seconds,
        job_id=row.job_id,
    )
    open_objects = [row.original_object]
    if row.archival_object and row.archival_object != row.original_object:
        open_objects.append(row.archival_object)
    open_objects += _record_chain(archive, row)
    # Both catalogs share the sha256 unique index only within themselves: add to the vault
    # first, so the document is never in neither.
    archive.vault_catalog.add_document(vrow)
    # The hashes of the document's objects now (the audit checks the catalog against the
    # latest hashes the log recorded for a document).
    archive.log.append("reclassify", doc_id=row.doc_id, actor=actor, zone="vault",
                       before=row.secrecy, after=level.value, fields=sorted(changes),
                       sha256=row.sha256, archival_sha256=archival,
                       record_sha256=vault_record, removed_open_objects=open_objects)
    _finish_move(archive, row.doc_id, open_objects, index_rebuild)
    stored = archive.vault_catalog.get(row.doc_id)
    assert stored is not None
    return stored


def _finish_move(archive: Archive, doc_id: str, open_objects: Sequence[str],
                 index_rebuild: IndexRebuild | None) -> None:
    archive.catalog.remove_document(doc_id)
    archive.catalog.scrub_duplicate_names(doc_id)
    if index_rebuild is not None:
        index_rebuild()
    for sha in open_objects:
        archive.catalog.forget_object(sha)
        archive.store.remove_uncommitted(sha)


def finish_interrupted_move(archive: Archive, doc_id: str,
                            index_rebuild: IndexRebuild | None) -> bool:
    """A reclassification cut short: the vault has the document, the open side still has some
    of it. Finish removing it from the open side. True if anything was left to do."""
    if archive.vault_catalog.get(doc_id) is None:
        return False
    listed: list[str] = []
    for event in archive.log.events():
        if event.type == "reclassify" and event.doc_id == doc_id:
            listed = list(event.data.get("removed_open_objects", []))
    left = [sha for sha in listed if archive.store.exists(sha)]
    if archive.catalog.get(doc_id) is None and not left:
        return False
    _finish_move(archive, doc_id, listed, index_rebuild)
    return True


def _correct_vault(archive: Archive, row: DocumentRow, actor: str, secrecy: Secrecy | None,
                   values: dict[str, Any]) -> DocumentRow:
    if values:
        raise SettingsError("metadata of a classified document is corrected in the vault "
                            "(needs the vault passphrase): not available from this command yet")
    if secrecy is None or secrecy.value == row.secrecy:
        return confirm(archive, row.doc_id, actor)
    if not secrecy.is_classified:
        raise SettingsError("declassifying a document (vault -> open archive) is an officer's "
                            "decision with a reference: `sohoa vault declassify ID --reference "
                            "REF --date YYYY-MM-DD` (docs/vault.md §6)")
    status = Status.HELD if secrecy is Secrecy.TUYET_MAT else Status(row.status)
    updated = replace(row, secrecy=secrecy.value, status=status.value,
                      review=status is Status.HELD)
    archive.vault_catalog.update_document(updated)
    archive.log.append("review_correct", doc_id=row.doc_id, actor=actor, zone="vault",
                       before=row.secrecy, after=secrecy.value)
    return updated
