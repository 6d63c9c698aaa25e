"""Secrecy and urgency stamps on page 1: a rectangular frame of stamp size, read as one line.

Full-page OCR usually misses a stamp. Here:

1. ink masks of the page: red ink (Lab a* above the paper's, red hue) whenever the raster has any
   colour, and dark ink (adaptive threshold) for greyscale and bilevel scans, where a red stamp
   has become grey or black;
2. rectangles of stamp size (about 8 mm high, 15-55 mm long; DOMAIN.md §2), in any orientation
   (a page can be scanned sideways), deskewed on their minimal rotated rectangle;
3. a frame test on the deskewed crop: an inked line on all four sides with paper inside it, and
   the number of parallel border lines (two about 1 mm apart for a secrecy stamp, one for an
   urgency stamp). This rejects red headings, the round seal and text blocks;
4. the inside of the frame, border removed, read by tesseract as a single line (both ways up)
   and matched on accent-folded text against the stamp texts with a small edit distance.

The page orientation comes from the stamp itself when it was read (stamps are printed upright
on the page), otherwise from the caller (`orientation`, tesseract OSD), so the position test
("header zone": the top 45 % of the upright page) works on sideways scans.

Nothing here logs or returns document text beyond the stamp's own reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa.records import Evidence, PageImage, Secrecy
from sohoa.vntext import fold

MM_PER_INCH = 25.4
HEADER_ZONE = 0.45  # top share of the upright page where stamps are placed
MAX_CANDIDATES = 12  # bound on the number of frames read per page (time)

# Folded stamp texts, longest first so "toi mat" is not taken for "mat".
SECRECY_STAMPS: list[tuple[str, Secrecy]] = [
    ("tuyet mat", Secrecy.TUYET_MAT),
    ("toi mat", Secrecy.TOI_MAT),
    ("mat", Secrecy.MAT),
]
URGENCY_STAMPS: list[tuple[str, str]] = [
    ("hoa toc hen gio", "hoa_toc"),
    ("thuong khan", "thuong_khan"),
    ("hoa toc", "hoa_toc"),
    ("khan", "khan"),
]
# Other marks read in a frame: a declassification or recall stamp is not a level of its own.
OTHER_MARKS: list[tuple[str, str]] = [("giai mat", "declassified"), ("thu hoi", "recall")]
# Regulated widths (mm) of the secrecy stamps: TUYỆT MẬT 40, TỐI MẬT 30, MẬT about 20.
WIDTH_LEVELS: list[tuple[float, Secrecy]] = [
    (36.0, Secrecy.TUYET_MAT), (26.5, Secrecy.TOI_MAT), (0.0, Secrecy.MAT)]

LineReader = Callable[[Any], tuple[str, float]]  # grey crop -> (text, mean confidence 0-100)


@dataclass(frozen=True)
class StampMatch:
    kind: str  # "secrecy", "urgency", "declassified", "recall", "other", ""
    level: Secrecy | None  # for kind "secrecy"
    value: str  # urgency code, or the folded label matched
    similarity: float  # 0..1


@dataclass(frozen=True)
class StampCandidate:
    bbox: tuple[int, int, int, int]  # axis-aligned box in page pixels
    width_mm: float  # along the stamp's text
    height_mm: float
    red: bool
    borders: int  # parallel frame lines found (2 = double border)
    in_header: bool | None  # None: page orientation unknown
    rotation: int | None  # clockwise turn that makes the stamp upright; None if unread
    reading: str  # folded single-line reading of the inside (the stamp's own words only)
    confidence: float  # tesseract's mean word confidence of the reading
    match: StampMatch
    text_width_mm: float = 0.0  # extent of the letters inside the frame
    text_height_mm: float = 0.0


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _similarity(text: str, label: str) -> float:
    return 1.0 - levenshtein(text, label) / max(len(label), len(text), 1)


def _variants(reading: str) -> list[str]:
    """Letters-only readings: as read, without stray 1-letter tokens (frame or dust remnants)."""
    # OCR reads a capital O as zero in short stamp words ("T0I MẬT").
    words = "".join(c if c.isalpha() else " " for c in fold(reading).replace("0", "o")).split()
    out = [" ".join(words)]
    longer = [w for w in words if len(w) > 1]
    if longer and len(longer) != len(words):
        out.append(" ".join(longer))
    joined = "".join(words)
    if joined and joined not in out:
        out.append(joined)  # "TUYỆTMẬT" read without its space
    return [v for v in out if v]


def match_stamp_text(reading: str) -> StampMatch:
    """What a single-line reading of a stamp says, tolerant of a few OCR errors."""
    best = StampMatch("", None, "", 0.0)
    for text in _variants(reading):
        squashed = text.replace(" ", "")
        for label, code in OTHER_MARKS:
            sim = max(_similarity(text, label), _similarity(squashed, label.replace(" ", "")))
            if sim >= 0.75 and sim > best.similarity:
                best = StampMatch(code, None, label, sim)
        for label, code in URGENCY_STAMPS:
            sim = max(_similarity(text, label), _similarity(squashed, label.replace(" ", "")))
            need = 0.75 if len(label) > 4 else 0.74  # "khan": one error allowed
            if sim >= need and sim > best.similarity:
                best = StampMatch("urgency", None, code, sim)
        for label, level in SECRECY_STAMPS:
            sim = max(_similarity(text, label), _similarity(squashed, label.replace(" ", "")))
            if sim >= 0.6 and (sim > best.similarity or (
                    best.kind == "secrecy" and sim == best.similarity)):
                if best.kind in ("declassified", "recall", "urgency") and sim <= best.similarity:
                    continue
                best = StampMatch("secrecy", level, label, sim)
    return best


# Framed marks that are not secrecy marks (folded): a frame read as one of these is let go.
# Any other reading of a stamp-sized frame in the header zone counts as an unreadable stamp.
BENIGN_MARKS = ["den", "du thao", "ban sao", "sao y", "sao y ban chinh", "trich sao", "luu",
                "da ky", "da duyet", "van ban dien tu", "cong van den", "so", "ngay"]


def benign_mark(reading: str) -> bool:
    for text in _variants(reading):
        for label in BENIGN_MARKS:
            if text == label or (len(label) >= 4 and _similarity(text, label) >= 0.75):
                return True
    return False


def width_level(width_mm: float) -> Secrecy:
    return next(level for low, level in WIDTH_LEVELS if width_mm >= low)


# -- masks ------------------------------------------------------------------------------------


def red_mask(bgr: Any) -> Any:
    """Red ink, relative to the paper: works on faint pink stamps and tinted paper.

    Lab a* (green-red) above the page's median, b* not blue (blue signature ink also has a
    positive a*), and red the strongest channel.
    """
    import cv2
    import numpy as np

    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(np.int16)
    a = lab[..., 1]
    b = lab[..., 2]
    a_rel = a - int(np.median(a))
    b_rel = b - int(np.median(b))
    ch = bgr.astype(np.int16)
    red_lead = ch[..., 2] - np.maximum(ch[..., 1], ch[..., 0])
    mask = (a_rel >= 7) & (b_rel >= -3) & (red_lead >= 12)
    return mask.astype(np.uint8) * 255


def dark_mask(bgr: Any) -> Any:
    import cv2

    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 41, 18)


def has_colour(bgr: Any) -> bool:
    """Any red ink at all: the renderer's colour flag misses faint stamps on grey-looking scans."""
    import numpy as np

    if bgr.ndim != 3:
        return False
    spread = bgr.max(axis=2).astype(np.int16) - bgr.min(axis=2).astype(np.int16)
    return bool((spread > 18).mean() > 0.0002)


# -- frames -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    ok: bool
    borders: int
    inner: tuple[int, int, int, int]  # x0, y0, x1, y1 inside the innermost border line


def _runs(on: Any) -> list[tuple[int, int]]:
    out, start = [], None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(on)))
    return out


def _side(profile: Any, px_per_mm: float) -> tuple[int, int] | None:
    """(border lines, inner edge index) for one side, scanning from the outside inwards.

    A side is: one or two inked lines (coverage >= 0.5, each at most ~1.6 mm thick, the gap
    between them at most ~2 mm) followed by paper (coverage < 0.3) before the text.
    """
    limit = max(4, int(len(profile) * 0.42))
    head = profile[:limit]
    lines = [r for r in _runs(head >= 0.5) if r[1] - r[0] <= max(3, 1.6 * px_per_mm)]
    if not lines or lines[0][0] > max(3, 2.5 * px_per_mm):
        return None

    def paper_after(end: int) -> bool:
        after = head[end: end + max(2, int(1.5 * px_per_mm))]
        return len(after) > 0 and after.min() < 0.3

    first = lines[0]
    if len(lines) > 1:
        second = lines[1]
        gap = head[first[1]:second[0]]
        # A second line about 1 mm inside the first, as strongly inked: a double border. (The
        # top of the text is less dense and further in.)
        if (len(gap) and gap.min() < 0.3 and second[0] - first[1] <= max(3, 1.6 * px_per_mm)
                and head[second[0]:second[1]].max() >= 0.7 and paper_after(second[1])):
            return 2, second[1]
    if not paper_after(first[1]):
        return None
    return 1, first[1]


def frame_test(mask: Any, px_per_mm: float) -> _Frame:
    """Is this deskewed crop (frame roughly at its edges, a small margin around) a frame?"""
    import numpy as np

    crop = mask > 0
    h, w = crop.shape
    if h < 8 or w < 16:
        return _Frame(False, 0, (0, 0, w, h))
    rows = crop[:, int(w * 0.1): int(w * 0.9)].mean(axis=1)
    cols = crop[int(h * 0.15): int(h * 0.85), :].mean(axis=0)
    top = _side(rows, px_per_mm)
    bottom = _side(rows[::-1], px_per_mm)
    left = _side(cols, px_per_mm)
    right = _side(cols[::-1], px_per_mm)
    sides = [top, bottom, left, right]
    if sum(s is not None for s in sides) < 4:
        # A faint stamp may lose one short side; the long sides must be there.
        if top is None or bottom is None or sum(s is not None for s in sides) < 3:
            return _Frame(False, 0, (0, 0, w, h))
    borders = min(s[0] for s in (top, bottom) if s is not None)
    x0 = left[1] if left else int(1.5 * px_per_mm)
    x1 = w - right[1] if right else w - int(1.5 * px_per_mm)
    y0, y1 = top[1], h - bottom[1]  # type: ignore[index]
    # Inside the frame: mostly paper (a text block or a filled box is not a frame).
    inside = crop[y0:y1, x0:x1]
    if inside.size == 0 or float(np.mean(inside)) > 0.45:
        return _Frame(False, 0, (0, 0, w, h))
    return _Frame(True, borders, (x0, y0, x1, y1))


def _deskewed(img: Any, rect: tuple, margin: int) -> Any:
    """The rotated rectangle `rect` cut out upright, long side horizontal, with a margin."""
    import cv2
    import numpy as np

    (cx, cy), (rw, rh), angle = rect
    if rw < rh:
        rw, rh = rh, rw
        angle += 90.0
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    out_w, out_h = int(round(rw)) + 2 * margin, int(round(rh)) + 2 * margin
    matrix[0, 2] += out_w / 2 - cx
    matrix[1, 2] += out_h / 2 - cy
    border = 0 if img.ndim == 2 else (255, 255, 255)
    flags = cv2.INTER_NEAREST if img.ndim == 2 else cv2.INTER_LINEAR
    out = cv2.warpAffine(img, matrix, (out_w, out_h), flags=flags,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return np.ascontiguousarray(out)


def _frame_candidates(mask: Any, px_per_mm: float, close_mm: float) -> list[tuple]:
    """Rotated rectangles of stamp size and shape in a mask (gaps up to `close_mm` bridged)."""
    import cv2

    k = max(3, int(round(close_mm * px_per_mm)))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(
        cv2.MORPH_RECT, (k, k)))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour in contours:
        if len(contour) < 4:
            continue
        rect = cv2.minAreaRect(contour)
        (_, _), (rw, rh), _ = rect
        long_mm, short_mm = max(rw, rh) / px_per_mm, min(rw, rh) / px_per_mm
        if not (14.0 <= long_mm <= 56.0 and 5.0 <= short_mm <= 16.0):
            continue
        if not 1.6 <= long_mm / short_mm <= 8.0:
            continue
        # Rectangular: the hull fills its rotated rectangle (a broken frame of a faint stamp
        # has a ragged contour but a rectangular hull).
        if cv2.contourArea(cv2.convexHull(contour)) < 0.85 * rw * rh:
            continue
        out.append(rect)
    # Largest first: the outer edge of a frame before its hole or the text inside it.
    return sorted(out, key=lambda r: -r[1][0] * r[1][1])


def _box(rect: tuple) -> tuple[int, int, int, int]:
    import cv2

    pts = cv2.boxPoints(rect)
    xs, ys = pts[:, 0], pts[:, 1]
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller else 0.0


def in_header_zone(bbox: tuple[int, int, int, int], shape: tuple[int, int],
                   rotation: int) -> bool:
    """Whether the box lies in the top HEADER_ZONE of the page once turned `rotation` cw."""
    h, w = shape
    x0, y0, x1, y1 = bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    # Distance from the upright page's top edge, as a share of the upright page height.
    rotation %= 360
    if rotation == 0:
        share = cy / h
    elif rotation == 180:
        share = (h - cy) / h
    elif rotation == 90:  # turning the image 90 cw brings its left edge to the top
        share = cx / w
    else:
        share = (w - cx) / w
    return share <= HEADER_ZONE


def ink_extent(crop_bgr: Any, red: bool) -> tuple[int, int]:
    """(width, height) in pixels of the letters inside a frame (specks and frame remnants
    dropped): how much text the stamp carries, whatever OCR made of it."""
    import numpy as np

    img = _text_image(crop_bgr, red, for_ocr=False)
    ys, xs = np.nonzero(img == 0)
    if not len(xs):
        return 0, 0
    return int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def _text_image(crop_bgr: Any, red: bool, for_ocr: bool = True) -> Any:
    """Black text on white for tesseract: red stamps through their redness."""
    import cv2
    import numpy as np

    if red == "green":
        grey = crop_bgr[..., 1]  # red ink absorbs green: the strongest contrast on paper
    elif red:
        # Redness (red minus the stronger of green and blue): high for red ink, about zero
        # for paper and for black text the stamp may overlap.
        ch = crop_bgr.astype(np.int16)
        redness = np.clip(ch[..., 2] - np.maximum(ch[..., 1], ch[..., 0]), 0, 255)
        grey = (255 - redness).astype(np.uint8)
    else:
        grey = cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2GRAY) if crop_bgr.ndim == 3 else crop_bgr
    grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX)
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Specks and frame remnants touching the crop's edge are not letters.
    ink = (binary == 0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, 8)
    h, w = ink.shape
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw >= w or y + bh >= h
        if area < 6 or (touches and (bw > 0.5 * w or bh > 0.8 * h)):
            binary[labels == i] = 255
    if not for_ocr:
        return binary
    if h < 48:  # tesseract reads best with capitals ~30 px high
        binary = cv2.resize(binary, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(binary, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=255)


def _read(inner_bgr: Any, red: bool, read_line: LineReader, turns: tuple[int, ...]
          ) -> tuple[str, float, int | None, StampMatch]:
    """Best reading of the frame's inside over the given turns (degrees cw)."""
    import cv2

    best: tuple[str, float, int | None, StampMatch] = ("", 0.0, None, StampMatch("", None, "",
                                                                                 0.0))
    # Red ink by its redness first (black text under the stamp drops out), then through the
    # green channel (smoother letters) when that reading was not clean.
    for source in ((True, "green") if red else (False,)):
        base = _text_image(inner_bgr, source)  # type: ignore[arg-type]
        for turn in turns:
            img = base if turn != 180 else cv2.rotate(base, cv2.ROTATE_180)
            text, conf = read_line(img)
            match = match_stamp_text(text)
            score = match.similarity if match.kind else 0.0
            if best[2] is None or score > best[3].similarity or (
                    not best[3].kind and conf > best[1]):
                best = (fold(text).strip(), conf, turn, match)
            if match.kind and match.similarity >= 0.95:
                return best
    return best


def find_stamps(image: PageImage, read_line: LineReader,
                orientation: Callable[[], int | None] | None = None) -> list[StampCandidate]:
    """Stamp frames on one page image, each read as a line. Bounded: MAX_CANDIDATES frames."""
    import cv2

    bgr = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
    if bgr is None:
        return []
    px_per_mm = image.dpi / MM_PER_INCH
    masks = []
    if image.color or has_colour(bgr):
        masks.append((True, red_mask(bgr)))
    masks.append((False, dark_mask(bgr)))
    found: list[tuple[tuple, bool, _Frame, tuple[int, int, int, int]]] = []
    for red, mask in masks:
        # Red ink is only stamps, seals and headings: bridge wider gaps (worn, faint stamps).
        for rect in _frame_candidates(mask, px_per_mm, 1.2 if red else 0.7):
            box = _box(rect)
            if any(_overlap(box, f[3]) > 0.5 for f in found):
                continue
            margin = int(round(1.2 * px_per_mm))
            frame = frame_test(_deskewed(mask, rect, margin), px_per_mm)
            if not frame.ok:
                continue
            if not red and frame.borders < 2 and found and any(f[1] for f in found):
                # On a page with red ink, a single black frame is a table cell or a box.
                continue
            found.append((rect, red, frame, box))
            if len(found) >= MAX_CANDIDATES:
                break
    out = []
    page_turn: int | None = None
    for rect, red, frame, box in found:
        margin = int(round(1.2 * px_per_mm))
        crop = _deskewed(bgr, rect, margin)
        x0, y0, x1, y1 = frame.inner
        pad = max(1, int(round(0.3 * px_per_mm)))
        inner = crop[y0 + pad: y1 - pad, x0 + pad: x1 - pad]
        if inner.size == 0:
            continue
        (_, _), (rw, rh), angle = rect
        long_px, short_px = max(rw, rh), min(rw, rh)
        text, conf, turn, match = _read(inner, red, read_line, (0, 180))
        ink_w, ink_h = ink_extent(inner, red)
        rotation = None
        if match.kind:
            # Which way the page is up: the stamp was read after `_deskewed` turned its long
            # side horizontal (by `angle`, or angle+90), then `turn`.
            rotation = _page_turn(angle if rw >= rh else angle + 90.0, turn or 0)
            page_turn = rotation if page_turn is None else page_turn
        out.append(StampCandidate(
            bbox=box, width_mm=long_px / px_per_mm, height_mm=short_px / px_per_mm, red=red,
            borders=frame.borders, in_header=None, rotation=rotation, reading=text[:40],
            confidence=conf, match=match, text_width_mm=ink_w / px_per_mm,
            text_height_mm=ink_h / px_per_mm,
        ))
    if page_turn is None and out and orientation is not None:
        page_turn = orientation()
    shape = bgr.shape[:2]
    return [
        StampCandidate(c.bbox, c.width_mm, c.height_mm, c.red, c.borders,
                       None if page_turn is None else in_header_zone(c.bbox, shape, page_turn),
                       c.rotation, c.reading, c.confidence, c.match, c.text_width_mm,
                       c.text_height_mm)
        for c in out
    ]


def _page_turn(applied_ccw: float, turn: int) -> int:
    """Clockwise turn (0/90/180/270) that makes the page upright, from how the stamp was read.

    The stamp was cut out turning the page `applied_ccw` degrees counter-clockwise (cv2's
    sense), then read after a further `turn` (0 or 180). A stamp is printed upright on its page,
    so the page needs the same turn: as a clockwise multiple of 90.
    """
    total_ccw = applied_ccw + turn
    return int(round(-total_ccw / 90.0)) * 90 % 360


def tesseract_line(grey: Any, tessdata_dir: Path | None = None, timeout: float = 20
                   ) -> tuple[str, float]:
    """OCR a prepared crop as one line: (text, mean word confidence)."""
    import pytesseract

    config = "--psm 7"
    if tessdata_dir:
        config += f' --tessdata-dir "{tessdata_dir}"'
    try:
        data = pytesseract.image_to_data(grey, lang="vie", config=config, timeout=timeout,
                                         output_type=pytesseract.Output.DICT)
    except (RuntimeError, pytesseract.TesseractError):
        return "", 0.0
    words = [(w, float(c)) for w, c in zip(data["text"], data["conf"], strict=False)
             if str(w).strip() and float(c) >= 0]
    if not words:
        return "", 0.0
    text = " ".join(w for w, _ in words)
    return text, sum(c for _, c in words) / len(words)


# -- evidence ---------------------------------------------------------------------------------


def _describe(c: StampCandidate) -> str:
    where = {True: "header zone", False: "outside header zone", None: "orientation unknown"}
    return (f"{c.width_mm:.0f}x{c.height_mm:.0f} mm, {'red' if c.red else 'dark'}, "
            f"{'double' if c.borders >= 2 else 'single'} border, {where[c.in_header]}")


def stamp_evidence(candidates: list[StampCandidate], page: int) -> list[Evidence]:
    """Evidence for the secrecy decision (level NONE entries are recorded, not counted)."""
    out = []
    for c in candidates:
        m = c.match
        detail = _describe(c)
        if m.kind == "secrecy" and m.level is not None:
            score = 0.55 + 0.35 * m.similarity + 0.04 * c.red + 0.03 * (c.borders >= 2) + (
                0.03 if c.in_header else 0.0)
            if not c.red and not c.in_header:
                score -= 0.15  # a dark box with "mật" far from the header: let a person look
            out.append(Evidence("stamp_text", m.level, round(min(score, 0.99), 3), page, c.bbox,
                                f"{detail}, read '{c.reading[:20]}'"))
            by_width = width_level(c.width_mm)
            if by_width.rank > m.level.rank and c.width_mm >= 26.5 and unread_ink(c):
                # A frame of a higher level's width with more letters in it than were read:
                # part of the stamp ("TUYỆT") may be lost. The higher level the size suggests
                # stands until a person looks. (A wide frame around a short word is not that.)
                out.append(Evidence("stamp_size", by_width, 0.45, page, c.bbox,
                                    f"{detail}: wider than a {m.level.label_vi} stamp, "
                                    "with unread letters"))
        elif m.kind == "urgency":
            out.append(Evidence("urgency_stamp", Secrecy.NONE, round(m.similarity, 3), page,
                                c.bbox, f"{detail}, urgency {m.value}"))
        elif m.kind == "declassified":
            out.append(Evidence("declassified_stamp", Secrecy.MAT, 0.5, page, c.bbox,
                                f"{detail}, GIẢI MẬT: a person confirms the declassification"))
        elif m.kind == "recall":
            out.append(Evidence("recall_stamp", Secrecy.MAT, 0.45, page, c.bbox,
                                f"{detail}, THU HỒI"))
        else:
            if benign_mark(c.reading) and c.confidence >= 60:
                out.append(Evidence("other_stamp", Secrecy.NONE, round(c.confidence / 100, 3),
                                    page, c.bbox, f"{detail}, another mark"))
                continue
            # A frame of stamp size whose text cannot be read. In the header zone (or where we
            # cannot tell), red or double-bordered: a secrecy stamp by shape alone; its width
            # says which level. Classified and reviewed, never silently open.
            if c.in_header is False:
                continue
            if c.red or c.borders >= 2:
                out.append(Evidence("stamp_shape", width_level(c.width_mm), 0.5, page, c.bbox,
                                    f"{detail}, text not readable"))
            else:
                out.append(Evidence("stamp_shape", Secrecy.MAT, 0.4, page, c.bbox,
                                    f"{detail}, text not readable"))
    return out


def unread_ink(c: StampCandidate) -> bool:
    """More letters inside the frame than the reading accounts for (capitals are about 0.8 of
    their height wide; the space counts as one)."""
    if c.text_height_mm <= 0:
        return True  # nothing measured: assume the worst
    expected = len(c.match.value or c.reading) * 0.8 * c.text_height_mm
    return c.text_width_mm > 1.5 * expected


def urgency_of(evidence: list[Evidence] | tuple[Evidence, ...]) -> str:
    """The urgency code read from an urgency stamp, '' when none."""
    best = ""
    order = {"khan": 1, "thuong_khan": 2, "hoa_toc": 3}
    for e in evidence:
        if e.signal == "urgency_stamp":
            code = e.detail.rsplit("urgency ", 1)[-1]
            if order.get(code, 0) > order.get(best, 0):
                best = code
    return best
