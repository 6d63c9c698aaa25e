"""Where the secrecy evidence sits on the page images the web UI shows (no Flask here).

Classification reads page 1 rasterised at `ocr.engine.CLASSIFY_DPI` (bounded to 60 Mpx, the
same bound `ocr.engine.render_pages` passes to its child); an evidence `bbox` is in that
raster's pixels, before any turn the OCR applied to make the page upright. The review page
draws the boxes in an SVG whose viewBox is that raster turned the same way as the archival
page, with the page image (`/d/<id>/page/<n>.png`) stretched over it: no arithmetic on the
image's own size, which the browser may scale freely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr.engine import CLASSIFY_DPI

CLASSIFY_MAX_PIXELS = 60e6  # ocr.engine.render_pages: "max_pixels": 60e6
MAX_BOXES_PER_PAGE = 40  # a damaged record cannot make the page heavy


@dataclass(frozen=True)
class Box:
    number: int  # the evidence's row number in the table beside the page (1-based)
    x: float
    y: float
    width: float
    height: float
    classified: bool  # the signal points to a secrecy level (drawn red), or not (blue)


@dataclass(frozen=True)
class PageView:
    number: int
    width: float  # viewBox size: the classification raster, turned like the archival page
    height: float
    boxes: tuple[Box, ...]


def raster_size(width_pt: float, height_pt: float) -> tuple[float, float]:
    """Pixel size of the classification raster of a page of this size in points."""
    scale = CLASSIFY_DPI / 72.0
    if width_pt * height_pt * scale * scale > CLASSIFY_MAX_PIXELS:
        scale = math.sqrt(CLASSIFY_MAX_PIXELS / max(width_pt * height_pt, 1.0))
    return width_pt * scale, height_pt * scale


def turn_box(bbox: tuple[float, float, float, float], width: float, height: float,
             turn_cw: int) -> tuple[float, float, float, float]:
    """A box in a width x height raster, after the raster is turned `turn_cw` degrees clockwise
    (0, 90, 180, 270). Returns x0, y0, x1, y1 in the turned raster."""
    x0, y0, x1, y1 = bbox
    turn = turn_cw % 360
    if turn == 90:
        return height - y1, x0, height - y0, x1
    if turn == 180:
        return width - x1, height - y1, width - x0, height - y0
    if turn == 270:
        return y0, width - x1, y1, width - x0
    return x0, y0, x1, y1


def page_sizes(pdf: Path, numbers: set[int]) -> dict[int, tuple[float, float]]:
    """Shown size in points (crop box, after /Rotate) of some pages of a PDF."""
    import pikepdf

    out: dict[int, tuple[float, float]] = {}
    with pikepdf.open(pdf) as doc:
        for number in sorted(numbers):
            if not 1 <= number <= len(doc.pages):
                continue
            page = doc.pages[number - 1]
            x0, y0, x1, y1 = (float(v) for v in page.cropbox)
            w, h = abs(x1 - x0), abs(y1 - y0)
            try:
                rotate = int(page.obj.get("/Rotate", 0))
            except (TypeError, ValueError):
                rotate = 0
            out[number] = (h, w) if rotate % 180 else (w, h)
    return out


def _bbox(value: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def page_views(evidence: list[dict[str, Any]], pages: list[dict[str, Any]],
               sizes: dict[int, tuple[float, float]]) -> dict[int, PageView]:
    """Per page with at least one box: the viewBox and the boxes, clipped to the page.

    `evidence` is the record's classification evidence (numbered in list order from 1),
    `pages` the record's pages (for `rotated_cw`), `sizes` the archival pages' shown sizes."""
    turned = {int(p.get("number") or 0): int(p.get("rotated_cw") or 0) for p in pages}
    views: dict[int, list[Box]] = {}
    frames: dict[int, tuple[float, float]] = {}
    for i, e in enumerate(evidence, start=1):
        box = _bbox(e.get("bbox"))
        number = e.get("page")
        if box is None or not isinstance(number, int) or number not in sizes:
            continue
        turn = turned.get(number, 0) % 360
        shown_w, shown_h = raster_size(*sizes[number])
        # The raster classification read was the page before the turn: its sides swap back.
        raw_w, raw_h = (shown_h, shown_w) if turn in (90, 270) else (shown_w, shown_h)
        x0, y0, x1, y1 = turn_box(box, raw_w, raw_h, turn)
        x0, x1 = max(0.0, x0), min(shown_w, x1)
        y0, y1 = max(0.0, y0), min(shown_h, y1)
        if x1 <= x0 or y1 <= y0:
            continue
        level = str(e.get("level") or "none")
        boxes = views.setdefault(number, [])
        if len(boxes) < MAX_BOXES_PER_PAGE:
            boxes.append(Box(i, round(x0, 1), round(y0, 1), round(x1 - x0, 1),
                             round(y1 - y0, 1), level != "none"))
        frames[number] = (round(shown_w, 1), round(shown_h, 1))
    return {n: PageView(n, frames[n][0], frames[n][1], tuple(b)) for n, b in views.items()}
