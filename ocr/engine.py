"""The OCR stage: prepare, rasterize and OCR in a bounded child process (`ocr._child`)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa.errors import ExternalToolError, InputRejected
from sohoa.logs import get_logger
from sohoa.records import InputKind, OcrResult, PageImage, PageText
from sohoa.settings import OcrSettings
from sohoa.tools import run_tool

log = get_logger(__name__)

# Memory ceiling of the child's address space: a safety net under the pixel limits, which are
# the real guard against decompression bombs.
CHILD_MEMORY_BYTES = 6 * 1024**3
CLASSIFY_DPI = 200

# ocrmypdf exception class names -> (reason code, message, transient)
_OCRMYPDF_ERRORS: dict[str, tuple[str, str, bool]] = {
    "EncryptedPdfError": ("encrypted", "encrypted PDF (a password is required to open it)", False),
    "InputFileError": ("corrupt", "damaged or unsupported PDF structure", False),
    "DpiError": ("corrupt", "image resolution cannot be determined", False),
    "DigitalSignatureError": ("signed", "PDF carries a digital signature", False),
    "PdfMergeFailedError": ("corrupt", "damaged PDF: pages cannot be rebuilt", False),
    "UnsupportedImageFormatError": ("unsupported", "unsupported image format in the PDF", False),
    "DecompressionBombError": (
        "image_too_large", "decompression bomb: a page image exceeds the pixel limit", False),
    "SubprocessOutputError": ("ocr_failed", "OCR engine failed on a page", True),
    "PageTimeoutError": (
        "ocr_timeout", "a page took longer than the OCR time limit (page_timeout_s)", True),
    "MissingDependencyError": ("ocr_failed", "OCR engine or a language model is missing", True),
    "MemoryError": ("too_large", "document needs more memory than allowed", False),
    "OSError": ("ocr_failed", "I/O error during OCR", True),
}


@dataclass(frozen=True)
class OcrRequest:
    workdir: Path  # RAM-backed, private to this job
    settings: OcrSettings
    tessdata_dir: Path | None
    max_image_mpixels: float
    jobs: int = 1
    keep_words: bool = False  # benchmarks: leave each page's words in the work directory


def _child_env(req: OcrRequest) -> dict[str, str]:
    env = {
        "TMPDIR": str(req.workdir),  # every temp file of ocrmypdf, tesseract, gs stays in RAM
        "OMP_THREAD_LIMIT": "1",  # parallelism comes from our workers and ocrmypdf's jobs
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    if req.tessdata_dir:
        env["TESSDATA_PREFIX"] = str(req.tessdata_dir)
    return env


def _run_child(req: OcrRequest, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    stamp = f"{payload['op']}-{time.monotonic_ns()}"
    request_path = req.workdir / f"{stamp}.req.json"
    result_path = req.workdir / f"{stamp}.res.json"
    request_path.write_text(json.dumps(payload), encoding="utf-8")
    try:
        run_tool(
            [sys.executable, "-m", "ocr._child", str(request_path), str(result_path)],
            timeout=timeout,
            env=_child_env(req),
            max_memory_bytes=CHILD_MEMORY_BYTES,
        )
    except ExternalToolError as exc:
        if exc.timed_out:
            raise InputRejected(
                "ocr_timeout",
                f"processing took longer than {timeout:.0f} s and was stopped",
                transient=True,
            ) from None
        raise InputRejected(
            "ocr_failed", "the OCR process crashed (out of memory or a damaged file)",
            transient=False,
        ) from None
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    if "error" in result:
        name = result["error"]
        if name == "ocrmypdf_exit":
            code = result.get("exit_code")
            if code == 10:
                raise InputRejected("pdfa_failed", "PDF/A conversion failed (ocrmypdf exit 10)")
            raise InputRejected("ocr_failed", f"ocrmypdf failed (exit {code})")
        code, message, transient = _OCRMYPDF_ERRORS.get(
            name, ("ocr_failed", f"processing failed ({name})", False)
        )
        raise InputRejected(code, message, transient=transient)
    return result


def prepare(source: Path, kind: InputKind, req: OcrRequest, timeout: float = 600) -> Path:
    """A PDF of the input in the work directory (images wrapped, PDFs repaired)."""
    target = req.workdir / "prepared.pdf"
    _run_child(
        req,
        {"op": "prepare", "source": str(source), "kind": kind.value, "target": str(target),
         "workdir": str(req.workdir)},
        timeout,
    )
    return target


def render_pages(pdf: Path, pages: list[int], req: OcrRequest, *, last: bool = True,
                 dpi: int = CLASSIFY_DPI, timeout: float = 300) -> tuple[int, tuple[PageImage, ...]]:
    out_dir = req.workdir / "render"
    out_dir.mkdir(exist_ok=True)
    result = _run_child(
        req,
        {"op": "render", "pdf": str(pdf), "pages": pages, "last": last, "dpi": dpi,
         "out_dir": str(out_dir), "max_pixels": 60e6},
        timeout,
    )
    images = tuple(
        PageImage(number=i["number"], path=Path(i["path"]), dpi=i["dpi"], color=i["color"])
        for i in result["images"]
    )
    return int(result["pages"]), images


def recognise(pdf: Path, page_count: int, page_images: tuple[PageImage, ...],
              req: OcrRequest) -> OcrResult:
    """OCR the prepared PDF into an unsigned PDF/A-2b with per-page text."""
    started = time.monotonic()
    output = req.workdir / "archival.pdf"
    sidecar = req.workdir / "sidecar.txt"
    timeout = max(req.settings.min_job_timeout_s, page_count * req.settings.page_timeout_s)
    result = _run_child(
        req,
        {
            "op": "ocr",
            "pdf": str(pdf),
            "output": str(output),
            "sidecar": str(sidecar),
            "languages": req.settings.languages,
            "page_timeout_s": req.settings.page_timeout_s,
            "max_image_mpixels": req.max_image_mpixels,
            "jobs": req.jobs,
            "workdir": str(req.workdir),
            "preprocess": req.settings.preprocess,
            "clean_final": req.settings.clean_final,
            "correct_text": req.settings.correct_text,
            "keep_words": req.keep_words,
        },
        timeout,
    )
    texts: list[str] = list(result["texts"])
    plans = {int(p["number"]): p for p in result.get("plans", [])}
    results = {int(k): v for k, v in result.get("results", {}).items()}
    pages = []
    for number in range(1, page_count + 1):
        raw = texts[number - 1] if number - 1 < len(texts) else ""
        skipped = raw.strip().startswith("[OCR skipped on page")
        text = extract_page_text(output, number) if skipped else raw.strip("\n")
        plan = plans.get(number, {})
        blank = bool(plan.get("blank"))
        confidence = None if skipped else results.get(number, {}).get("confidence")
        pages.append(PageText(
            number=number, text="" if blank else text, confidence=confidence,
            ocr_done=not skipped, blank=blank, rotated_cw=int(plan.get("rotated_cw", 0)),
            skew_deg=float(plan.get("skew_deg", 0.0)),
        ))
    return OcrResult(
        archival_pdf=output,
        pages=tuple(pages),
        page_images=page_images,
        seconds=time.monotonic() - started,
        engine=f"ocrmypdf {result.get('ocrmypdf', '?')} / tesseract {req.settings.languages}",
    )


def extract_page_text(pdf: Path, number: int) -> str:
    res = run_tool(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-f", str(number), "-l", str(number), str(pdf),
         "-"],
        timeout=120,
        check=False,
    )
    return res.stdout.strip("\n\f") if res.returncode == 0 else ""


def text_of_born_digital(pdf: Path, page_count: int) -> tuple[PageText, ...]:
    return tuple(
        PageText(number=n, text=extract_page_text(pdf, n), confidence=None, ocr_done=False)
        for n in range(1, page_count + 1)
    )


def check_environment(languages: str, tessdata_dir: Path | None) -> list[str]:
    """Problems that would make every OCR fail; empty when tesseract and the models are there.

    Checked once at start-up, so a missing model stops the service with a clear message
    instead of quarantining every file.
    """
    import shutil

    problems = []
    if shutil.which("tesseract") is None:
        problems.append("tesseract is not installed (Debian: apt-get install tesseract-ocr)")
        return problems
    env = {"TESSDATA_PREFIX": str(tessdata_dir)} if tessdata_dir else None
    listed = run_tool(["tesseract", "--list-langs"], timeout=30, check=False, env=env)
    have = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    for lang in languages.split("+"):
        if lang not in have:
            problems.append(f"tesseract has no '{lang}' model (run `make` or install "
                            f"tesseract-ocr-{lang})")
    for tool in ("qpdf", "pdftotext"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not installed")
    return problems
