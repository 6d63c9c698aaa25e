"""The secrecy decision: evidence from the stamp image and the text, then the fail-safe rule.

Rule: the document gets the highest level any credible signal supports. A decision below the
review threshold is classified (at least MẬT) and sent to a person: a non-secret document locked
away by mistake is recoverable, a secret one in the open archive is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from classification.stamp import find_stamps, match_stamp_text, stamp_evidence
from sohoa.records import Evidence, PageImage, PageText, Secrecy
from sohoa.vntext import fold

# Text signals. Folded patterns.
_COPY_FORBIDDEN = re.compile(r"khong\s+duoc\s+(?:phep\s+)?sao\s*,?\s*chup")
_COPY_COUNT = re.compile(r"so\s+luong\s*:?\s*[0-9o]{1,3}\s*ban")
_DECLASSIFIED = re.compile(r"^\s*giai\s+mat\b", re.M)
_HEADER_LEVEL = re.compile(r"^\s*(tuyet\s+mat|toi\s+mat|mat)\s*$", re.M)

LineReader = Callable[..., str]


def text_evidence(pages: Sequence[PageText]) -> list[Evidence]:
    out: list[Evidence] = []
    if not pages:
        return out
    first = pages[0].text
    # The header zone is the first lines of page 1, before the title.
    header_lines = "\n".join(first.splitlines()[:14])
    for m in _HEADER_LEVEL.finditer(fold(header_lines)):
        # "MẬT" alone on a line in the header, in capitals in the original text.
        original = header_lines[m.start(1): m.end(1)]
        if original.upper() != original:
            continue
        level, sim, _ = match_stamp_text(m.group(1))
        if level is not None:
            out.append(Evidence("header_line", level, 0.9, 1, None, "level on its own line"))
    tail = fold("\n".join(p.text for p in pages[-2:]))
    if _COPY_FORBIDDEN.search(tail):
        out.append(Evidence("copy_forbidden", Secrecy.MAT, 0.7, len(pages), None,
                            "'Không được phép sao, chụp' in the recipients block"))
    if _COPY_COUNT.search(tail):
        out.append(Evidence("copy_count", Secrecy.MAT, 0.6, len(pages), None,
                            "'Số lượng: NN bản' in the recipients block"))
    if _DECLASSIFIED.search(fold(first)):
        out.append(Evidence("declassified_mark", Secrecy.NONE, 0.5, 1, None, "GIẢI MẬT mark"))
    return out


def image_evidence(images: Sequence[PageImage], read_line: LineReader) -> list[Evidence]:
    first = next((im for im in images if im.number == 1), None)
    if first is None:
        return []
    return stamp_evidence(find_stamps(first, read_line), page=1)


def decide(evidence: Sequence[Evidence], text_quality: float, review_below: float
           ) -> tuple[Secrecy, float, bool, Secrecy]:
    """(decided level, confidence, needs review, level the signals alone suggest)."""
    positive = [e for e in evidence if e.level.is_classified]
    if not positive:
        # No mark seen. How sure we are depends on whether we could read the page at all.
        confidence = 0.97 if text_quality >= 0.5 else 0.6
        if confidence < review_below:
            return Secrecy.MAT, confidence, True, Secrecy.NONE
        return Secrecy.NONE, confidence, False, Secrecy.NONE
    best = max(positive, key=lambda e: (e.score, e.level.rank))
    level = max((e.level for e in positive if e.score >= 0.75), key=lambda s: s.rank,
                default=best.level)
    # Independent signals agreeing raise confidence: 1 - product of (1 - score).
    miss = 1.0
    for e in positive:
        miss *= 1.0 - min(0.99, e.score)
    confidence = round(1.0 - miss, 3)
    review = confidence < review_below
    return level, confidence, review, level
