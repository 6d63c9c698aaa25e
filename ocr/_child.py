"""Runs in a child process: everything that parses a hostile file or calls tesseract.

The parent (`ocr.engine`) bounds its wall-clock time and memory and kills the whole process
group on timeout. Input and output are JSON files in the RAM work directory; the child prints
nothing but a reason code on failure (stdout/stderr of OCR tools can hold recognised text).

    python -m ocr._child REQUEST.json RESULT.json
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any


def _render(req: dict[str, Any]) -> dict[str, Any]:
    """Rasterize selected pages of the prepared PDF (for classification)."""
    import numpy as np
    import pypdfium2 as pdfium

    pdf_path = Path(req["pdf"])
    out_dir = Path(req["out_dir"])
    dpi = int(req["dpi"])
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        total = len(doc)
        wanted = sorted({p for p in req["pages"] if 1 <= p <= total} | ({total} if req.get("last") else set()))
        images = []
        for number in wanted:
            page = doc[number - 1]
            width_pt, height_pt = page.get_size()
            scale = dpi / 72.0
            # Bound the raster: a poster-sized page is rendered at a lower resolution.
            max_px = float(req.get("max_pixels", 40e6))
            if width_pt * height_pt * scale * scale > max_px:
                scale = (max_px / (width_pt * height_pt)) ** 0.5
            bitmap = page.render(scale=scale)
            pil = bitmap.to_pil().convert("RGB")
            arr = np.asarray(pil)
            # Colour: any noticeable saturation. Greyscale and bilevel scans have none.
            hsv_s = arr.max(axis=2).astype(int) - arr.min(axis=2).astype(int)
            color = bool((hsv_s > 60).mean() > 0.0002)
            path = out_dir / f"page-{number:04d}.png"
            pil.save(path, format="PNG")
            images.append(
                {"number": number, "path": str(path), "dpi": round(72 * scale), "color": color}
            )
            page.close()
        return {"pages": total, "images": images}
    finally:
        doc.close()


_PRESENTATION_KEYS = ("/Trans", "/Dur", "/PresSteps")


def _prepare(req: dict[str, Any]) -> dict[str, Any]:
    from ocr.prepare import image_to_pdf
    from sohoa.records import InputKind

    kind = InputKind(req["kind"])
    source = Path(req["source"])
    target = Path(req["target"])
    workdir = Path(req["workdir"])
    if kind is InputKind.PDF:
        import pikepdf

        # Always rewrite through qpdf: repairs broken cross-reference tables and drops
        # anything appended after the last %%EOF. The original stays untouched beside it.
        with pikepdf.open(source) as pdf:
            for page in pdf.pages:
                # Slide-show keys (Word exports page transitions): nothing an archive shows,
                # and the PDF/A writer cannot confirm a page that carries them.
                for key in _PRESENTATION_KEYS:
                    if key in page.obj:
                        del page.obj[key]
            pdf.save(target)
        return {"dpis": []}
    return {"dpis": image_to_pdf(source, kind, target, workdir)}


def _ocr(req: dict[str, Any]) -> dict[str, Any]:
    import ocrmypdf

    started = time.monotonic()
    source = Path(req["pdf"])
    output = Path(req["output"])
    sidecar = Path(req["sidecar"])
    workdir = Path(req["workdir"])
    jobs = int(req.get("jobs", 1))
    preprocess = bool(req.get("preprocess", True))
    plans: list[dict[str, Any]] = []
    if preprocess:
        from dataclasses import asdict

        from ocr.upright import make_upright

        # The page ocrmypdf receives is already upright and level (and what the archival copy
        # shows); tesseract gets the cleaned image through the plugin's filter_ocr_image.
        upright = workdir / "upright.pdf"
        plans = [asdict(p) for p in make_upright(
            source, upright, workdir, jobs=jobs,
            max_pixels=float(req["max_image_mpixels"]) * 1e6,
            clean_final=bool(req.get("clean_final", False)))]
        source = upright
    os.environ["SOHOA_OCR_WORKDIR"] = str(workdir)
    os.environ["SOHOA_OCR_CORRECT"] = "1" if req.get("correct_text", True) else "0"
    os.environ["SOHOA_OCR_KEEP_WORDS"] = "1" if req.get("keep_words") else "0"
    kwargs: dict[str, Any] = dict(
        language=req["languages"].split("+"),
        output_type="pdfa-2",
        # The internal (pikepdf) PDF/A writer and pdfium rasterizer: Debian 12's Ghostscript
        # 10.0.0 corrupts PDFs that already carry text, and ocrmypdf refuses it in skip mode.
        pdfa_backend="internal",
        rasterizer="pypdfium",
        mode="skip",  # pages that already carry text are not OCR'd again
        # Without our pre-processing, ocrmypdf's own orientation and deskew are the fallback.
        rotate_pages=not preprocess,
        deskew=not preprocess,
        sidecar=sidecar,
        jobs=jobs,
        tesseract_timeout=float(req["page_timeout_s"]),
        progress_bar=False,
        max_image_mpixels=float(req["max_image_mpixels"]),
        plugins=["ocr.plugin", *(req.get("plugins") or [])],
        # tesseract's character choices, for the correction (ocr/plugin.py split_choices)
        tesseract_config=[str(Path(__file__).with_name("data") / "choices.cfg")],
    )
    code = ocrmypdf.ocr(source, output, **kwargs)
    if int(code) != 0:
        return {"error": "ocrmypdf_exit", "exit_code": int(code)}
    texts = sidecar.read_text(encoding="utf-8").split("\f")
    results: dict[str, Any] = {}
    for path in sorted((workdir / "pages").glob("result-*.json")):
        results[str(int(path.stem.split("-")[1]))] = json.loads(path.read_text())
    return {"texts": texts, "seconds": time.monotonic() - started, "plans": plans,
            "results": results, "ocrmypdf": ocrmypdf.__version__}


OPS = {"render": _render, "prepare": _prepare, "ocr": _ocr}


def main(argv: list[str]) -> int:
    request_path, result_path = Path(argv[1]), Path(argv[2])
    req = json.loads(request_path.read_text(encoding="utf-8"))
    try:
        result = OPS[req["op"]](req)
    except Exception as exc:  # reported to the parent as a reason code, not a traceback
        result = {"error": type(exc).__name__, "module": type(exc).__module__}
        exit_code = getattr(exc, "exit_code", None)
        if exit_code is not None:
            result["exit_code"] = int(exit_code)
        if os.environ.get("SOHOA_DEBUG_CHILD"):
            traceback.print_exc()
    tmp = result_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
