"""Page image clean-up with opencv: skew, illumination, noise, borders, blank pages.

Pure functions on numpy arrays (uint8, greyscale unless said otherwise), no I/O, so they are
tested on generated pages and timed apart from tesseract. The child process (`ocr.upright`,
`ocr.plugin`) calls them; each works on a page-sized image in a few hundred milliseconds at
300 dpi, and the costly searches run on a copy reduced to `ANALYSIS_DPI`.

Choices were made on pages from `tools/docgen.py` (whose skew and degradations are known), then
measured on the dev corpus with `bench/ocr_quality.py`; none is fitted to the dev corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

ANALYSIS_DPI = 100  # skew, blank and border analysis run on a copy at this resolution
MAX_SKEW_DEG = 8.0  # larger angles are left to orientation detection (or to a person)
OCR_MIN_DPI = 300  # pages scanned below this are enlarged for tesseract (measured, docs/ocr.md)
INK_LEVEL = 160  # after background normalisation: darker than this is ink
# Grain on the paper (grey levels, standard deviation) above which a coarse scan is denoised
# before anything else, and the dpi from which it is not (the 3x3 median is enough there).
GRAIN_SIGMA_MIN = 3.5
GRAIN_MAX_DPI = 200
GRAIN_MAX_PIXELS = 8_000_000  # an A4 page at 200 dpi is 3.9 MP; beyond, the cost is unbounded


@dataclass(frozen=True)
class PageAnalysis:
    skew_deg: float  # counter-clockwise rotation that makes the text lines horizontal
    blank: bool
    ink_fraction: float  # of the page area, borders and specks excluded


def to_gray(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        return img
    if img.shape[2] == 4:
        img = img[:, :, :3]
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)


def _reduce(gray: np.ndarray, dpi: float, target: float) -> tuple[np.ndarray, float]:
    scale = min(1.0, target / max(1.0, dpi))
    if scale >= 0.999:
        return gray, 1.0
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return small, scale


def _odd(n: float) -> int:
    k = max(3, int(round(n)))
    return k if k % 2 else k + 1


def background(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The paper without the ink: a grey-level closing (ink is dark) with a kernel wider than
    any stroke, computed at low resolution and smoothed, then brought back to full size."""
    small, scale = _reduce(gray, dpi, 50)
    px_per_mm = dpi * scale / 25.4
    k = _odd(6 * px_per_mm)  # wider than a bold 14 pt capital's stroke cluster
    bg = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 2)
    return cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def normalise(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Uneven lighting and paper tone divided out, contrast stretched: paper white, ink dark.

    Division by the estimated background makes a shadowed corner as white as the centre; the
    stretch then maps the darkest ink (a low percentile) to black, which restores low-contrast
    and faded scans without clipping the grey edges of strokes tesseract uses.
    """
    bg = background(gray, dpi).astype(np.float32)
    ratio = gray.astype(np.float32) / np.maximum(bg, 1.0)
    out = np.clip(ratio * 255.0, 0, 255)
    ink = out[out < 200]
    if ink.size > 0.001 * out.size:
        lo = float(np.percentile(ink, 5))
        hi = 235.0  # paper noise above this becomes white
        if hi - lo > 20:
            out = np.clip((out - lo) * (255.0 / (hi - lo)), 0, 255)
    return out.astype(np.uint8)


def _ink_mask(norm: np.ndarray) -> np.ndarray:
    return (norm < INK_LEVEL).astype(np.uint8)


def remove_margins(norm: np.ndarray, dpi: float) -> np.ndarray:
    """Paint white the dark scanner borders and punch holes.

    Both are thick: an opening with a 1.2 mm square removes every pen stroke and letter (even
    bold capitals have thinner strokes) and leaves solid shapes. Those that touch the page
    edge, or lie in the outer 14 mm band (text never reaches there: Nghị định 30/2020 margins
    are 15-30 mm), are removed with a small halo.
    """
    small, scale = _reduce(norm, dpi, ANALYSIS_DPI)
    ink = _ink_mask(small)
    h, w = ink.shape
    px_mm = dpi * scale / 25.4
    k = max(2, int(round(1.2 * px_mm)))
    thick = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    if not thick.any():
        return norm
    band = int(round(14 * px_mm))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(thick, connectivity=8)
    kill = np.zeros(count, dtype=bool)
    for i in range(1, count):
        x, y, bw, bh, _ = stats[i]
        touches = x <= 1 or y <= 1 or x + bw >= w - 1 or y + bh >= h - 1
        inside_band = x + bw < band or y + bh < band or x > w - band or y > h - band
        if touches or (inside_band and max(bw, bh) < 12 * px_mm):
            kill[i] = True
    if not kill.any():
        return norm
    mask = kill[labels].astype(np.uint8)
    halo = max(3, int(round(1.0 * px_mm)) * 2 + 1)
    mask = cv2.dilate(mask, np.ones((halo, halo), np.uint8))
    full = cv2.resize(mask, (norm.shape[1], norm.shape[0]), interpolation=cv2.INTER_NEAREST)
    out = norm.copy()
    out[full > 0] = 255
    return out


def analyse(norm: np.ndarray, dpi: float) -> PageAnalysis:
    """Skew and blankness of a normalised page (borders already removed)."""
    small, scale = _reduce(norm, dpi, ANALYSIS_DPI)
    ink = _ink_mask(small)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # specks
    px_mm = dpi * scale / 25.4
    # Blank: no shape the size of a letter. Specks, dust and a stray scanner line are not text.
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    glyphs = 0
    for i in range(1, count):
        _, _, bw, bh, area = stats[i]
        if 0.8 * px_mm <= bh <= 12 * px_mm and bw <= 40 * px_mm and area >= 0.5 * px_mm ** 2:
            glyphs += 1
    fraction = float(ink.mean())
    blank = glyphs < 8
    skew = 0.0 if blank else estimate_skew(ink)
    return PageAnalysis(skew_deg=skew, blank=blank, ink_fraction=fraction)


def _profile_score(ink: np.ndarray, angle: float) -> float:
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rot.sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(rows) ** 2))


def estimate_skew(ink: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal.

    Projection profile: when the lines are level, the row sums of the ink alternate sharply
    between lines and gaps, so the sum of squared differences between neighbouring rows peaks.
    A coarse search, then a fine one around the best angle. Measured on generated pages with
    known skew: error under 0.1 degree (tests/test_ocr_clean.py).
    """
    if ink.sum() < 50:
        return 0.0
    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-6, 0.5)
    scores = [_profile_score(ink, a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-6, 0.05)
    scores = [_profile_score(ink, a) for a in fine]
    angle = float(fine[int(np.argmax(scores))])
    return round(angle, 2) if abs(angle) >= 0.05 else 0.0


def rotate(img: np.ndarray, angle_ccw: float, fill: int | tuple[int, ...]) -> np.ndarray:
    """Rotate by a small angle about the centre, same size, corners filled with `fill`."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_ccw, 1.0)
    border = fill if isinstance(fill, tuple) else (fill,) * (3 if img.ndim == 3 else 1)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def paper_colour(img: np.ndarray) -> int | tuple[int, ...]:
    """The colour of the paper: the median of the brightest half of the pixels."""
    step = max(1, int(np.sqrt(img.shape[0] * img.shape[1] / 250_000)))
    sample = img[::step, ::step]
    if sample.ndim == 2:
        flat = sample.ravel()
        return int(np.median(flat[flat >= np.median(flat)]))
    lum = to_gray(np.ascontiguousarray(sample)).ravel()
    bright = sample.reshape(-1, sample.shape[2])[lum >= np.median(lum)]
    return tuple(int(v) for v in np.median(bright, axis=0))


def denoise(norm: np.ndarray, dpi: float) -> np.ndarray:
    """Specks and grain removed, tone marks kept.

    A 3x3 median from 200 dpi up (below, it would eat dots and tone marks, then only 2-3
    pixels wide). Then isolated specks: ink blobs smaller than a dot-below (0.35 mm across)
    with no other ink within 0.8 mm; a real dot or tone mark always sits next to its letter.
    """
    if dpi >= 200:
        norm = cv2.medianBlur(norm, 3)
    ink = _ink_mask(norm)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return norm
    px_mm = dpi / 25.4
    small = stats[:, cv2.CC_STAT_AREA] < (0.35 * px_mm) ** 2
    small[0] = False
    if not small.any():
        return norm
    big_mask = ((~small)[labels] & (ink > 0)).astype(np.uint8)
    r = _odd(1.6 * px_mm)
    near = cv2.dilate(big_mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (r, r)))
    # a small blob is kept when any of its pixels is near a big one
    touching = np.zeros(count, dtype=bool)
    touching[np.unique(labels[(near > 0) & (ink > 0)])] = True
    remove = small & ~touching
    if not remove.any():
        return norm
    out = norm.copy()
    out[remove[labels]] = 255
    return out


def remove_streaks(norm: np.ndarray, dpi: float) -> np.ndarray:
    """Scanner streaks (thin dark lines along the feed, across the whole page) painted white.

    An opening with a 40 mm tall, one pixel wide line keeps only vertical runs of ink that
    long: no letter has one, a streak does. Tesseract reads a streak as a column of `|` and `l`
    and cuts the words it crosses; the letters it crosses lose a pixel column, which they
    survive.
    """
    ink = _ink_mask(norm)
    tall = max(9, int(round(40 * dpi / 25.4)))
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((tall, 1), np.uint8))
    if not lines.any():
        return norm
    out = norm.copy()
    out[cv2.dilate(lines, np.ones((1, 3), np.uint8)) > 0] = 255
    return out


def grain_sigma(gray: np.ndarray) -> float:
    """Standard deviation of the grain on the paper: each pixel against the median of its
    5x5 neighbourhood, away from the ink (a stroke's edge is not grain, and a median erases
    thin strokes)."""
    level = float(np.percentile(gray[::2, ::2], 75))
    ink = (gray < level - 60).astype(np.uint8)
    paper = cv2.dilate(ink, np.ones((7, 7), np.uint8)) == 0
    if paper.sum() < 0.05 * paper.size:
        return 0.0
    med = cv2.medianBlur(gray, 5).astype(np.float32)
    return float(np.std(gray.astype(np.float32)[paper] - med[paper]))


def smooth_grain(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Sensor grain and JPEG noise of a coarse grey scan removed, strokes and marks kept.

    Non-local means averages each pixel with pixels of similar neighbourhoods: the paper's
    grain goes, a letter's edge and a tone mark (which resemble other letters' edges, not the
    paper) stay. Below 200 dpi a tone mark is 2-3 pixels and grain of the same size is what
    tesseract confuses with it; the strength follows the measured grain. Measured on generated
    150 dpi poor scans (docs/ocr.md §1). From 200 dpi the 3x3 median does better (a streaky,
    grainy 200 dpi page read worse smoothed: tests/test_ocr_pages.py); bilevel pages are left
    as they are.
    """
    if dpi >= GRAIN_MAX_DPI or gray.size > GRAIN_MAX_PIXELS:
        return gray
    hist = np.bincount(gray[::3, ::3].ravel(), minlength=256)
    if hist[:8].sum() + hist[248:].sum() >= 0.9 * hist.sum():
        return gray  # black and white already (fax, bilevel scan): no grain to smooth
    sigma = grain_sigma(gray)
    if sigma <= GRAIN_SIGMA_MIN:
        return gray
    strength = min(16.0, max(6.0, 1.25 * sigma))
    return cv2.fastNlMeansDenoising(gray, None, h=strength, templateWindowSize=7,
                                    searchWindowSize=21)


def for_ocr(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """The image tesseract sees: grain smoothed on coarse scans, normalised, borders and holes
    removed, denoised, enlarged to `OCR_MIN_DPI` when scanned coarser. Returns (image, dpi)."""
    norm = normalise(smooth_grain(gray, dpi), dpi)
    norm = remove_margins(norm, dpi)
    norm = remove_streaks(norm, dpi)
    norm = denoise(norm, dpi)
    if dpi < OCR_MIN_DPI * 0.9:
        factor = OCR_MIN_DPI / dpi
        norm = cv2.resize(norm, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        dpi = dpi * factor
    return norm, dpi


def _line_bands(ink: np.ndarray) -> list[tuple[int, int]]:
    rows = ink.sum(axis=1)
    on = rows > max(2, 0.02 * ink.shape[1] * 0.1)
    bands, start = [], None
    for y, v in enumerate(on):
        if v and start is None:
            start = y
        elif not v and start is not None:
            bands.append((start, y))
            start = None
    if start is not None:
        bands.append((start, len(on)))
    return bands


def _gap_fraction(ink: np.ndarray) -> float:
    """Share of the rows inside the inked area that are (nearly) empty: the gaps between lines
    of level text. Across the lines, words rarely line up, so few columns are empty."""
    rows = ink.sum(axis=1)
    cols = ink.sum(axis=0)
    ys, xs = np.nonzero(rows)[0], np.nonzero(cols)[0]
    if ys.size < 2 or xs.size < 2:
        return 0.0
    inside = rows[ys[0]:ys[-1] + 1]
    return float((inside <= 0.01 * max(1, xs[-1] - xs[0])).mean())


def text_orientation(ink: np.ndarray) -> tuple[int, float]:
    """(quarter turns clockwise that make the page upright, confidence 0..1) from the ink of a
    page reduced to about 100 dpi.

    Two cheap cues instead of tesseract's orientation detection (which costs seconds a page):
    lines of text give a much sharper projection profile along the lines than across them,
    which tells portrait text from sideways text; and in Vietnamese most ink outside the
    x-height band sits above it (tone marks, circumflexes, capitals, b d đ h k l t) rather
    than below (g p q y), which tells upright from upside down.
    """
    best = None
    for quarter in (0, 1):
        img = np.ascontiguousarray(np.rot90(ink, -quarter))
        skew = estimate_skew(img)
        if skew:
            img = (rotate(img * 255, skew, 0) > 127).astype(np.uint8)
        score = _gap_fraction(img)
        if best is None or score > best[1]:
            best = (quarter, score, img)
    assert best is not None
    quarter, _, img = best
    px_mm = ANALYSIS_DPI / 25.4
    bands = []
    for y0, y1 in _line_bands(img):
        if not 1.5 * px_mm <= y1 - y0 <= 9 * px_mm:
            continue  # not a line of body-size text (a seal, a signature, a rule)
        cols = np.nonzero(img[y0:y1].sum(axis=0))[0]
        if cols.size and cols[-1] - cols[0] >= 15 * px_mm:
            bands.append((y0, y1))
    if bands:
        # lines of the page's usual size only: a seal's ring or a scribble is not one
        usual = float(np.median([y1 - y0 for y0, y1 in bands]))
        bands = [(y0, y1) for y0, y1 in bands if 0.6 * usual <= y1 - y0 <= 1.5 * usual]
    votes = 0.0
    weight = 0.0
    for y0, y1 in bands:
        rows = img[y0:y1].sum(axis=1).astype(np.float64)
        core = np.nonzero(rows >= 0.5 * rows.max())[0]
        above = rows[:core[0]].sum()
        below = rows[core[-1] + 1:].sum()
        if above + below < 5:
            continue
        # one vote per line, weighted by its ink
        votes += rows.sum() * (1.0 if above > below else -1.0)
        weight += rows.sum()
    if weight == 0:
        return quarter, 0.0
    flip = votes < 0
    confidence = abs(votes) / weight
    turns = (quarter + (2 if flip else 0)) % 4
    return turns, confidence
