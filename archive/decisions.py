"""An officer's decisions on vault documents: keep a held TUYỆT MẬT document, destroy, declassify.

Each is an event in the log (who, when, the reference of the decision, hashes; never text) and
is ordered so that a crash never leaves a document in neither zone nor unaccounted for:

- `keep`: a held document, processed in RAM by the caller (OCR, signing), gets its archival
  copy and a new record version in the vault; the catalog row follows, then the `keep` event
  with the new hashes. The held record stays committed (`keep_object`).
- `destroy`: the `destroy` event first (reference, who, level, the original's SHA-256, the
  objects to remove), then the catalog row, then the ciphertexts. Run again after a crash, it
  finishes from the event. The event is the destruction record; the audit accounts for it.
- `declassify` (vault -> open): open objects, open catalog row, the `declassify` event (with the
  open hashes and the vault objects to remove), the open index, then the vault row and the
  ciphertexts. In between the document is in both catalogs, never in neither; running the same
  declassification again finishes the vault side.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from archive.archive import Archive, NewDocument, document_record, utc_iso
from archive.catalog import DocumentRow
from archive.store import sha256_file
from archive.vault import UnlockedVault
from sohoa.errors import NotFoundError, SettingsError
from sohoa.records import Secrecy, Status


def vault_objects(archive: Archive, unlocked: UnlockedVault, row: DocumentRow) -> list[str]:
    """Every vault object of a document: current ones and earlier record versions."""
    out = [sha for _role, sha in row.objects()]
    sha = row.record_object
    seen = set(out)
    while sha:
        try:
            previous = str(json.loads(unlocked.read(sha)).get("previous_record") or "")
        except (OSError, ValueError):
            break
        if not previous or previous in seen or not archive.vault.store.exists(previous):
            break
        out.append(previous)
        seen.add(previous)
        sha = previous
    return out


def _require_reference(reference: str) -> str:
    reference = " ".join(reference.split())
    if not reference:
        raise SettingsError("give the reference of the decision (--reference)")
    return reference[:200]


def keep(archive: Archive, row: DocumentRow, doc: NewDocument, *, actor: str,
         reference: str) -> DocumentRow:
    """A held TUYỆT MẬT document, now processed, stays in the vault at its level."""
    reference = _require_reference(reference)
    if row.status != Status.HELD.value:
        raise SettingsError(f"{row.doc_id} is not held for a decision")
    archival = archive.vault.put_file(doc.signed_pdf) if doc.signed_pdf is not None \
        else row.original_object
    at = utc_iso()
    record = document_record(doc, archival, at, version=2)
    record["status"] = Status.CLASSIFIED.value
    record["previous_record"] = row.record_object
    record["kept"] = {"by": actor, "at": at, "reference": reference}
    record_obj = archive.vault.put_bytes(
        json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
    archive.vault_catalog.keep_object(row.record_object)  # the held version stays committed
    updated = replace(row, status=Status.CLASSIFIED.value, archival_object=archival,
                      record_object=record_obj, review=False,
                      signature_status=doc.signature.status)
    archive.vault_catalog.update_document(updated)
    archive.log.append("keep", doc_id=row.doc_id, actor=actor, zone="vault", level=row.secrecy,
                       reference=reference, sha256=row.sha256, archival_sha256=archival,
                       record_sha256=record_obj, previous_record_sha256=row.record_object,
                       pages=len(doc.pages))
    return updated


def destroy(archive: Archive, unlocked: UnlockedVault, doc_id: str, *, actor: str,
            reference: str) -> dict[str, Any]:
    """Destroy a vault document for good; the `destroy` event is its record."""
    reference = _require_reference(reference)
    row = archive.vault_catalog.get(doc_id)
    if archive.log.count("destroy", doc_id):
        finish_interrupted_destroy(archive, doc_id)
        raise NotFoundError(f"{doc_id} was already destroyed (see the event log)")
    if row is None:
        raise NotFoundError(f"no classified document {doc_id}")
    objects = vault_objects(archive, unlocked, row)
    at = utc_iso()
    archive.log.append("destroy", doc_id=doc_id, actor=actor, zone="vault", level=row.secrecy,
                       status=row.status, reference=reference, sha256=row.sha256, size=row.size,
                       received_at=row.received_at, removed_vault_objects=objects)
    _remove_from_vault(archive, doc_id, objects)
    return {"doc_id": doc_id, "level": row.secrecy, "sha256": row.sha256, "reference": reference,
            "by": actor, "at": at, "removed_objects": len(objects)}


def _listed_objects(archive: Archive, event_type: str, doc_id: str) -> list[str] | None:
    listed = None
    for event in archive.log.events():
        if event.type == event_type and event.doc_id == doc_id:
            listed = [str(x) for x in event.data.get("removed_vault_objects", [])]
    return listed


def finish_interrupted_destroy(archive: Archive, doc_id: str) -> bool:
    listed = _listed_objects(archive, "destroy", doc_id)
    if listed is None:
        return False
    left = [sha for sha in listed if archive.vault.store.exists(sha)]
    if archive.vault_catalog.get(doc_id) is None and not left:
        return False
    _remove_from_vault(archive, doc_id, listed)
    return True


def _remove_from_vault(archive: Archive, doc_id: str, objects: list[str]) -> None:
    archive.vault_catalog.remove_document(doc_id)
    for sha in objects:
        archive.vault_catalog.forget_object(sha)
        archive.vault.store.remove_uncommitted(sha)


def declassify(archive: Archive, unlocked: UnlockedVault, row: DocumentRow, *, original: Path,
               archival: Path | None, record: dict[str, Any], actor: str, reference: str,
               date: str, index_add: Callable[[DocumentRow], None]) -> DocumentRow:
    """Vault -> open archive. `original` and `archival` are plaintext files the caller made in
    RAM (archival None: the original is its own signed archival copy); `record` is the latest
    record (decrypted, or made by processing a held document)."""
    reference = _require_reference(reference)
    at = utc_iso()
    archival_sha = sha256_file(archival) if archival is not None else row.sha256
    check = archive.check_signature((archival or original).read_bytes())
    if archival is not None and not check.ok:
        raise SettingsError(f"the archival copy of {row.doc_id} does not validate "
                            f"({check.status}): run `sohoa audit`")
    new = copy.deepcopy(record)
    new["version"] = int(record.get("version", 1)) + 1
    new["secrecy"] = Secrecy.NONE.value
    new["status"] = Status.ARCHIVED.value
    new.pop("previous_record", None)  # a vault object: meaningless in the open store
    new["archival"] = {**new.get("archival", {}), "sha256": archival_sha,
                       "is_original": archival is None, "signature": check.to_json()}
    new["declassified"] = {"by": actor, "at": at, "reference": reference, "date": date,
                           "from": row.secrecy}
    cls = dict(new.get("classification", {}))
    cls["review"] = False
    cls["review_reasons"] = []
    new["classification"] = cls
    record_bytes = json.dumps(new, ensure_ascii=False, sort_keys=True, indent=1).encode()
    vault_objs = vault_objects(archive, unlocked, row)
    archive.store.put_file(original, expected_sha256=row.sha256)
    if archival is not None:
        archive.store.put_file(archival, expected_sha256=archival_sha)
    record_sha = archive.store.put_bytes(record_bytes)
    meta = dict(new.get("metadata", {}))
    ocr = new.get("ocr", {})
    orow = DocumentRow(
        doc_id=row.doc_id, zone="open", status=Status.ARCHIVED.value,
        secrecy=Secrecy.NONE.value, sha256=row.sha256, size=row.size,
        original_name=str(new.get("original", {}).get("name", "")),
        received_at=row.received_at, archived_at=at, original_object=row.sha256,
        archival_object=archival_sha, record_object=record_sha,
        pages=len(new.get("pages", [])) or row.pages, review=False, metadata=meta,
        classification={"confidence": cls.get("confidence"), "detected": cls.get("detected"),
                        "review_reasons": [], "declassified": new["declassified"]},
        signature_status=check.status, ocr_confidence=ocr.get("confidence"),
        processing_seconds=row.processing_seconds, job_id=row.job_id,
    )
    archive.catalog.add_document(orow)
    archive.log.append("declassify", doc_id=row.doc_id, actor=actor, zone="open",
                       before=row.secrecy, reference=reference, date=date, sha256=row.sha256,
                       archival_sha256=archival_sha, record_sha256=record_sha,
                       removed_vault_objects=vault_objs)
    stored = archive.catalog.get(row.doc_id)
    assert stored is not None
    index_add(stored)
    _remove_from_vault(archive, row.doc_id, vault_objs)
    return stored


def finish_interrupted_declassify(archive: Archive, doc_id: str) -> bool:
    """A declassification cut short after its event: finish removing the vault side."""
    if archive.catalog.get(doc_id) is None:
        return False
    listed = _listed_objects(archive, "declassify", doc_id)
    if listed is None:
        return False
    left = [sha for sha in listed if archive.vault.store.exists(sha)]
    if archive.vault_catalog.get(doc_id) is None and not left:
        return False
    _remove_from_vault(archive, doc_id, listed)
    return True
