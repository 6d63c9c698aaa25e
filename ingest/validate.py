"""Checks a file before any processing: each failure is an InputRejected with a specific reason.

Reason codes (stable, shown with the message in `sohoa status`, the log and the web UI):
``empty``, ``unsupported``, ``truncated``, ``corrupt``, ``encrypted``, ``no_pages``,
``javascript``, ``embedded_files``, ``too_large``, ``too_many_pages``, ``image_too_large``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from ingest.sniff import sniff
from sohoa.errors import InputRejected
from sohoa.records import InputKind

_TAIL = 2048


@dataclass(frozen=True)
class ValidatedInput:
    kind: InputKind
    pages: int
    signed: bool = False  # carries a filled digital signature: archive byte-exact
    repaired: bool = False  # the PDF's cross-reference table had to be rebuilt
    max_page_mpixels: float = 0.0


@dataclass(frozen=True)
class Limits:
    max_file_mb: int = 1024
    max_pages: int = 1000
    max_image_mpixels: float = 250.0


def validate(path: Path, limits: Limits) -> ValidatedInput:
    size = path.stat().st_size
    kind = sniff(path)
    if size > limits.max_file_mb * 1024 * 1024:
        raise InputRejected(
            "too_large", f"file too large ({size // (1024 * 1024)} MB > {limits.max_file_mb} MB)"
        )
    if kind is InputKind.PDF:
        result = _validate_pdf(path, limits)
    else:
        result = _validate_image(path, kind, limits)
    if result.pages > limits.max_pages:
        raise InputRejected(
            "too_many_pages", f"too many pages ({result.pages} > {limits.max_pages})"
        )
    return result


def _validate_pdf(path: Path, limits: Limits) -> ValidatedInput:
    import pikepdf

    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - _TAIL))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise InputRejected(
            "truncated", "truncated PDF (no end-of-file marker: the file was cut short)"
        )
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        raise InputRejected(
            "encrypted", "encrypted PDF (a password is required to open it)"
        ) from None
    except pikepdf.PdfError as exc:
        text = str(exc).lower()
        if "encrypt" in text or "password" in text or "security handler" in text:
            raise InputRejected("encrypted", "encrypted PDF (unsupported encryption)") from None
        raise InputRejected("corrupt", "damaged PDF that cannot be repaired") from None
    with pdf:
        if pdf.is_encrypted:
            raise InputRejected("encrypted", "encrypted PDF (remove the protection first)")
        try:
            npages = len(pdf.pages)
        except pikepdf.PdfError:
            raise InputRejected("corrupt", "damaged PDF: the page tree cannot be read") from None
        if npages == 0:
            raise InputRejected("no_pages", "PDF has no pages")
        if _has_javascript(pdf):
            raise InputRejected(
                "javascript", "PDF contains JavaScript (active content is not archived)"
            )
        if "/EmbeddedFiles" in pdf.Root.get("/Names", {}):
            raise InputRejected(
                "embedded_files", "PDF contains embedded files (attachments are not archived)"
            )
        if pdf.Root.get("/NeedsRendering", False):
            raise InputRejected("unsupported", "unsupported format (dynamic XFA form)")
        worst = 0.0
        for page in pdf.pages:
            for _name, image in _page_images(page):
                try:
                    mpix = int(image.get("/Width", 0)) * int(image.get("/Height", 0)) / 1e6
                except (TypeError, ValueError):
                    continue
                worst = max(worst, mpix)
        if worst > limits.max_image_mpixels:
            raise InputRejected(
                "image_too_large",
                f"decompression bomb: a page image has {worst:.0f} megapixels "
                f"(limit {limits.max_image_mpixels:.0f})",
            )
        return ValidatedInput(
            kind=InputKind.PDF,
            pages=npages,
            signed=_has_filled_signature(pdf),
            repaired=_needed_repair(path),
            max_page_mpixels=worst,
        )


def _page_images(page: object) -> list[tuple[str, object]]:
    try:
        resources = page.get("/Resources", {})  # type: ignore[attr-defined]
        xobjects = resources.get("/XObject", {})
        out = []
        for name, obj in xobjects.items():
            if obj.get("/Subtype") == "/Image":
                out.append((str(name), obj))
            elif obj.get("/Subtype") == "/Form":
                out.extend(_page_images(obj))
        return out
    except (AttributeError, TypeError, ValueError):
        return []


def _has_javascript(pdf: object) -> bool:
    import pikepdf

    root = pdf.Root  # type: ignore[attr-defined]
    names = root.get("/Names", {})
    if "/JavaScript" in names:
        return True
    seen: set[tuple[int, int]] = set()

    def action_is_js(action: object, depth: int = 0) -> bool:
        if depth > 20 or not isinstance(action, pikepdf.Dictionary):
            return False
        if action.objgen != (0, 0):
            if action.objgen in seen:
                return False
            seen.add(action.objgen)
        if action.get("/S") in ("/JavaScript", "/Launch") or "/JS" in action:
            return True
        nxt = action.get("/Next")
        if isinstance(nxt, pikepdf.Array):
            return any(action_is_js(a, depth + 1) for a in nxt)
        return action_is_js(nxt, depth + 1) if nxt is not None else False

    if action_is_js(root.get("/OpenAction")):
        return True
    for aa in [root.get("/AA")] + [p.obj.get("/AA") for p in pdf.pages]:  # type: ignore[attr-defined]
        if isinstance(aa, pikepdf.Dictionary) and any(action_is_js(v) for v in aa.values()):
            return True
    for page in pdf.pages:  # type: ignore[attr-defined]
        for annot in page.obj.get("/Annots", []) or []:
            if isinstance(annot, pikepdf.Dictionary) and (
                action_is_js(annot.get("/A"))
                or (isinstance(annot.get("/AA"), pikepdf.Dictionary)
                    and any(action_is_js(v) for v in annot.get("/AA").values()))
            ):
                return True
    return False


def _has_filled_signature(pdf: object) -> bool:
    acro = pdf.Root.get("/AcroForm")  # type: ignore[attr-defined]
    if acro is None:
        return False
    stack = list(acro.get("/Fields", []) or [])
    seen = 0
    while stack and seen < 10000:
        seen += 1
        field = stack.pop()
        try:
            if field.get("/FT") == "/Sig" and field.get("/V") is not None:
                return True
            stack.extend(field.get("/Kids", []) or [])
        except (AttributeError, TypeError):
            continue
    return False


def _needed_repair(path: Path) -> bool:
    from sohoa.tools import run_tool

    result = run_tool(["qpdf", "--check", str(path)], timeout=120, check=False)
    return "reconstruct" in (result.stderr + result.stdout).lower()


def _validate_image(path: Path, kind: InputKind, limits: Limits) -> ValidatedInput:
    from PIL import Image, UnidentifiedImageError

    limit_px = int(limits.max_image_mpixels * 1e6)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = limit_px
            with Image.open(path) as img:
                frames = getattr(img, "n_frames", 1)
                for index in range(frames):
                    img.seek(index)
                    w, h = img.size
                    if w * h > limit_px:
                        raise InputRejected(
                            "image_too_large",
                            f"decompression bomb: image of {w}x{h} pixels "
                            f"({w * h / 1e6:.0f} megapixels, limit "
                            f"{limits.max_image_mpixels:.0f})",
                        )
                    img.load()  # decodes: a corrupt or truncated image fails here
                return ValidatedInput(kind=kind, pages=frames)
    except InputRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputRejected(
            "image_too_large", "decompression bomb: image larger than the pixel limit"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        code = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        raise InputRejected(
            code, f"damaged {kind.value.upper()} image: cannot be decoded"
        ) from None
