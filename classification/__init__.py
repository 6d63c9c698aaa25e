"""Classification stage: decides secrecy (fail-safe) and extracts archive metadata.

Public surface:

- `precheck(page_images, ...)`: secrecy evidence from page 1's image alone, before full OCR, so a
  TUYỆT MẬT document is held before anything else is done with its content;
- `classify(page_images, pages, ...) -> Classification`.

See docs/classification.md for the signals, the decision rule and the review queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from classification.layout import Zones, read_zones, reread_signature
from classification.metadata import extract_metadata
from classification.secrecy import decide, image_evidence, text_evidence, text_quality
from classification.stamp import tesseract_line, urgency_of
from sohoa.records import Classification, DocumentMetadata, Evidence, PageImage, PageText, Secrecy

__all__ = ["classify", "precheck"]

STRONG = 0.75


def precheck(page_images: Sequence[PageImage], tessdata_dir: Path | None = None
             ) -> tuple[Secrecy, tuple[Evidence, ...]]:
    """(level to act on now, image evidence). Any sign of TUYỆT MẬT, however weak, holds the
    document at once: nothing more is done with its content until an officer decides."""
    evidence = image_evidence(page_images, partial(tesseract_line, tessdata_dir=tessdata_dir))
    if any(e.level is Secrecy.TUYET_MAT for e in evidence):
        return Secrecy.TUYET_MAT, tuple(evidence)
    strong = [e for e in evidence if e.score >= STRONG]
    level = max((e.level for e in strong), key=lambda s: s.rank, default=Secrecy.NONE)
    return level, tuple(evidence)


def _urgency(evidence: Sequence[Evidence]) -> str:
    code = urgency_of(list(evidence))
    if code:
        return code
    for e in evidence:
        if e.signal == "urgency_text":
            return e.detail.split("'")[1] if "'" in e.detail else ""
    return ""


def classify(
    page_images: Sequence[PageImage],
    pages: Sequence[PageText],
    *,
    review_below: float = 0.85,
    image_evidence_found: Sequence[Evidence] | None = None,
    tessdata_dir: Path | None = None,
    zone_ocr: bool = True,
) -> Classification:
    """Secrecy decision and metadata for one document.

    `zone_ocr`: read page 1's header and the last page's closing block again on their own
    (classification.layout); off, metadata comes from `pages` alone.
    """
    if image_evidence_found is not None:
        evidence = list(image_evidence_found)
    else:
        evidence = list(precheck(page_images, tessdata_dir)[1])
    evidence += text_evidence(pages)
    level, confidence, review, detected = decide(evidence, text_quality(pages), review_below)
    if level is Secrecy.TUYET_MAT:
        return _held(evidence, confidence, detected, len(pages))
    zones: Zones | None = None
    if zone_ocr and page_images:
        zones = read_zones(list(page_images), tessdata_dir)
        # The same mark read again in the zone is not independent evidence: only new ones.
        known = {(x.signal, x.level) for x in evidence}
        extra = [e for e in text_evidence((), zones) if (e.signal, e.level) not in known]
        if extra:
            evidence += extra
        level, confidence, review, detected = decide(
            evidence, text_quality(pages, zones), review_below)
        if level is Secrecy.TUYET_MAT:
            return _held(evidence, confidence, detected, len(pages))
    metadata = extract_metadata(pages, zones, urgency=_urgency(evidence))
    if zones is not None and not metadata.signer and zones.last_turn is not None:
        last = max(page_images, key=lambda im: im.number)
        again = reread_signature(last, zones.last_turn, tessdata_dir)
        if again:
            zones = replace(zones, closing=zones.closing + tuple(again))
            metadata = extract_metadata(pages, zones, urgency=_urgency(evidence))
    return Classification(
        secrecy=level,
        confidence=confidence,
        review=review,
        evidence=tuple(evidence),
        metadata=metadata,
        detected=detected,
    )


def _held(evidence: list[Evidence], confidence: float, detected: Secrecy, pages: int
          ) -> Classification:
    """TUYỆT MẬT: no metadata is read from the content; an officer decides."""
    return Classification(Secrecy.TUYET_MAT, confidence, True, tuple(evidence),
                          DocumentMetadata(page_count=pages), detected)
