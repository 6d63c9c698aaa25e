"""Finding a document for a person: the one gate every document route goes through.

An id that is malformed, unknown, or names a document the person is not cleared for gets the same
answer: not found. Every look at a classified record, granted or not, is an `access` event in the
Merkle log (who, which document, what they tried, the level; nothing of its content).
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.catalog import DocumentRow
from sohoa.accounts import User, can_see
from sohoa.errors import NotFoundError
from sohoa.records import Secrecy

DOC_ID_RE = re.compile(r"^[a-z2-7]{16,64}$")


@dataclass(frozen=True)
class Found:
    row: DocumentRow
    record: dict[str, Any] | None  # the open record; None for a classified document
    classified: bool
    level: Secrecy


def level_of(row: DocumentRow) -> Secrecy:
    try:
        level = Secrecy(row.secrecy)
    except ValueError:
        return Secrecy.TUYET_MAT
    if row.zone != "open" and not level.is_classified:
        return Secrecy.TUYET_MAT  # a vault row without a level: fail closed
    return level


def find_document(service: Any, user: User | None, doc_id: str, action: str) -> Found:
    if not DOC_ID_RE.match(doc_id or ""):
        raise NotFoundError("not found")
    archive = service.archive
    row = archive.catalog.get(doc_id)
    if row is not None and row.zone == "open" and level_of(row) is Secrecy.NONE:
        if not can_see(user, Secrecy.NONE):
            raise NotFoundError("not found")
        return Found(row, archive.open_record(row), False, Secrecy.NONE)
    if row is None:
        row = archive.vault_catalog.get(doc_id)
    if row is None:
        raise NotFoundError("not found")
    level = level_of(row)
    granted = can_see(user, level)
    archive.log.append("access", doc_id=row.doc_id, actor=user.name if user else "-",
                       action=action, level=level.value, granted=granted)
    if not granted:
        raise NotFoundError("not found")
    return Found(row, None, True, level)


def audit_status(report: dict[str, Any] | None, doc_id: str) -> dict[str, Any]:
    """What the latest audit said about one document."""
    if not report:
        return {"state": "never"}
    problems = [p for p in report.get("problems", []) if p.get("doc_id") == doc_id]
    return {"state": "problems" if problems else "ok", "at": report.get("started_at", ""),
            "problems": problems}


_render_lock = threading.Lock()  # pdfium is not thread-safe


def render_page(pdf_path: Path, number: int, width_px: int = 1100,
                max_pixels: int = 1100 * 4000) -> bytes:
    import pypdfium2 as pdfium

    with _render_lock:
        doc = pdfium.PdfDocument(str(pdf_path))
        try:
            page = doc[number - 1]
            width_pt, height_pt = page.get_size()
            scale = width_px / max(width_pt, 1.0)
            # An extreme page shape must not become a huge bitmap.
            if width_pt * height_pt * scale * scale > max_pixels:
                scale = (max_pixels / max(width_pt * height_pt, 1.0)) ** 0.5
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil().convert("RGB")
        finally:
            doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
