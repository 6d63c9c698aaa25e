"""The secrecy decision: evidence from the stamp image and the text, then the fail-safe rule.

A classified document in the open archive is the worst failure this product can have; a
non-secret document locked away by mistake is recoverable. So:

- the document gets the highest level any credible signal supports;
- the decision's confidence is how strongly the signals at that level agree (independent
  signals combine as 1 - product of (1 - score));
- below the review threshold the document is still classified at that level (at least MẬT)
  and a person must confirm: "unsure" never means "open";
- no mark at all is only "non-secret" when page 1 could actually be read; a blank or unreadable
  first page is MẬT + review.

Signals (each an `Evidence` with its level, score, page and box; see docs/classification.md):

- image (`classification.stamp`): a stamp frame read as MẬT / TỐI MẬT / TUYỆT MẬT; a frame of
  stamp size that cannot be read (red, or double-bordered, in the header zone); a frame wider
  than the level read; GIẢI MẬT and THU HỒI stamps (a person decides). Urgency stamps are
  recorded as level "none": urgent is not secret.
- text: the level in capitals on its own in the header lines of page 1 (not inside a caps
  phrase such as "BÍ MẬT" or "MẶT TRẬN"; lower-case "mật" in the body never counts); in the
  recipients block "Không được phép sao, chụp", "Số lượng: NN bản" and a numbered copy
  "(bản số 01)"; GIẢI MẬT / THU HỒI lines in the header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from classification.layout import Zones
from classification.stamp import LineReader, find_stamps, stamp_evidence
from sohoa.records import Evidence, PageImage, PageText, Secrecy
from sohoa.vntext import fold

_COPY_FORBIDDEN = re.compile(r"khong\s+d\w?\w?c\s+(?:ph\w{1,2}p\s+)?sao\s*[,.]?\s*chup")
_COPY_COUNT = re.compile(r"so\s*l\w{1,3}ng\s*:?\s*[0-9o]{1,3}\s*ban\b")
_COPY_NUMBER = re.compile(r"\(\s*ban\s+so\s+[0-9o]{1,3}\s*\)")
_NOI_NHAN = re.compile(r"n\s*[o0]\s*[il1]\s*n\s*h\s*a\s*n")
_LEVEL_WORDS = {"tuyet": Secrecy.TUYET_MAT, "toi": Secrecy.TOI_MAT}
_URGENT = [("thuong khan", "thuong_khan"), ("hoa toc", "hoa_toc"), ("khan", "khan")]
HEADER_LINES = 18  # page 1 lines searched for marks printed or stamped in the header


def _words(line: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", line)


def header_marks(line: str) -> list[tuple[str, Secrecy | None, float, str]]:
    """Marks in one header line: (signal, level, score, what) for the level words in capitals
    standing on their own, and GIẢI MẬT / THU HỒI / urgency words."""
    found = list(re.finditer(r"[^\W\d_]+", line))
    words = [m.group(0) for m in found]
    folded = [fold(w) for w in words]
    out: list[tuple[str, Secrecy | None, float, str]] = []
    # A caps word counts as a neighbour (part of a caps phrase) unless it belongs to a symbol
    # ("04-CT/ĐU MẬT": ĐU is the symbol's, MẬT the stamp's).
    caps = [w.isupper() and len(w) >= 2 and not (m.start() and line[m.start() - 1] in "/-")
            for w, m in zip(words, found, strict=True)]
    alone = len([w for w in words if len(w) >= 2]) <= 2
    for i, f in enumerate(folded):
        if f != "mat" or not caps[i]:
            continue
        start, level = i, Secrecy.MAT
        if i > 0 and folded[i - 1] in _LEVEL_WORDS and caps[i - 1]:
            start, level = i - 1, _LEVEL_WORDS[folded[i - 1]]
        if i > 0 and folded[i - 1] == "giai" and caps[i - 1]:
            out.append(("declassified_line", Secrecy.MAT, 0.5, "GIẢI MẬT"))
            continue
        before = caps[start - 1] if start > 0 else False
        after = caps[i + 1] if i + 1 < len(words) else False
        if before or after:
            continue  # part of a phrase in capitals: "BẢO VỆ BÍ MẬT", "MẶT TRẬN"
        out.append(("header_line", level, 0.9 if alone else 0.8, level.label_vi))
    joined = " ".join(folded)
    if alone and re.fullmatch(r"\W*thu\s+hoi\W*", joined) and all(caps):
        out.append(("recall_line", Secrecy.MAT, 0.45, "THU HỒI"))
    if alone and all(caps):
        for label, code in _URGENT:
            if joined.strip() == label:
                out.append(("urgency_text", None, 0.8, code))
                break
    return out


def _header_lines(pages: Sequence[PageText], zones: Zones | None) -> list[tuple[str, str]]:
    """(source, line) pairs of page 1's header: OCR text lines, then zone lines."""
    from classification.metadata import _title_of

    out: list[tuple[str, str]] = []
    if pages:
        count = 0
        for line in pages[0].text.splitlines():
            if not line.strip():
                continue
            if _title_of(line.strip()):
                break
            out.append(("text", line))
            count += 1
            if count >= HEADER_LINES:
                break
    if zones is not None:
        for ln in zones.header:
            if _title_of(ln.text.strip()):
                break
            out.append(("zone", ln.text))
    return out


def _recipients_block(pages: Sequence[PageText], zones: Zones | None) -> str:
    """Folded text of the recipients block (after "Nơi nhận") of the last pages."""
    parts = []
    for page in pages[-2:]:
        folded = fold(page.text)
        starts = [m.start() for m in _NOI_NHAN.finditer(folded)]
        if starts:
            parts.append(folded[starts[-1]:])
    if zones is not None:
        parts.append(fold("\n".join(ln.text for ln in zones.closing if ln.column != "right")))
    return "\n".join(parts)


def text_evidence(pages: Sequence[PageText], zones: Zones | None = None) -> list[Evidence]:
    out: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for source, line in _header_lines(pages, zones):
        for signal, level, score, what in header_marks(line):
            if (signal, what) in seen:
                continue
            seen.add((signal, what))
            detail = f"'{what}' in the header ({'OCR text' if source == 'text' else 'zone'})"
            out.append(Evidence(signal, level or Secrecy.NONE, score, 1, None, detail))
    if not pages:
        return out
    block = _recipients_block(pages, zones)
    last = len(pages)
    if _COPY_FORBIDDEN.search(block):
        out.append(Evidence("copy_forbidden", Secrecy.MAT, 0.7, last, None,
                            "'Không được phép sao, chụp' in the recipients block"))
    if _COPY_COUNT.search(block):
        out.append(Evidence("copy_count", Secrecy.MAT, 0.6, last, None,
                            "'Số lượng: NN bản' in the recipients block"))
    if _COPY_NUMBER.search(block):
        out.append(Evidence("copy_number", Secrecy.MAT, 0.45, last, None,
                            "numbered copy '(bản số NN)' in the recipients block"))
    return out


def image_evidence(images: Sequence[PageImage], read_line: LineReader,
                   orientation: Callable[[], int | None] | None = None) -> list[Evidence]:
    first = next((im for im in images if im.number == 1), None)
    if first is None:
        return []
    return stamp_evidence(find_stamps(first, read_line, orientation), page=1)


def _combined(scores: Sequence[float]) -> float:
    miss = 1.0
    for s in scores:
        miss *= 1.0 - min(0.99, max(0.0, s))
    return round(1.0 - miss, 3)


def decide(evidence: Sequence[Evidence], text_quality: float, review_below: float
           ) -> tuple[Secrecy, float, bool, Secrecy]:
    """(decided level, confidence, needs review, level the signals alone suggest)."""
    positive = [e for e in evidence if e.level.is_classified]
    if not positive:
        # No mark seen. That proves something only if page 1 could be read.
        if text_quality >= 0.5:
            return Secrecy.NONE, 0.97, False, Secrecy.NONE
        return Secrecy.MAT, 0.6, True, Secrecy.NONE
    level = max((e.level for e in positive), key=lambda s: s.rank)
    support = _combined([e.score for e in positive if e.level.rank >= level.rank])
    review = support < review_below
    return level, support, review, level


def text_quality(pages: Sequence[PageText], zones: Zones | None = None) -> float:
    """0..1: how much readable text page 1 gave (a blank or unreadable page proves nothing)."""
    words = 0
    if pages:
        words = sum(1 for w in _words(pages[0].text) if len(w) >= 2)
    if zones is not None:
        words = max(words, sum(1 for ln in zones.header for w in _words(ln.text) if len(w) >= 2))
    return min(1.0, words / 40.0)
