"""Secrecy and urgency stamps on page 1: red ink, rectangle of the regulated size, read as a line.

Full-page OCR usually misses the stamp. Here: find red ink (HSV) in the header zone, keep boxes
of stamp size and shape, cut the frame away and OCR the crop as a single line, then match the
accent-folded reading against the stamp texts with a small edit distance. Greyscale and bilevel
scans have no red: boxes are then found by their (double) border.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sohoa.records import Evidence, PageImage, Secrecy
from sohoa.vntext import fold

MM_PER_INCH = 25.4

# Folded stamp texts, longest first so "toi mat" is not taken for "mat".
SECRECY_STAMPS: list[tuple[str, Secrecy]] = [
    ("tuyet mat", Secrecy.TUYET_MAT),
    ("toi mat", Secrecy.TOI_MAT),
    ("mat", Secrecy.MAT),
]
URGENCY_STAMPS = ["thuong khan", "hoa toc", "khan"]


@dataclass(frozen=True)
class StampCandidate:
    bbox: tuple[int, int, int, int]
    width_mm: float
    height_mm: float
    red: bool
    double_border: bool
    reading: str  # folded text read from the crop (only the stamp's own words)


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


def match_stamp_text(reading: str) -> tuple[Secrecy | None, float, str]:
    """(level, similarity 0..1, kind) for a folded single-line reading of a stamp crop."""
    text = " ".join("".join(c if c.isalpha() else " " for c in reading).split())
    if not text:
        return None, 0.0, ""
    for urgent in URGENCY_STAMPS:
        if levenshtein(text, urgent) <= max(1, len(urgent) // 4):
            return None, 1.0, "urgency"
    best: tuple[Secrecy | None, float, str] = (None, 0.0, "")
    for label, level in SECRECY_STAMPS:
        dist = levenshtein(text, label)
        sim = 1.0 - dist / max(len(label), len(text))
        if sim > best[1]:
            best = (level, sim, "secrecy")
    return best


def _red_mask(bgr):  # type: ignore[no-untyped-def]
    import cv2
    import numpy as np

    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    low = cv2.inRange(hsv, np.array([0, 70, 70]), np.array([12, 255, 255]))
    high = cv2.inRange(hsv, np.array([160, 70, 70]), np.array([180, 255, 255]))
    return cv2.bitwise_or(low, high)


def _dark_mask(bgr):  # type: ignore[no-untyped-def]
    import cv2

    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )


def _has_double_border(mask, bbox: tuple[int, int, int, int], px_per_mm: float) -> bool:  # type: ignore[no-untyped-def]
    """Two parallel strokes about 1 mm apart along the top and bottom edges of the box."""
    import numpy as np

    x0, y0, x1, y1 = bbox
    crop = mask[y0:y1, x0:x1] > 0
    if crop.size == 0:
        return False
    h = crop.shape[0]
    band = max(3, int(round(2.5 * px_per_mm)))
    inner = crop[:, int(crop.shape[1] * 0.15): int(crop.shape[1] * 0.85)]
    profile = inner.mean(axis=1)

    def strokes(rows: np.ndarray) -> int:
        on = rows > 0.5
        return int(np.count_nonzero(on[1:] & ~on[:-1]) + (1 if on[0] else 0))

    return strokes(profile[:band]) >= 2 and strokes(profile[h - band:]) >= 2


def find_stamps(image: PageImage, ocr_line) -> list[StampCandidate]:  # type: ignore[no-untyped-def]
    """Stamp-shaped boxes in the upper half of the page, each read with `ocr_line(crop)`."""
    import cv2

    bgr = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
    if bgr is None:
        return []
    px_per_mm = image.dpi / MM_PER_INCH
    height = bgr.shape[0]
    zone = bgr[: int(height * 0.5)]
    masks = []
    if image.color:
        masks.append((True, _red_mask(zone)))
    masks.append((False, _dark_mask(zone)))
    found: list[StampCandidate] = []
    for red, mask in masks:
        closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(
            cv2.MORPH_RECT, (max(3, int(px_per_mm)), max(3, int(px_per_mm)))))
        contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            w_mm, h_mm = w / px_per_mm, h / px_per_mm
            if not (12 <= w_mm <= 55 and 5 <= h_mm <= 16 and 1.6 <= w / max(h, 1) <= 7.5):
                continue
            # A stamp is a frame: its border is inked, its inside mostly paper.
            border = cv2.contourArea(contour)
            if border < 0.6 * w * h:
                continue
            bbox = (x, y, x + w, y + h)
            if any(_overlap(bbox, c.bbox) > 0.5 for c in found):
                continue
            double = _has_double_border(mask, bbox, px_per_mm)
            if not red and not double:
                continue  # on black ink only a double frame says "stamp"
            pad = int(round(2.2 * px_per_mm))
            crop = bgr[y + pad: y + h - pad, x + pad: x + w - pad]
            reading = fold(ocr_line(crop, red)) if crop.size else ""
            found.append(StampCandidate(bbox, w_mm, h_mm, red, double, reading))
    return found


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return inter / smaller if smaller else 0.0


def tesseract_line(crop, red: bool, tessdata_dir: Path | None = None) -> str:  # type: ignore[no-untyped-def]
    """OCR a stamp crop as one line; red ink is turned to black on white first."""
    import cv2
    import numpy as np
    import pytesseract

    if red:
        ink = _red_mask(crop)
        grey = np.where(ink > 0, 0, 255).astype("uint8")
    else:
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        _, grey = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    grey = cv2.copyMakeBorder(grey, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    config = "--psm 7"
    if tessdata_dir:
        config += f' --tessdata-dir "{tessdata_dir}"'
    try:
        return str(pytesseract.image_to_string(grey, lang="vie", config=config, timeout=30))
    except (RuntimeError, pytesseract.TesseractError):
        return ""


def stamp_evidence(candidates: list[StampCandidate], page: int) -> list[Evidence]:
    out = []
    for c in candidates:
        level, sim, kind = match_stamp_text(c.reading)
        if kind == "urgency":
            continue
        detail = f"{c.width_mm:.0f}x{c.height_mm:.0f} mm, {'red' if c.red else 'black'}, " + (
            "double border" if c.double_border else "single border"
        )
        if level is not None and sim >= 0.6:
            out.append(Evidence("stamp_text", level, round(sim, 3), page, c.bbox,
                                f"{detail}, read '{c.reading.strip()[:20]}'"))
        elif c.double_border and (c.red or c.width_mm >= 15):
            # A double-bordered box of stamp size whose text we cannot read: a secrecy stamp
            # by shape alone. Its size says which level it most likely is.
            guess = (Secrecy.TUYET_MAT if c.width_mm >= 36 else
                     Secrecy.TOI_MAT if c.width_mm >= 26 else Secrecy.MAT)
            out.append(Evidence("stamp_shape", guess, 0.5, page, c.bbox, detail))
    return out
