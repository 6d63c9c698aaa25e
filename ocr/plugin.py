"""ocrmypdf plugin: tesseract sees our cleaned image; its words are corrected before the text
layer is drawn; per-page confidence is reported; a timed-out page is an error.

Loaded by `ocr._child` with ``plugins=["ocr.plugin"]``; it runs in ocrmypdf's worker
processes, which inherit the child's environment: ``SOHOA_OCR_WORKDIR`` names the job's RAM
work directory (where `ocr.upright` left the page plans and OCR images, and where this plugin
leaves one small JSON result per page), ``SOHOA_OCR_CORRECT`` switches the Vietnamese
correction. Nothing here logs recognised text.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from ocrmypdf.exceptions import SubprocessOutputError

_WORD_SPAN = re.compile(
    r"(<span class=['\"]ocrx_word['\"][^>]*?x_wconf (\d+)[^>]*>)(.*?)(</span>)", re.S)
_LINE_START = re.compile(r"<span class=['\"]ocr_(?:line|caption|header|textfloat)['\"]")
_PAR_START = re.compile(r"<p class=['\"]ocr_par['\"]")
_TAG = re.compile(r"<[^>]+>")


class PageTimeoutError(SubprocessOutputError):
    """tesseract ran out of time on a page: an error, never an empty page."""


def _workdir() -> Path | None:
    value = os.environ.get("SOHOA_OCR_WORKDIR")
    return Path(value) if value else None


def _page_number(path: Path) -> int:
    match = re.match(r"(\d+)_", path.name)
    return int(match.group(1)) if match else 0


@hookimpl
def filter_ocr_image(page, image):  # type: ignore[no-untyped-def]
    """The cleaned image `ocr.upright` made for this page, in place of the shown one."""
    from PIL import Image

    from ocr.upright import load_plans

    workdir = _workdir()
    if workdir is None:
        return image
    plan = load_plans(workdir).get(page.pageno + 1)
    if plan is None or not plan.ocr_image:
        return image
    cleaned = Image.open(plan.ocr_image)
    cleaned.load()
    # Same page, maybe enlarged: the DPI follows the pixel size so the text layer lines up.
    dpi_x = image.info.get("dpi", (plan.dpi, plan.dpi))[0] * cleaned.width / image.width
    dpi_y = image.info.get("dpi", (plan.dpi, plan.dpi))[1] * cleaned.height / image.height
    cleaned.info["dpi"] = (dpi_x, dpi_y)
    return cleaned


def hocr_words(hocr: str) -> list[tuple[str, int]]:
    """(text, confidence) of each word, in reading order."""
    return [(html.unescape(_TAG.sub("", m.group(3))), int(m.group(2)))
            for m in _WORD_SPAN.finditer(hocr)]


def hocr_replace_words(hocr: str, new_texts: list[str]) -> str:
    it = iter(new_texts)

    def sub(m: re.Match[str]) -> str:
        return m.group(1) + html.escape(next(it), quote=False) + m.group(4)

    return _WORD_SPAN.sub(sub, hocr)


def hocr_text(hocr: str) -> str:
    """Plain text in tesseract's own layout: lines on their own line, a blank line between
    paragraphs (what tesseract's txt output holds, rebuilt so it agrees with the hOCR)."""
    out: list[str] = []
    pos = 0
    tokens = sorted(
        [(m.start(), "par") for m in _PAR_START.finditer(hocr)]
        + [(m.start(), "line") for m in _LINE_START.finditer(hocr)]
        + [(m.start(), "word", html.unescape(_TAG.sub("", m.group(3))))
           for m in _WORD_SPAN.finditer(hocr)],
        key=lambda t: t[0],
    )
    paragraphs: list[list[list[str]]] = []
    for token in tokens:
        kind = token[1]
        if kind == "par":
            paragraphs.append([])
        elif kind == "line":
            if not paragraphs:
                paragraphs.append([])
            paragraphs[-1].append([])
        else:
            if not paragraphs:
                paragraphs.append([])
            if not paragraphs[-1]:
                paragraphs[-1].append([])
            paragraphs[-1][-1].append(str(token[2]))
    del pos
    for par in paragraphs:
        lines = [" ".join(w for w in line if w) for line in par]
        lines = [ln for ln in lines if ln.strip()]
        if lines:
            out.append("\n".join(lines))
    return "\n\n".join(out) + ("\n" if out else "")


class SohoaTesseract(TesseractOcrEngine):
    """Tesseract, then the Vietnamese correction applied to the hOCR words, so the text layer
    ocrmypdf draws from the hOCR and the sidecar text we index say the same thing."""

    @staticmethod
    def generate_hocr(input_file, output_hocr, output_text, options):  # type: ignore[no-untyped-def]
        TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)
        hocr = Path(output_hocr).read_text(encoding="utf-8") if Path(output_hocr).exists() else ""
        if not hocr.strip():
            # ocrmypdf's tesseract wrapper answers a timeout with an empty page; we refuse
            # to archive an unread page as if it were blank.
            if "[skipped page]" in Path(output_text).read_text(encoding="utf-8",
                                                                  errors="replace"):
                raise PageTimeoutError()
        words = hocr_words(hocr)
        corrected = [w for w, _ in words]
        changed = 0
        if words and os.environ.get("SOHOA_OCR_CORRECT", "1") == "1":
            from ocr.correct import correct_words

            corrected = correct_words(words)
            changed = sum(a != b for a, b in zip(corrected, (w for w, _ in words), strict=True))
            if changed:
                hocr = hocr_replace_words(hocr, corrected)
                Path(output_hocr).write_text(hocr, encoding="utf-8")
        Path(output_text).write_text(hocr_text(hocr), encoding="utf-8")
        scored = [c for w, c in words if any(ch.isalnum() for ch in w)]
        workdir = _workdir()
        if workdir is not None:
            number = _page_number(Path(input_file))
            result = {"confidence": round(sum(scored) / len(scored), 1) if scored else None,
                      "words": len(scored), "corrected": changed}
            (workdir / "pages").mkdir(exist_ok=True)
            (workdir / "pages" / f"result-{number:04d}.json").write_text(json.dumps(result))


@hookimpl
def get_ocr_engine(options):  # type: ignore[no-untyped-def]
    return SohoaTesseract()
