"""Plain typed records passed between stages.

Stages exchange these frozen dataclasses, never dicts of strings. Each stage owns the records it
produces; the ones here are shared by more than one stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Secrecy(StrEnum):
    """Độ mật. Ordered: NONE < MAT < TOI_MAT < TUYET_MAT."""

    NONE = "none"
    MAT = "mat"
    TOI_MAT = "toi_mat"
    TUYET_MAT = "tuyet_mat"

    @property
    def rank(self) -> int:
        return _SECRECY_RANK[self]

    @property
    def is_classified(self) -> bool:
        return self is not Secrecy.NONE

    @property
    def label_vi(self) -> str:
        return _SECRECY_LABEL_VI[self]

    def at_least(self, other: Secrecy) -> bool:
        return self.rank >= other.rank


_SECRECY_RANK = {Secrecy.NONE: 0, Secrecy.MAT: 1, Secrecy.TOI_MAT: 2, Secrecy.TUYET_MAT: 3}
_SECRECY_LABEL_VI = {
    Secrecy.NONE: "Thường",
    Secrecy.MAT: "MẬT",
    Secrecy.TOI_MAT: "TỐI MẬT",
    Secrecy.TUYET_MAT: "TUYỆT MẬT",
}


class Urgency(StrEnum):
    NONE = "none"
    KHAN = "khan"
    THUONG_KHAN = "thuong_khan"
    HOA_TOC = "hoa_toc"


class Status(StrEnum):
    """Final state of one input, as `sohoa ingest` reports it."""

    ARCHIVED = "archived"  # open archive, signed, indexed
    CLASSIFIED = "classified"  # in the encrypted vault
    DUPLICATE = "duplicate"  # byte-identical to an existing document
    QUARANTINED = "quarantined"  # rejected, kept byte-exact with a reason
    HELD = "held"  # TUYỆT MẬT: encrypted, not processed, waiting for an officer


class InputKind(StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    JPEG = "jpeg"
    PNG = "png"


@dataclass(frozen=True)
class SourceFile:
    """One input file as claimed by ingest: where it sits now and what it was called."""

    path: Path  # in the processing area (or the caller's own file for direct ingest)
    original_name: str  # the name the scanner gave it, kept for the record (display only)
    sha256: str
    size: int
    kind: InputKind


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based
    text: str
    confidence: float | None  # mean word confidence 0-100; None when the page was not OCR'd
    ocr_done: bool  # False when the page already carried real text
    blank: bool = False
    rotated_cw: int = 0  # how far the page was turned to be upright
    skew_deg: float = 0.0


@dataclass(frozen=True)
class PageImage:
    """A page raster used for classification. `path` lives in the RAM work directory."""

    number: int
    path: Path
    dpi: int
    color: bool  # False for greyscale or bilevel scans: no red to find


@dataclass(frozen=True)
class OcrResult:
    archival_pdf: Path  # PDF/A-2b, unsigned, in the work directory
    pages: tuple[PageText, ...]
    page_images: tuple[PageImage, ...]  # first and last page, for classification
    seconds: float
    engine: str  # e.g. "ocrmypdf 17.13.0 / tesseract 5.3.0 / vie best"
    archive_as_is: bool = False  # signed input: the original itself is the archival copy

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)

    def low_confidence_pages(self, threshold: float) -> tuple[int, ...]:
        return tuple(
            p.number
            for p in self.pages
            if p.confidence is not None and not p.blank and p.confidence < threshold
        )


@dataclass(frozen=True)
class Evidence:
    """One signal behind a secrecy decision. Never holds document text beyond the mark itself."""

    signal: str  # e.g. "red_stamp", "double_border", "header_line", "copy_limit"
    level: Secrecy
    score: float  # 0..1
    page: int | None = None
    bbox: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in page pixels
    detail: str = ""


@dataclass(frozen=True)
class DocumentMetadata:
    """Field names follow the corpus manifest (and `sohoa show --json`)."""

    family: str = ""  # "party" | "state" | ""
    doc_type: str = ""  # ke_hoach, quyet_dinh, ...
    doc_type_label: str = ""
    number_symbol: str = ""  # "27-KH/ĐU", "12/QĐ-UBND"
    date: str = ""  # ISO yyyy-mm-dd
    place: str = ""
    issuing_body: str = ""
    parent_body: str = ""
    abstract: str = ""
    urgency: str = Urgency.NONE.value
    signer: str = ""
    signer_title: str = ""
    signer_authority: str = ""
    recipients: tuple[str, ...] = ()
    copies: int | None = None
    copy_permission: str = ""
    page_count: int = 0
    title: str = ""
    addressees: tuple[str, ...] = ()  # "Kính gửi" lines


@dataclass(frozen=True)
class Classification:
    secrecy: Secrecy
    confidence: float  # in the decision as made, 0..1
    review: bool  # a person must confirm
    evidence: tuple[Evidence, ...] = ()
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    detected: Secrecy = Secrecy.NONE  # what the signals said before the fail-safe rule
