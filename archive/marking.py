"""Visible copy marks: "BẢN SAO SỐ n — MẬT" stamped on every page of an exported or printed copy.

The mark is a 1-bit stencil image (an `/ImageMask`) painted in red in the top margin: it renders
the Vietnamese letters exactly whatever fonts the reader has, covers nothing (unmarked pixels are
transparent) and is allowed in PDF/A-2. Stamping rewrites the file, so the signature of the
archival copy cannot survive it: the mark is applied to a copy whose old signature field is
removed, and the caller signs the marked copy anew with the organisation's key. The signed
archival copy itself travels unchanged beside it (docs/vault.md §6).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw, ImageFont

_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
)
_RED = (0.78, 0.08, 0.08)


@dataclass(frozen=True)
class CopyMark:
    number: int
    level_label: str  # "MẬT", "TỐI MẬT", ...
    note: str = ""  # second line: export id, date, who

    @property
    def headline(self) -> str:
        return f"BẢN SAO SỐ {self.number:02d} — {self.level_label}"


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, px)
    return ImageFont.load_default()


def _stencil(mark: CopyMark) -> Image.Image:
    """The mark as a 1-bit image: black = paint, with a double frame like a paper stamp."""
    big, small = _font(64), _font(30)
    probe = ImageDraw.Draw(Image.new("1", (1, 1)))
    w = int(max(probe.textlength(mark.headline, font=big),
                probe.textlength(mark.note, font=small) if mark.note else 0)) + 60
    h = 130 if mark.note else 96
    img = Image.new("1", (w, h), 1)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w - 1, h - 1], outline=0, width=5)
    d.rectangle([9, 9, w - 10, h - 10], outline=0, width=2)
    d.text((30, 14), mark.headline, font=big, fill=0)
    if mark.note:
        d.text((30, 84), mark.note, font=small, fill=0)
    return img


def stamp_pdf(source: Path, target: Path, mark: CopyMark) -> int:
    """Write `source` with the mark on every page to `target`; return the page count.

    Signature fields of `source` are removed (their byte ranges would no longer hold)."""
    stencil = _stencil(mark)
    w, h = stencil.size
    # An image mask paints where its samples are 0 (default /Decode [0 1]): PIL's black.
    packed = stencil.tobytes()
    with pikepdf.open(source) as pdf:
        image = pikepdf.Stream(pdf, zlib.compress(packed))
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width, image.Height = w, h
        image.ImageMask = True
        image.BitsPerComponent = 1
        image.Filter = pikepdf.Name.FlateDecode
        _drop_signatures(pdf)
        for page in pdf.pages:
            box = page.mediabox
            x0, y0, x1, y1 = (float(v) for v in box)
            page_w = x1 - x0
            mark_w = min(page_w * 0.45, 230.0)
            mark_h = mark_w * h / w
            x = x1 - mark_w - page_w * 0.04
            y = y1 - mark_h - min(12.0, (y1 - y0) * 0.02)
            name = page.add_resource(image, pikepdf.Name.XObject, prefix="SohoaCopyMark")
            r, g, b = _RED
            content = (f"q {r} {g} {b} rg {mark_w:.2f} 0 0 {mark_h:.2f} {x:.2f} {y:.2f} cm "
                       f"{name} Do Q\n").encode()
            # Wrap the page's own content so its graphics state cannot move or hide the mark.
            page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + content), prepend=False)
        count = len(pdf.pages)
        out = io.BytesIO()
        pdf.save(out)
    target.write_bytes(out.getvalue())
    return count


def _drop_signatures(pdf: pikepdf.Pdf) -> None:
    root = pdf.Root
    for key in ("/Perms", "/DSS"):
        if key in root:
            del root[key]
    form = root.get("/AcroForm")
    if form is not None:
        fields = [f for f in form.get("/Fields", []) if f.get("/FT") != pikepdf.Name.Sig]
        if fields:
            form.Fields = pikepdf.Array(fields)
            if "/SigFlags" in form:
                del form["/SigFlags"]
        else:
            del root["/AcroForm"]
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = [a for a in annots
                if a.get("/FT") != pikepdf.Name.Sig
                and (a.get("/Parent") is None or a.Parent.get("/FT") != pikepdf.Name.Sig)]
        if kept:
            page.obj.Annots = pikepdf.Array(kept)
        else:
            del page.obj["/Annots"]
