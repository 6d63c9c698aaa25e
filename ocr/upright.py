"""Before ocrmypdf: every scanned page turned upright and deskewed, and its OCR image made.

Runs in the OCR child process (`ocr._child`). For each page that is a scan (no text of its own,
an image on it), the page is rendered at the resolution of its image, analysed (`ocr.clean`),
and replaced in the PDF that ocrmypdf receives by the same scan turned upright and levelled.
That PDF is what the archival copy shows (the original stays byte-exact in the store), so the
text layer ocrmypdf lays over it runs along straight, horizontal baselines, which is what keeps
`pdftotext` and viewer search from scattering syllables. The cleaned image tesseract should see
is written beside it, and `ocr.plugin` hands it to tesseract in place of the shown page.

Pages already carrying text, and pages with no image, are left exactly as they are.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

MAX_DPI = 600
OSD_TIMEOUT_S = 60


@dataclass(frozen=True)
class PagePlan:
    number: int  # 1-based
    scanned: bool  # False: the page keeps its own content (text page, vector page)
    rotated_cw: int = 0
    skew_deg: float = 0.0
    blank: bool = False
    dpi: float = 0.0
    shown: str = ""  # image file replacing the page ("" when unchanged)
    ocr_image: str = ""  # what tesseract sees
    ocr_dpi: float = 0.0


def plans_path(workdir: Path) -> Path:
    return workdir / "pages" / "plan.json"


def load_plans(workdir: Path) -> dict[int, PagePlan]:
    path = plans_path(workdir)
    if not path.exists():
        return {}
    return {p["number"]: PagePlan(**p) for p in json.loads(path.read_text(encoding="utf-8"))}


def _page_dpi(pdf_path: Path, index: int) -> tuple[float, bool, bool]:
    """(dpi of the page's largest image, has text, has image)."""
    import pikepdf
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        page = doc[index]
        textpage = page.get_textpage()
        has_text = textpage.count_chars() > 0
        textpage.close()
        width_pt, height_pt = page.get_size()
        page.close()
    finally:
        doc.close()
    with pikepdf.open(pdf_path) as pdf:
        pg = pdf.pages[index]
        best = 0
        dpi = 0.0
        for _, raw in pg.images.items():
            try:
                w, h = int(raw.Width), int(raw.Height)
            except (AttributeError, ValueError, TypeError):
                continue
            if w * h > best:
                best = w * h
                # the image fills the page (a scan): its resolution along the longer side
                long_px, short_px = max(w, h), min(w, h)
                dpi = max(long_px / (max(width_pt, height_pt) / 72.0),
                          short_px / (min(width_pt, height_pt) / 72.0))
    return dpi, has_text, best > 0


def _osd_turns(gray: np.ndarray, dpi: float, workdir: Path) -> int | None:
    """tesseract's orientation detection, only when the cheap cues disagree or are weak."""
    import cv2

    path = workdir / f"osd-{os.getpid()}.png"
    scale = min(1.0, 300 / dpi)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(path), small)
    try:
        out = subprocess.run(["tesseract", str(path), "stdout", "--psm", "0", "--dpi",
                              str(int(dpi * scale))], capture_output=True, text=True,
                             timeout=OSD_TIMEOUT_S, check=False).stdout
    except subprocess.TimeoutExpired:
        return None
    finally:
        path.unlink(missing_ok=True)
    rotate = confidence = None
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Rotate":
            rotate = int(value.strip())
        elif key.strip() == "Orientation confidence":
            confidence = float(value.strip())
    if rotate is None or confidence is None or confidence < 2.0:
        return None
    return (rotate // 90) % 4


def _orientation(ink: np.ndarray, norm: np.ndarray, dpi: float, out_dir: Path) -> int:
    """Clockwise quarter turns that make the page upright.

    The cheap cues (`clean.text_orientation`) decide alone when they find the page upright
    with confidence, which is nearly every page. A proposed turn, or a doubt, goes to
    tesseract's orientation detection (seconds a page), which decides when it answers: on
    sparse pages (a signature page, a list of recipients) the cheap cues can be fooled by a
    seal or tightly packed lines, and OSD was right on every page we tried it on. Without an
    answer from OSD, a strong cue is followed, and otherwise the page is left as scanned.
    """
    from ocr import clean

    turns, confidence = clean.text_orientation(ink)
    if turns == 0 and confidence >= 0.3:
        return 0
    osd = _osd_turns(norm, dpi, out_dir)
    if osd is not None:
        return osd
    return turns if confidence >= 0.5 else 0


def plan_page(pdf_path: Path, index: int, out_dir: Path, max_pixels: float,
              clean_final: bool) -> PagePlan:
    """Analyse one page and write its shown and OCR images. Runs in a worker process."""
    import cv2
    import pypdfium2 as pdfium

    from ocr import clean

    number = index + 1
    dpi, has_text, has_image = _page_dpi(pdf_path, index)
    if has_text or not has_image or dpi <= 0:
        return PagePlan(number=number, scanned=False)
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        page = doc[index]
        width_pt, height_pt = page.get_size()
        dpi = min(dpi, MAX_DPI)
        if (width_pt * dpi / 72) * (height_pt * dpi / 72) > max_pixels:
            dpi = (max_pixels / (width_pt * height_pt)) ** 0.5 * 72
        pil = page.render(scale=dpi / 72.0).to_pil()
        page.close()
    finally:
        doc.close()
    bilevel = False
    if pil.mode != "L":
        arr = np.asarray(pil.convert("RGB"))
        spread = arr.max(axis=2).astype(np.int16) - arr.min(axis=2)
        colour = bool((spread[::4, ::4] > 40).mean() > 0.0005)
        if not colour:
            arr = np.ascontiguousarray(arr[:, :, 1])
    else:
        arr = np.asarray(pil)
    del pil
    gray = clean.to_gray(arr)
    if arr.ndim == 2:
        hist = np.bincount(arr[::3, ::3].ravel(), minlength=256)
        bilevel = (hist[0] + hist[255]) > 0.98 * hist.sum()
    norm = clean.remove_margins(clean.normalise(gray, dpi), dpi)
    small, _ = clean._reduce(norm, dpi, clean.ANALYSIS_DPI)
    first = clean.analyse(norm, dpi)
    turns = 0
    if not first.blank:
        ink = (small < clean.INK_LEVEL).astype(np.uint8)
        turns = _orientation(ink, norm, dpi, out_dir)
    if turns:
        # np.rot90 turns counter-clockwise: -turns quarter turns is `turns` clockwise
        arr = np.ascontiguousarray(np.rot90(arr, -turns))
        gray = np.ascontiguousarray(np.rot90(gray, -turns))
        norm = np.ascontiguousarray(np.rot90(norm, -turns))
    analysis = clean.analyse(norm, dpi) if turns else first
    skew = 0.0 if analysis.blank else analysis.skew_deg
    shown_path = ""
    if turns or skew or clean_final:
        if clean_final:
            shown = clean.rotate(norm, skew, 255) if skew else norm
        else:
            shown = clean.rotate(arr, skew, clean.paper_colour(arr)) if skew else arr
        if bilevel and not clean_final:
            shown = np.where(shown > 127, 255, 0).astype(np.uint8)
        shown_path = str(out_dir / f"shown-{number:04d}")
        shown_path = _write_shown(shown, shown_path, dpi, bilevel and not clean_final)
    if skew:
        gray = clean.rotate(gray, skew, clean.paper_colour(gray))
    if analysis.blank:
        ocr_img = np.full((8, max(1, round(8 * gray.shape[1] / gray.shape[0]))), 255, np.uint8)
        ocr_dpi = dpi * 8 / gray.shape[0]
    else:
        ocr_img, ocr_dpi = clean.for_ocr(gray, dpi)
    ocr_path = out_dir / f"ocr-{number:04d}.png"
    cv2.imwrite(str(ocr_path), ocr_img, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return PagePlan(number=number, scanned=True, rotated_cw=90 * turns, skew_deg=skew,
                    blank=analysis.blank, dpi=dpi, shown=shown_path, ocr_image=str(ocr_path),
                    ocr_dpi=ocr_dpi)


def _write_shown(img: np.ndarray, stem: str, dpi: float, bilevel: bool) -> str:
    from PIL import Image

    d = int(round(dpi))
    if bilevel:
        path = stem + ".tif"
        Image.fromarray(img).convert("1").save(path, format="TIFF", compression="group4",
                                                dpi=(d, d))
    else:
        path = stem + ".jpg"
        mode = "L" if img.ndim == 2 else "RGB"
        Image.fromarray(img, mode).save(path, format="JPEG", quality=90, dpi=(d, d))
    return path


def make_upright(source: Path, target: Path, workdir: Path, *, jobs: int, max_pixels: float,
                 clean_final: bool) -> list[PagePlan]:
    """Write `target`: `source` with each scanned page upright and deskewed; plans saved."""
    import img2pdf
    import pikepdf

    out_dir = workdir / "pages"
    out_dir.mkdir(exist_ok=True)
    with pikepdf.open(source) as pdf:
        count = len(pdf.pages)
    args = [(source, i, out_dir, max_pixels, clean_final) for i in range(count)]
    if jobs > 1 and count > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, count)) as pool:
            plans = list(pool.map(_plan_star, args))
    else:
        plans = [plan_page(*a) for a in args]
    with pikepdf.open(source) as pdf:
        for plan in plans:
            if not plan.shown:
                continue
            index = plan.number - 1
            # The page keeps its exact size (width and height swapped by a quarter turn), so
            # the archival copy measures what the scan measured.
            box = pdf.pages[index].mediabox
            width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
            if plan.rotated_cw in (90, 270):
                width, height = height, width
            layout = img2pdf.get_layout_fun((width, height))
            single = pikepdf.open(_as_pdf_bytes(img2pdf.convert(plan.shown,
                                                                layout_fun=layout)))
            pdf.pages.insert(index, single.pages[0])
            del pdf.pages[index + 1]
        pdf.save(target)
    plans_path(workdir).write_text(json.dumps([asdict(p) for p in plans]), encoding="utf-8")
    return plans


def _as_pdf_bytes(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


def _plan_star(args: tuple) -> PagePlan:  # type: ignore[type-arg]
    return plan_page(*args)
