"""Targeted OCR of the two zones that carry the archive metadata.

Full-page OCR of a two-column header interleaves the left block (issuer, number, secrecy stamp,
V/v) with the right block (national motto, place and date), and on the last page the recipients
list with the signature block, where the red seal also covers the signer's title. Here each zone
is read on its own, upright, with red ink removed, and every line keeps its position, so the
columns can be told apart:

- page 1: the top HEADER_SHARE of the page (header, title, abstract);
- last page: the closing block, found without OCR as the lines under the last full-width body
  line (the recipients and the signature block never cross the middle of the page).

Page orientation: text direction from the shape of ink blobs (lines of text are long and flat),
then up or down by which reading tesseract is more confident of. A hint (the stamp was read the
other way round) is tried first.

Bounded: each tesseract call has a timeout; at most four calls per document. The rasters live in
the RAM work directory; nothing here is written to disk or logged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa.records import PageImage

HEADER_SHARE = 0.40
OCR_TIMEOUT_S = 40.0
GOOD_CONFIDENCE = 60.0


@dataclass(frozen=True)
class Line:
    """One printed line segment in the upright page, coordinates as shares of width/height."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float

    @property
    def column(self) -> str:
        """left / right of the page's middle, or centre when it crosses it."""
        if self.x1 <= 0.53:
            return "left"
        if self.x0 >= 0.47:
            return "right"
        return "centre"

    @property
    def centred(self) -> bool:
        """Centred on the page (a title or an abstract line), not a justified body line."""
        mid = (self.x0 + self.x1) / 2
        return abs(mid - 0.5) < 0.06 and self.x0 > 0.17


@dataclass(frozen=True)
class Zones:
    header: tuple[Line, ...] = ()
    closing: tuple[Line, ...] = ()
    first_turn: int | None = None  # clockwise turn that made page 1 upright
    last_turn: int | None = None
    seconds: float = 0.0

    def column(self, zone: str, name: str) -> list[str]:
        lines = self.header if zone == "header" else self.closing
        return [ln.text for ln in lines if ln.column == name]


def _load_grey(image: PageImage) -> Any:
    """Greyscale page with red ink (stamps, seals, red headings) turned to paper.

    On a greyscale scan the red seal and stamps have become mid-grey, lighter than the black
    text they cover: everything lighter than a third of the way from the text's darkness to
    the paper is turned to paper.
    """
    import cv2
    import numpy as np

    from classification.stamp import has_colour, red_mask

    bgr = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    if image.color or has_colour(bgr):
        mask = red_mask(bgr)
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
        grey[mask > 0] = 255
    text, paper = np.percentile(grey, [0.3, 50])
    if paper - text >= 80:
        cut = text + 0.4 * (paper - text)
        grey = np.where(grey > cut, 255, grey).astype(np.uint8)
    return grey


def text_is_vertical(grey: Any) -> bool:
    """Whether the lines of text run up/down the raster (a page scanned sideways)."""
    import cv2
    import numpy as np

    small = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    binary = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                   cv2.THRESH_BINARY_INV, 25, 15)
    counts = {}
    for name, kernel in (("h", (9, 1)), ("v", (1, 9))):
        closed = cv2.morphologyEx(binary, cv2.MORPH_CLOSE,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        _, _, stats, _ = cv2.connectedComponentsWithStats(closed, 8)
        w, h = stats[1:, 2], stats[1:, 3]
        long_ = (w >= 4 * h) if name == "h" else (h >= 4 * w)
        counts[name] = int((long_ & (np.maximum(w, h) >= 40)).sum())
    return counts["v"] > counts["h"]


def _turn(grey: Any, turn: int) -> Any:
    import cv2

    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
             270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return grey if turn % 360 == 0 else cv2.rotate(grey, codes[turn % 360])


def ocr_lines(grey: Any, tessdata_dir: Path | None, *, top: int = 0, page_h: int | None = None,
              left: int = 0, page_w: int | None = None, psm: int = 3) -> list[Line]:
    """Tesseract's lines of a crop, split at wide gaps into segments (two columns on one line).

    The crop sits at (`left`, `top`) of a page `page_w` x `page_h`: positions are page shares.
    """
    import pytesseract

    h, w = grey.shape[:2]
    page_h = page_h or h
    page_w = page_w or w
    config = f"--psm {psm}"
    if tessdata_dir:
        config += f' --tessdata-dir "{tessdata_dir}"'
    try:
        data = pytesseract.image_to_data(grey, lang="vie", config=config, timeout=OCR_TIMEOUT_S,
                                         output_type=pytesseract.Output.DICT)
    except (RuntimeError, pytesseract.TesseractError):
        return []
    groups: dict[tuple[int, int, int], list[tuple[int, int, int, int, str, float]]] = {}
    for i, word in enumerate(data["text"]):
        word = str(word).strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        groups.setdefault(key, []).append((data["left"][i], data["top"][i], data["width"][i],
                                           data["height"][i], word, conf))
    gap = 0.035 * page_w
    lines: list[Line] = []
    for words in groups.values():
        words = [(x + left, *rest) for x, *rest in words]  # type: ignore[misc]
        words.sort(key=lambda t: t[0])
        segment = [words[0]]
        for word in words[1:]:
            prev = segment[-1]
            if word[0] - (prev[0] + prev[2]) > gap:
                lines.append(_segment(segment, page_w, top, page_h))
                segment = []
            segment.append(word)
        lines.append(_segment(segment, page_w, top, page_h))
    return _merge_rows(lines, gap / page_w)


def _merge_rows(lines: list[Line], gap: float) -> list[Line]:
    """Join segments tesseract put on different lines although they sit side by side on one
    printed line with no column gap between them ("... nhà nướ" + "c trong các cơ quan")."""
    lines = sorted(lines, key=lambda ln: (ln.y0, ln.x0))
    out: list[Line] = []
    for ln in lines:
        joined = False
        for i, prev in enumerate(out):
            overlap = min(prev.y1, ln.y1) - max(prev.y0, ln.y0)
            height = min(prev.y1 - prev.y0, ln.y1 - ln.y0)
            left, right = (prev, ln) if prev.x0 <= ln.x0 else (ln, prev)
            if height > 0 and overlap > 0.5 * height and 0 <= right.x0 - left.x1 < gap * 0.5:
                n1, n2 = len(left.text), len(right.text)
                out[i] = Line(f"{left.text} {right.text}", left.x0, min(prev.y0, ln.y0),
                              right.x1, max(prev.y1, ln.y1),
                              (left.conf * n1 + right.conf * n2) / (n1 + n2))
                joined = True
                break
        if not joined:
            out.append(ln)
    out.sort(key=lambda ln: (round(ln.y0 * 200), ln.x0))
    return out


def _segment(words: list[tuple[int, int, int, int, str, float]], w: int, top: int,
             page_h: int) -> Line:
    x0 = min(t[0] for t in words)
    x1 = max(t[0] + t[2] for t in words)
    y0 = min(t[1] for t in words) + top
    y1 = max(t[1] + t[3] for t in words) + top
    conf = sum(t[5] for t in words) / len(words)
    return Line(" ".join(t[4] for t in words), x0 / w, y0 / page_h, x1 / w, y1 / page_h, conf)


def _mean_conf(lines: list[Line]) -> float:
    weights = [len(ln.text) for ln in lines]
    if not lines or not sum(weights):
        return 0.0
    return sum(ln.conf * n for ln, n in zip(lines, weights, strict=True)) / sum(weights)


def _candidates(grey: Any, hint: int | None) -> list[int]:
    turns = [90, 270] if text_is_vertical(grey) else [0, 180]
    if hint is not None and hint in turns:
        turns.remove(hint)
        turns.insert(0, hint)
    return turns


def read_header(image: PageImage, tessdata_dir: Path | None, hint: int | None = None
                ) -> tuple[list[Line], int | None]:
    """Lines of page 1's top part, upright. (lines, turn used)."""
    grey = _load_grey(image)
    if grey is None:
        return [], None
    best: tuple[list[Line], int | None] = ([], None)
    for turn in _candidates(grey, hint):
        upright = _turn(grey, turn)
        h = upright.shape[0]
        bottom = header_bottom(upright) + 6
        lines = ocr_lines(upright[:bottom], tessdata_dir, page_h=h)
        if _mean_conf(lines) > _mean_conf(best[0]):
            best = (lines, turn)
        if _mean_conf(lines) >= GOOD_CONFIDENCE and len(lines) >= 3:
            break
    return best


def _text_rows(grey: Any) -> tuple[Any, list[tuple[int, int]]]:
    """(ink mask, runs of rows holding a line of text) of an upright page."""
    import cv2
    import numpy as np

    w = grey.shape[1]
    binary = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                   cv2.THRESH_BINARY_INV, 41, 18)
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    rows = (binary > 0)[:, int(w * 0.08): int(w * 0.92)].mean(axis=1)
    runs: list[tuple[int, int]] = []
    start = None
    for y, v in enumerate(rows > 0.004):
        if v and start is None:
            start = y
        elif not v and start is not None:
            if y - start >= 6:
                runs.append((start, y))
            start = None
    return binary, runs


def _open_runs(cols: Any) -> list[tuple[int, int]]:
    out, start = [], None
    for i, v in enumerate(cols):
        if not v and start is None:
            start = i
        elif v and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(cols)))
    return out


def header_bottom(grey: Any) -> int:
    """Row where the body text starts on page 1: the first justified full-width line under the
    header, title and abstract (those are centred or in two columns). Bounded to 20-40 %."""
    import cv2
    import numpy as np

    h, w = grey.shape[:2]
    binary, runs = _text_rows(grey)
    low, high = int(h * 0.20), int(h * HEADER_SHARE)
    close = cv2.getStructuringElement(cv2.MORPH_RECT, (max(8, int(w * 0.012)), 1))
    for y0, y1 in runs:
        if y0 < int(h * 0.12):
            continue
        band = cv2.morphologyEx(binary[y0:y1], cv2.MORPH_CLOSE, close)
        cols = (band > 0).any(axis=0)
        cols[: int(w * 0.06)] = False  # the scanner's dark edges are not text
        cols[int(w * 0.97):] = False
        inked = np.flatnonzero(cols)
        if not len(inked) or inked[0] > 0.25 * w or inked[-1] < 0.90 * w:
            continue
        longest = max((b - a for a, b in _open_runs(cols[inked[0]: inked[-1]])), default=0)
        if longest < 0.04 * w:
            return min(high, max(low, y0))
    return high


def closing_top(grey: Any) -> int:
    """Row where the closing block (recipients, signature) starts on an upright last page.

    Text lines are found from the row profile of the ink; the closing block starts under the
    last line with one run of ink across the middle of the page (body text is justified full
    width; the two closing columns, the seal and the signature leave the middle open at some
    point of every line).
    """
    import cv2

    h, w = grey.shape[:2]
    binary, runs = _text_rows(grey)
    gap = max(8, int(w * 0.012))  # wider than a word space
    close = cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1))
    bottom_limit = int(h * 0.96)
    for y0, y1 in reversed(runs):
        if y0 > bottom_limit:
            continue  # page number or footer
        band = cv2.morphologyEx(binary[y0:y1], cv2.MORPH_CLOSE, close)
        cols = (band > 0).any(axis=0)[int(w * 0.38): int(w * 0.62)]
        # Across the middle: no opening wider than a few word spaces (the gutter between
        # the recipients and the signature block is a tenth of the page or more).
        longest = max((b - a for a, b in _open_runs(cols)), default=0)
        if longest < 0.04 * w:
            return y1
    return 0


def read_closing(image: PageImage, tessdata_dir: Path | None) -> tuple[list[Line], int | None]:
    """Lines of the last page's closing block, upright. (lines, turn used)."""
    grey = _load_grey(image)
    if grey is None:
        return [], None
    best: tuple[list[Line], int | None] = ([], None)
    for turn in _candidates(grey, None):
        upright = _turn(grey, turn)
        h = upright.shape[0]
        top = max(0, closing_top(upright) - 4)
        lines = ocr_lines(upright[top:], tessdata_dir, top=top, page_h=h)
        if _mean_conf(lines) > _mean_conf(best[0]):
            best = (lines, turn)
        if _mean_conf(lines) >= GOOD_CONFIDENCE and len(lines) >= 2:
            break
    return best


def reread_signature(image: PageImage, turn: int, tessdata_dir: Path | None) -> list[Line]:
    """The signature column of the closing block read again as one block of text (psm 6):
    tesseract's page layout analysis can take a name under a signature and a seal for a
    picture and skip it."""
    grey = _load_grey(image)
    if grey is None:
        return []
    upright = _turn(grey, turn)
    h, w = upright.shape[:2]
    top = max(0, closing_top(upright) - 4)
    left = int(w * 0.45)
    return ocr_lines(upright[top:, left:], tessdata_dir, top=top, page_h=h, left=left,
                     page_w=w, psm=6)


def read_zones(images: list[PageImage] | tuple[PageImage, ...], tessdata_dir: Path | None,
               first_hint: int | None = None) -> Zones:
    started = time.monotonic()
    by_number = {im.number: im for im in images}
    if not by_number:
        return Zones()
    first = by_number.get(1) or by_number[min(by_number)]
    last = by_number[max(by_number)]
    header, first_turn = read_header(first, tessdata_dir, first_hint)
    closing: list[Line] = []
    last_turn = None
    if last is first:
        # One page: the closing block is on it too, in the same orientation.
        grey = _load_grey(first)
        if grey is not None and first_turn is not None:
            upright = _turn(grey, first_turn)
            h = upright.shape[0]
            top = max(header_bottom(upright), closing_top(upright) - 4)
            closing = ocr_lines(upright[top:], tessdata_dir, top=top, page_h=h)
            last_turn = first_turn
    else:
        closing, last_turn = read_closing(last, tessdata_dir)
    return Zones(tuple(header), tuple(closing), first_turn, last_turn,
                 round(time.monotonic() - started, 2))
