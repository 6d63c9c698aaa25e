"""Tiny synthetic scans for ingest tests: a few lines of Vietnamese text, fast to OCR.

(`tools/docgen.py` renders full documents; these are the smallest inputs that still go through
real OCR, for tests that run the pipeline many times.)
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"


def page_image(lines: list[str], dpi: int = 150, size_mm: tuple[int, int] = (148, 105),
               stamp: str = "") -> Image.Image:
    """A greyscale (or RGB when stamped) page with `lines` of 14 pt text."""
    w = int(size_mm[0] / 25.4 * dpi)
    h = int(size_mm[1] / 25.4 * dpi)
    mode = "RGB" if stamp else "L"
    img = Image.new(mode, (w, h), "white")
    draw = ImageDraw.Draw(img)
    pt = 14
    font = ImageFont.truetype(FONT, int(pt / 72 * dpi))
    y = int(0.15 * dpi)
    if stamp:
        px_mm = dpi / 25.4
        bold = ImageFont.truetype(FONT_BOLD, int(13 / 72 * dpi))
        x0, y0 = int(10 * px_mm), y
        # The regulated frame widths (DOMAIN.md §2): the mark's text fits inside its frame.
        width_mm = {"TUYỆT MẬT": 40, "TỐI MẬT": 30}.get(stamp, 20)
        x1, y1 = x0 + int(width_mm * px_mm), y0 + int(8 * px_mm)
        red = (200, 30, 30)
        draw.rectangle([x0, y0, x1, y1], outline=red, width=max(2, int(0.4 * px_mm)))
        gap = int(1.0 * px_mm)
        draw.rectangle([x0 + gap, y0 + gap, x1 - gap, y1 - gap], outline=red,
                       width=max(1, int(0.3 * px_mm)))
        tw = draw.textlength(stamp, font=bold)
        draw.text(((x0 + x1 - tw) / 2, y0 + 1.2 * gap), stamp, font=bold, fill=red)
        y = y1 + int(0.1 * dpi)
    for line in lines:
        draw.text((int(0.3 * dpi), y), line, font=font, fill=0 if mode == "L" else (0, 0, 0))
        y += int(pt * 1.5 / 72 * dpi)
    return img


def write_scan(path: Path, lines: list[str], fmt: str = "pdf", dpi: int = 150,
               stamp: str = "") -> Path:
    import img2pdf

    img = page_image(lines, dpi=dpi, stamp=stamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        buf = io.BytesIO()
        img.save(buf, format="PNG", dpi=(dpi, dpi))
        path.write_bytes(img2pdf.convert(buf.getvalue()))
    elif fmt == "png":
        img.save(path, format="PNG", dpi=(dpi, dpi))
    elif fmt == "jpeg":
        img.convert("RGB").save(path, format="JPEG", dpi=(dpi, dpi), quality=90)
    elif fmt == "tiff":
        img.save(path, format="TIFF", dpi=(dpi, dpi), save_all=True,
                 append_images=[page_image(lines[::-1], dpi=dpi)])
    else:
        raise ValueError(fmt)
    return path


DEFAULT_LINES = [
    "ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI",
    "Số: 12/TB-UBND",
    "THÔNG BÁO",
    "về lịch tiếp công dân tháng mười hai",
    "Ủy ban nhân dân phường thông báo lịch tiếp công dân",
    "tại trụ sở, thực hiện cải cách hành chính.",
]
