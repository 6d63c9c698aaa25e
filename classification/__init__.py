"""Classification stage: decides secrecy (fail-safe) and extracts archive metadata.

Public surface:

- `precheck(page_images, ...)`: secrecy evidence from page 1's image alone, before full OCR, so a
  TUYỆT MẬT document is held before anything else is done with its content;
- `classify(page_images, pages, ...) -> Classification`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from classification.metadata import extract_metadata
from classification.secrecy import decide, image_evidence, text_evidence
from classification.stamp import tesseract_line
from sohoa.records import Classification, Evidence, PageImage, PageText, Secrecy

__all__ = ["classify", "precheck"]


def precheck(page_images: Sequence[PageImage], tessdata_dir: Path | None = None
             ) -> tuple[Secrecy, tuple[Evidence, ...]]:
    evidence = image_evidence(page_images, partial(tesseract_line, tessdata_dir=tessdata_dir))
    strong = [e for e in evidence if e.score >= 0.75]
    level = max((e.level for e in strong), key=lambda s: s.rank, default=Secrecy.NONE)
    return level, tuple(evidence)


def _text_quality(pages: Sequence[PageText]) -> float:
    """0..1: how much readable text page 1 gave (a blank or unreadable page proves nothing)."""
    if not pages:
        return 0.0
    words = pages[0].text.split()
    if not words:
        return 0.0
    return min(1.0, len(words) / 60.0)


def classify(
    page_images: Sequence[PageImage],
    pages: Sequence[PageText],
    *,
    review_below: float = 0.85,
    image_evidence_found: Sequence[Evidence] | None = None,
    tessdata_dir: Path | None = None,
) -> Classification:
    evidence = list(image_evidence_found) if image_evidence_found is not None else list(
        precheck(page_images, tessdata_dir)[1]
    )
    evidence += text_evidence(pages)
    level, confidence, review, detected = decide(evidence, _text_quality(pages), review_below)
    metadata = extract_metadata(pages)
    return Classification(
        secrecy=level,
        confidence=confidence,
        review=review,
        evidence=tuple(evidence),
        metadata=metadata,
        detected=detected,
    )
