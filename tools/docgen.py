"""Synthetic Vietnamese administrative document pages with exact ground truth.

Renders Party documents (Hướng dẫn 36-HD/VPTW) and State documents (Nghị định 30/2020/NĐ-CP) as
page images that look like office scans: header blocks, centred type name and abstract, justified
body flowing over pages, recipients and signature blocks, red secrecy / urgency / received stamps,
a round seal over a scribbled signature, and mild scan degradations. Everything is deterministic
for a given `DocSpec` (including its seed), so tests can pin outputs.

The ground truth follows the field names of the shared dev corpus manifest: `text_per_page` holds
the printed lines in reading order (page number, header left block, header right block, full-width
blocks top to bottom, recipients, signature); stamp, seal and signature marks are not text and are
listed separately with their boxes in pixels of the page as printed (before skew or perspective).

This is a developer tool: it is not imported by the service.
"""

from __future__ import annotations

import io
import math
import random
import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import img2pdf
import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from sohoa.records import Secrecy, Urgency

Family = Literal["party", "state"]
ColorMode = Literal["rgb", "gray", "bilevel"]
ParaKind = Literal["body", "italic", "heading", "subheading", "center"]
FontStyle = Literal["regular", "bold", "italic", "bolditalic", "sans_bold"]
RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]

MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)
# Nghị định 30/2020 margins (top, bottom, left, right), in mm; Party documents use the same ones.
MARGINS_MM = (20.0, 20.0, 30.0, 15.0)

FONT_DIR = Path("/usr/share/fonts/truetype")
# Candidates per style, best first. Liberation Serif 2.x is metric-compatible with Times New Roman,
# the font both regulations name, and covers Vietnamese; Liberation 1.x (Debian fonts-liberation)
# lacks most Vietnamese letters, so every candidate is checked for coverage before use.
_FONT_FILES: dict[str, tuple[str, ...]] = {
    "regular": ("liberation2/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Regular.ttf",
                "dejavu/DejaVuSerifCondensed.ttf", "dejavu/DejaVuSerif.ttf"),
    "bold": ("liberation2/LiberationSerif-Bold.ttf", "liberation/LiberationSerif-Bold.ttf",
             "dejavu/DejaVuSerifCondensed-Bold.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "italic": ("liberation2/LiberationSerif-Italic.ttf", "liberation/LiberationSerif-Italic.ttf",
               "dejavu/DejaVuSerifCondensed-Italic.ttf", "dejavu/DejaVuSerif-Italic.ttf",
               "dejavu/DejaVuSerif.ttf"),
    "bolditalic": ("liberation2/LiberationSerif-BoldItalic.ttf",
                   "liberation/LiberationSerif-BoldItalic.ttf",
                   "dejavu/DejaVuSerifCondensed-BoldItalic.ttf",
                   "dejavu/DejaVuSerif-BoldItalic.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "sans_bold": ("liberation2/LiberationSans-Bold.ttf", "liberation/LiberationSans-Bold.ttf",
                  "dejavu/DejaVuSans-Bold.ttf"),
}
VIETNAMESE_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƠƯẬỆỰ"

INK: RGB = (22, 22, 26)
STAMP_RED: RGB = (196, 28, 36)
SEAL_RED: RGB = (204, 32, 44)
HEADING_RED: RGB = (190, 24, 30)
PEN_BLUE: RGB = (28, 40, 130)

# Secrecy stamps (Thông tư 24/2020/TT-BCA form 02): double border, these outer sizes in mm.
SECRECY_STAMP_MM: dict[Secrecy, tuple[float, float]] = {
    Secrecy.MAT: (20.0, 8.0),
    Secrecy.TOI_MAT: (30.0, 8.0),
    Secrecy.TUYET_MAT: (40.0, 8.0),
}
# Urgency stamps: single border; the regulation fixes no size, these match common practice.
URGENCY_STAMP_MM: dict[Urgency, tuple[float, float]] = {
    Urgency.KHAN: (20.0, 8.0),
    Urgency.THUONG_KHAN: (40.0, 8.0),
    Urgency.HOA_TOC: (30.0, 8.0),
}
URGENCY_LABEL: dict[Urgency, str] = {
    Urgency.KHAN: "KHẨN",
    Urgency.THUONG_KHAN: "THƯỢNG KHẨN",
    Urgency.HOA_TOC: "HỎA TỐC",
}
DOUBLE_BORDER_GAP_MM = 1.0
RECEIVED_STAMP_MM = (50.0, 30.0)
SEAL_DIAMETER_MM = 35.0


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------------------------
# Specification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Para:
    """One paragraph of the body. `lead` is a bold run that starts it (e.g. "Điều 1.")."""

    text: str
    kind: ParaKind = "body"
    lead: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", nfc(self.text))
        object.__setattr__(self, "lead", nfc(self.lead))

    @property
    def printed(self) -> str:
        return f"{self.lead} {self.text}".strip() if self.lead else self.text


@dataclass(frozen=True)
class ReceivedStamp:
    """The clerk's rectangular "ĐẾN" stamp (red) with hand-written number and date (blue)."""

    agency: str
    number: str
    date: str
    forward: str = ""


@dataclass(frozen=True)
class ExtraStamp:
    """Any other rectangular stamp: "THU HỒI", "GIẢI MẬT", a copy mark, a look-alike box.

    Placed at (x_mm, y_mm) from the page's top-left corner, or, when x_mm is None, stacked under
    the number line like the secrecy and urgency stamps. Page 1 unless `page` says otherwise.
    """

    text: str
    size_mm: tuple[float, float] = (30.0, 8.0)
    double: bool = False
    color: RGB = STAMP_RED
    x_mm: float | None = None
    y_mm: float | None = None
    page: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", nfc(self.text))


@dataclass(frozen=True)
class Degradation:
    """Scan simulation. Sizes are in pixels of the page at its dpi; 0 disables a step."""

    skew_deg: float = 0.0
    blur_sigma: float = 0.0
    noise_sigma: float = 0.0
    paper_tone: float = 0.0  # 0 white paper .. 1 old yellowed paper
    speckle: float = 0.0  # density of dust specks
    illumination: float = 0.0  # strength of uneven lighting (0..0.3)
    photo: bool = False  # phone photo: perspective, desk background, JPEG-like softness
    bilevel_threshold: int = 150


CLEAN = Degradation()
LIGHT_SCAN = Degradation(skew_deg=0.25, blur_sigma=0.6, noise_sigma=2.5, paper_tone=0.35,
                         speckle=8e-5, illumination=0.04)


@dataclass(frozen=True, kw_only=True)
class DocSpec:
    """Everything printed on a document, and how it is scanned."""

    family: Family
    doc_type: str  # ke_hoach, quyet_dinh, cong_van, ... (shared corpus vocabulary)
    type_label: str  # "KẾ HOẠCH"; ignored for a công văn, which has no type name
    number_symbol: str  # "27-KH/ĐU" or "12/QĐ-UBND", without "Số"
    issuer: str  # full issuing body name, caps
    place: str
    date: date
    abstract: str  # trích yếu; for a công văn the "V/v ..." line
    body: tuple[Para, ...]
    parent: str = ""  # superior body (cơ quan chủ quản), caps
    issuer_lines: tuple[str, ...] = ()  # how the issuer is broken over lines, if not one line
    addressees: tuple[str, ...] = ()  # "Kính gửi"
    recipients: tuple[str, ...] = ()  # "Nơi nhận" items
    copy_control: tuple[str, ...] = ()  # secret documents: "Số lượng: 05 bản.", copy permission
    signer_authority: str = ""  # "T/M BAN THƯỜNG VỤ", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"
    signer_title: str = ""
    signer_name: str = ""
    secrecy: Secrecy = Secrecy.NONE
    urgency: Urgency = Urgency.NONE
    secrecy_position: Literal["left", "right"] = "left"  # some clerks stamp upper right
    received: ReceivedStamp | None = None
    extra_stamps: tuple[ExtraStamp, ...] = ()
    seal: bool = True
    seal_text: str = ""  # ring text; derived from issuer and parent when empty
    signature: bool = True
    red_headings: bool = False
    stamp_strength: float = 0.9  # ink density of stamps, 0..1 (faint stamps ~0.4)
    color_mode: ColorMode = "rgb"
    dpi: int = 200
    font_pt: float = 14.0
    degradation: Degradation = CLEAN
    seed: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                object.__setattr__(self, f.name, nfc(value))
            elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                object.__setattr__(self, f.name, tuple(nfc(v) for v in value))
        if self.family not in ("party", "state"):
            raise ValueError(f"family must be party or state, not {self.family!r}")
        if self.secrecy_position not in ("left", "right"):
            raise ValueError(f"bad secrecy_position {self.secrecy_position!r}")
        if self.color_mode not in ("rgb", "gray", "bilevel"):
            raise ValueError(f"bad color_mode {self.color_mode!r}")
        if not 72 <= self.dpi <= 600:
            raise ValueError(f"dpi out of range: {self.dpi}")
        if self.is_cong_van and not self.abstract.startswith("V/v"):
            object.__setattr__(self, "abstract", "V/v " + self.abstract)

    @property
    def is_cong_van(self) -> bool:
        return self.doc_type == "cong_van"

    @property
    def number_line(self) -> str:
        return f"Số {self.number_symbol}" if self.family == "party" else f"Số: {self.number_symbol}"

    @property
    def date_line(self) -> str:
        return f"{self.place}, {vn_date(self.date)}"

    @property
    def issuer_printed(self) -> tuple[str, ...]:
        return self.issuer_lines or (self.issuer,)


def vn_date(d: date) -> str:
    """'ngày 05 tháng 8 năm 2025': leading zero for days below 10 and for months 1 and 2."""
    day = f"{d.day:02d}"
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {day} tháng {month} năm {d.year}"


# --------------------------------------------------------------------------------------------
# Output records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    bbox: Box
    role: str


@dataclass(frozen=True)
class Mark:
    kind: str  # secrecy, urgency, received, seal, signature
    page: int  # 1-based
    bbox: Box  # before skew / perspective
    color: RGB
    value: str = ""  # secrecy / urgency level
    text: str = ""
    size_mm: tuple[float, float] = (0.0, 0.0)
    angle_deg: float = 0.0
    strength: float = 1.0


@dataclass(frozen=True)
class Rendered:
    spec: DocSpec
    pages: tuple[Image.Image, ...]
    lines_per_page: tuple[tuple[Line, ...], ...]
    marks: tuple[Mark, ...]
    degradations: tuple[dict[str, Any], ...] = ()

    @property
    def text_per_page(self) -> tuple[str, ...]:
        return tuple("\n".join(line.text for line in lines) for lines in self.lines_per_page)

    def marks_of(self, kind: str) -> tuple[Mark, ...]:
        return tuple(m for m in self.marks if m.kind == kind)

    @property
    def stamp_bbox(self) -> Box | None:
        """Box of the secrecy stamp on page 1 (pixels, as printed), or None."""
        found = self.marks_of("secrecy")
        return found[0].bbox if found else None


# --------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------


def _covers(path: Path, letters: str) -> bool:
    """True when the font has a real glyph (not .notdef) for every letter."""
    font = ImageFont.truetype(str(path), 32, layout_engine=ImageFont.Layout.BASIC)

    def bitmap(ch: str) -> bytes:
        img = Image.new("L", (48, 64), 0)
        ImageDraw.Draw(img).text((4, 8), ch, font=font, fill=255)
        return img.tobytes()

    notdef = bitmap("\uffff")
    return all(bitmap(ch) != notdef for ch in letters)


@lru_cache(maxsize=16)
def font_path(style: str) -> Path:
    """The first installed font of `style` that covers Vietnamese."""
    for rel in _FONT_FILES[style]:
        path = FONT_DIR / rel
        if path.exists() and _covers(path, VIETNAMESE_LETTERS):
            return path
    raise FileNotFoundError(
        f"no {style} font with Vietnamese letters: install fonts-liberation2 or fonts-dejavu")


def font_name() -> str:
    """Family name of the body font actually used (for the ground truth)."""
    family, _style = ImageFont.truetype(str(font_path("regular")), 12).getname()
    return family or font_path("regular").stem


@lru_cache(maxsize=256)
def _font(style: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(style)), max(px, 4),
                              layout_engine=ImageFont.Layout.BASIC)


@dataclass
class _Run:
    x: float
    text: str
    style: str
    pt: float
    fill: RGB = INK
    underline: bool = False


@dataclass
class _Row:
    """One printed line of the flow: runs share a baseline."""

    runs: list[_Run]
    pt: float
    role: str
    pitch: float  # advance in px
    space_before: float = 0.0
    rules: list[tuple[float, float]] = field(default_factory=list)  # x0, x1 under the baseline
    keep_with_next: bool = False


@dataclass
class _Item:
    """A placed row: baseline y on a page."""

    row: _Row
    y: float


@dataclass
class _PageLayout:
    rows: list[_Item] = field(default_factory=list)  # in reading order
    rules: list[tuple[float, float, float, float, float]] = field(default_factory=list)
    marks: list[tuple[str, Box, str]] = field(default_factory=list)  # kind, box, value


class _Layouter:
    def __init__(self, spec: DocSpec) -> None:
        self.spec = spec
        self.dpi = spec.dpi
        self.pxmm = spec.dpi / MM_PER_INCH
        self.width = round(A4_MM[0] * self.pxmm)
        self.height = round(A4_MM[1] * self.pxmm)
        top, bottom, left, right = MARGINS_MM
        self.top = top * self.pxmm
        self.bottom = self.height - bottom * self.pxmm
        self.left = left * self.pxmm
        self.right = self.width - right * self.pxmm
        self.text_w = self.right - self.left
        self.cx = (self.left + self.right) / 2
        self.rng = random.Random(spec.seed)  # noqa: S311 - reproducible layout jitter

    # units
    def mm(self, v: float) -> float:
        return v * self.pxmm

    def px(self, pt: float) -> int:
        return round(pt * self.dpi / 72)

    def font(self, style: str, pt: float) -> ImageFont.FreeTypeFont:
        return _font(style, self.px(pt))

    def tw(self, text: str, style: str, pt: float) -> float:
        return self.font(style, pt).getlength(text)

    def pitch(self, pt: float, factor: float = 1.18) -> float:
        return self.px(pt) * factor

    # rows
    def centred(self, text: str, style: str, pt: float, cx: float, role: str, *,
                fill: RGB = INK, underline: bool = False, space_before: float = 0.0,
                factor: float = 1.18) -> _Row:
        w = self.tw(text, style, pt)
        return _Row([_Run(cx - w / 2, text, style, pt, fill, underline)], pt, role,
                     self.pitch(pt, factor), space_before)

    def wrap(self, words: list[tuple[str, str]], pt: float, width: float,
             first_width: float | None = None) -> list[list[tuple[str, str]]]:
        """Greedy line breaking of (word, style) tokens."""
        lines: list[list[tuple[str, str]]] = []
        cur: list[tuple[str, str]] = []
        cur_w = 0.0
        space = self.tw(" ", "regular", pt)
        limit = first_width if first_width is not None else width
        for word, style in words:
            ww = self.tw(word, style, pt)
            add = ww if not cur else space + ww
            if cur and cur_w + add > limit:
                lines.append(cur)
                cur, cur_w, limit = [(word, style)], ww, width
            else:
                cur.append((word, style))
                cur_w += add
        if cur:
            lines.append(cur)
        return lines

    def centred_block(self, text: str, style: str, pt: float, cx: float, width: float,
                      role: str, *, factor: float = 1.15) -> list[_Row]:
        words = [(w, style) for w in text.split()]
        return [self.centred(" ".join(w for w, _ in line), style, pt, cx, role, factor=factor)
                for line in self.wrap(words, pt, width)]

    def paragraph(self, para: Para) -> list[_Row]:
        spec = self.spec
        pt = spec.font_pt
        indent = self.mm(12.7)
        style = {"body": "regular", "italic": "italic", "heading": "bold",
                 "subheading": "bold", "center": "bold"}[para.kind]
        fill = HEADING_RED if (para.kind == "heading" and spec.red_headings) else INK
        gap = self.px(pt) * 0.25
        if para.kind == "center":
            rows = self.centred_block(para.text, style, pt, self.cx, self.text_w * 0.9, "heading",
                                      factor=1.25)
            rows[0].space_before = gap * 2
            for r in rows:
                r.keep_with_next = True
            return rows
        words = [(w, "bold") for w in para.lead.split()] + [(w, style) for w in para.text.split()]
        lines = self.wrap(words, pt, self.text_w, self.text_w - indent)
        role = "heading" if para.kind in ("heading", "subheading") else "body"
        rows: list[_Row] = []
        space = self.tw(" ", "regular", pt)
        for i, line in enumerate(lines):
            x0 = self.left + (indent if i == 0 else 0)
            avail = self.right - x0
            widths = [self.tw(w, s, pt) for w, s in line]
            last = i == len(lines) - 1
            if last or len(line) == 1:
                gapw = space
            else:
                gapw = (avail - sum(widths)) / (len(line) - 1)
            runs = []
            x = x0
            for (w, s), ww in zip(line, widths, strict=True):
                runs.append(_Run(x, w, s, pt, fill))
                x += ww + gapw
            rows.append(_Row(runs, pt, role, self.pitch(pt, 1.26),
                             space_before=gap if i == 0 else 0.0,
                             keep_with_next=role == "heading"))
        return rows

    # page 1 header ---------------------------------------------------------------------------
    def header(self, page: _PageLayout) -> float:
        """Place the header blocks and first-page marks; return the y where the flow starts."""
        spec = self.spec
        party = spec.family == "party"
        hpt = 14.0 if party else 13.0
        # left block
        left_lines: list[tuple[str, str, float, str]] = []
        if spec.parent:
            left_lines.append((spec.parent, "regular", hpt, "issuer_parent"))
        for ln in spec.issuer_printed:
            left_lines.append((ln, "bold", hpt, "issuer"))
        widest = max(self.tw(t, s, p) for t, s, p, _ in left_lines)
        cx_l = max(self.mm(63), self.mm(22) + widest / 2)
        y = self.top + self.px(hpt) * 0.8
        for text, style, pt, role in left_lines:
            page.rows.append(_Item(self.centred(text, style, pt, cx_l, role), y))
            y += self.pitch(pt, 1.12)
        if party:
            page.rows.append(_Item(self.centred("*", "regular", hpt, cx_l, "issuer_star"), y))
            y += self.pitch(hpt, 1.05)
        else:
            w = self.tw(spec.issuer_printed[-1], "bold", hpt) * 0.4
            ry = y - self.pitch(hpt, 1.12) + self.px(hpt) * 0.3
            page.rules.append((cx_l - w / 2, ry, cx_l + w / 2, ry, max(1.0, self.mm(0.25))))
            y += self.mm(2.5)
        number_y = y
        page.rows.append(_Item(self.centred(spec.number_line, "regular", hpt, cx_l, "number"), y))
        y += self.pitch(hpt, 1.1)
        if spec.is_cong_van:
            vstyle = "italic" if party else "regular"
            for row in self.centred_block(spec.abstract, vstyle, 12.0, cx_l, self.mm(72),
                                          "abstract"):
                page.rows.append(_Item(row, y))
                y += row.pitch
        left_bottom = y - self.px(hpt) * 0.8
        # marks under the number (box 10a, 10b) and the clerk's received stamp
        mark_y = left_bottom + self.mm(2.5)
        if spec.secrecy is not Secrecy.NONE and spec.secrecy_position == "left":
            w, h = SECRECY_STAMP_MM[spec.secrecy]
            box = self._box(cx_l, mark_y, w, h)
            page.marks.append(("secrecy", box, spec.secrecy.value))
            mark_y = box[3] + self.mm(2)
        if spec.urgency is not Urgency.NONE:
            w, h = URGENCY_STAMP_MM[spec.urgency]
            box = self._box(cx_l, mark_y, w, h)
            page.marks.append(("urgency", box, spec.urgency.value))
            mark_y = box[3] + self.mm(2)
        if spec.received is not None:
            w, h = RECEIVED_STAMP_MM
            box = self._box(cx_l - self.mm(6), mark_y + self.mm(1), w, h)
            page.marks.append(("received", box, ""))
            mark_y = box[3] + self.mm(2)
        for n, extra in enumerate(spec.extra_stamps):
            if extra.page != 1 or extra.x_mm is not None:
                continue
            box = self._box(cx_l, mark_y, *extra.size_mm)
            page.marks.append(("extra", box, str(n)))
            mark_y = box[3] + self.mm(2)
        # right block
        cx_r = min(self.mm(148.5), self.width - self.mm(12) - self.tw(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold", 13.0) / 2)
        y = self.top + self.px(hpt) * 0.8
        if party:
            row = self.centred("ĐẢNG CỘNG SẢN VIỆT NAM", "bold", 15.0, cx_r, "motto",
                               underline=True)
            page.rows.append(_Item(row, y))
        else:
            page.rows.append(_Item(self.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold", 13.0,
                                                cx_r, "motto"), y))
            y += self.pitch(13.0, 1.12)
            page.rows.append(_Item(self.centred("Độc lập - Tự do - Hạnh phúc", "bold", 14.0, cx_r,
                                                "motto", underline=True), y))
        date_y = max(number_y, y + self.pitch(14.0, 1.5))
        page.rows.append(_Item(self.centred(spec.date_line, "italic", 14.0, cx_r, "date"), date_y))
        right_bottom = date_y + self.px(14.0) * 0.3
        if spec.secrecy is not Secrecy.NONE and spec.secrecy_position == "right":
            w, h = SECRECY_STAMP_MM[spec.secrecy]
            box = self._box(cx_r, right_bottom + self.mm(3), w, h)
            page.marks.append(("secrecy", box, spec.secrecy.value))
            right_bottom = box[3] + self.mm(1)
        flow_top = max(mark_y, right_bottom, left_bottom) + self.mm(7 if party else 5)
        return flow_top

    def _box(self, cx: float, top: float, w_mm: float, h_mm: float) -> Box:
        w, h = self.mm(w_mm), self.mm(h_mm)
        x0 = round(cx - w / 2)
        y0 = round(top)
        return (x0, y0, x0 + round(w), y0 + round(h))

    # flow -----------------------------------------------------------------------------------
    def flow_rows(self) -> list[_Row]:
        spec = self.spec
        party = spec.family == "party"
        rows: list[_Row] = []
        if not spec.is_cong_van:
            title_pt = 16.0 if party else 14.0
            rows.append(self.centred(spec.type_label, "bold", title_pt, self.cx, "title",
                                     factor=1.2))
            abstract = self.centred_block(spec.abstract, "bold", 14.0, self.cx, self.mm(140),
                                          "abstract")
            rows.extend(abstract)
            if party:
                rows.append(self.centred("-----", "regular", 14.0, self.cx, "abstract_rule",
                                         factor=1.0))
            else:
                widest = max(sum(self.tw(r.text, "bold", 14.0) for r in row.runs)
                             for row in abstract)
                half = min(widest, self.mm(60)) * 0.4
                abstract[-1].rules.append((self.cx - half, self.cx + half))
                abstract[-1].pitch += self.mm(3)
            for r in rows:
                r.keep_with_next = True
        if spec.addressees:
            rows.extend(self.addressee_rows())
        for para in spec.body:
            rows.extend(self.paragraph(para))
        return rows

    def addressee_rows(self) -> list[_Row]:
        spec = self.spec
        pt = spec.font_pt
        label = "Kính gửi:"
        if len(spec.addressees) == 1:
            row = self.centred(f"{label} {spec.addressees[0]}", "regular", pt, self.cx,
                               "addressee", space_before=self.mm(3), factor=1.4)
            row.runs = [_Run(row.runs[0].x, label, "regular", pt),
                        _Run(row.runs[0].x + self.tw(label + " ", "regular", pt),
                             spec.addressees[0], "regular", pt)]
            return [row]
        items = [f"- {a}" for a in spec.addressees]
        widest = max(self.tw(i, "regular", pt) for i in items)
        lw = self.tw(label + " ", "regular", pt)
        x0 = self.cx - (lw + widest) / 2
        rows = []
        for n, item in enumerate(items):
            runs = [_Run(x0 + lw, item, "regular", pt)]
            if n == 0:
                runs.insert(0, _Run(x0, label, "regular", pt))
            rows.append(_Row(runs, pt, "addressee", self.pitch(pt, 1.25),
                             self.mm(3) if n == 0 else 0.0))
        return rows

    def end_block(self) -> tuple[float, list[tuple[_Row, float]], list[tuple[str, Box, str]]]:
        """Recipients (left) and signature (right), relative to the block top."""
        spec = self.spec
        party = spec.family == "party"
        placed: list[tuple[_Row, float]] = []
        # recipients
        y = self.px(12) * 0.9
        if spec.recipients or spec.copy_control:
            if party:
                row = _Row([_Run(self.left, "Nơi nhận:", "regular", 14.0, INK, True)], 14.0,
                           "recipients", self.pitch(14.0, 1.2))
            else:
                row = _Row([_Run(self.left, "Nơi nhận:", "bolditalic", 12.0)], 12.0,
                           "recipients", self.pitch(12.0, 1.2))
            placed.append((row, y))
            y += row.pitch
            for item in (*spec.recipients, *spec.copy_control):
                words = [(w, "regular") for w in item.split()]
                for k, ln in enumerate(self.wrap(words, 12.0, self.mm(78))):
                    x = self.left + (self.mm(2.5) if k else 0)
                    row = _Row([_Run(x, " ".join(w for w, _ in ln), "regular", 12.0)], 12.0,
                               "recipients", self.pitch(12.0, 1.15))
                    placed.append((row, y))
                    y += row.pitch
        rec_h = y
        # signature block
        cx_s = self.mm(148.5)
        y = self.px(14) * 0.9
        sig_lines = [t for t in (spec.signer_authority, spec.signer_title) if t]
        for t in sig_lines:
            placed.append((self.centred(t, "bold", 14.0, cx_s, "signature"), y))
            y += self.pitch(14.0, 1.15)
        # room for the signature: the seal (35 mm) sits between the title and the name, a little
        # to the left, over the start of the signature, touching both lines only at its rim
        y += self.mm(37)
        marks: list[tuple[str, Box, str]] = []
        if spec.signer_name:
            placed.append((self.centred(spec.signer_name, "bold", 14.0, cx_s, "signer"), y))
        mid = y - self.mm(22)
        if spec.signature:
            w, h = self.mm(40 + self.rng.uniform(-5, 6)), self.mm(16 + self.rng.uniform(-2, 3))
            x0 = cx_s - w / 2 + self.mm(self.rng.uniform(-3, 5))
            marks.append(("signature", (round(x0), round(mid - h / 2), round(x0 + w),
                                        round(mid + h / 2)), ""))
        if spec.seal:
            d = self.mm(SEAL_DIAMETER_MM + self.rng.uniform(-0.6, 0.6))
            scx = cx_s - self.mm(30 + self.rng.uniform(-1.5, 1.5))
            scy = mid + self.mm(self.rng.uniform(-0.8, 0.8))
            marks.append(("seal", (round(scx - d / 2), round(scy - d / 2), round(scx + d / 2),
                                   round(scy + d / 2)), ""))
        sig_h = y + self.px(14) * 0.4
        return max(rec_h, sig_h), placed, marks

    def paginate(self) -> list[_PageLayout]:
        pages = [_PageLayout()]
        y = self.header(pages[0])
        content_top_next = self.top + self.mm(4)

        def new_page() -> float:
            pages.append(_PageLayout())
            num = str(len(pages))
            row = self.centred(num, "regular", 13.0, self.cx, "page_number")
            pages[-1].rows.append(_Item(row, self.mm(12)))
            return content_top_next

        rows = self.flow_rows()
        i = 0
        while i < len(rows):
            row = rows[i]
            need = row.space_before + row.pitch
            # keep a heading (or the title block) with the next line
            j = i
            while rows[j].keep_with_next and j + 1 < len(rows):
                j += 1
                need += rows[j].space_before + rows[j].pitch
            if y + need > self.bottom and pages[-1].rows[-1].row.role not in ("page_number",):
                y = new_page()
            y += row.space_before
            pages[-1].rows.append(_Item(row, y + self.px(row.pt) * 0.8))
            y += row.pitch
            i += 1
        end_h, end_rows, end_marks = self.end_block()
        y += self.mm(3)
        if y + end_h > self.bottom:
            # carry the last lines of the body over, so the signature page is not body-less
            page = pages[-1]
            carried: list[_Row] = []
            while len(carried) < 2 and page.rows and page.rows[-1].row.role == "body":
                carried.insert(0, page.rows.pop().row)
            y = new_page()
            for row in carried:
                y += row.space_before
                pages[-1].rows.append(_Item(row, y + self.px(row.pt) * 0.8))
                y += row.pitch
            y += self.mm(3)
        for n, extra in enumerate(self.spec.extra_stamps):
            if extra.x_mm is None or not 1 <= extra.page <= len(pages):
                continue
            x0, y0 = round(self.mm(extra.x_mm)), round(self.mm(extra.y_mm or 0.0))
            box = (x0, y0, x0 + round(self.mm(extra.size_mm[0])),
                   y0 + round(self.mm(extra.size_mm[1])))
            pages[extra.page - 1].marks.append(("extra", box, str(n)))
        page = pages[-1]
        for row, dy in end_rows:
            page.rows.append(_Item(row, y + dy))
        for kind, (x0, y0, x1, y1), value in end_marks:
            page.marks.append((kind, (x0, round(y0 + y), x1, round(y1 + y)), value))
        return pages


# --------------------------------------------------------------------------------------------
# Marks (stamps, seal, signature) as ink masks
# --------------------------------------------------------------------------------------------


def _ink_texture(rng: np.random.Generator, shape: tuple[int, int], strength: float) -> np.ndarray:
    """Uneven stamp ink: blotchy low-frequency density times fine grain."""
    h, w = shape
    coarse = rng.uniform(0.55, 1.0, size=(max(2, h // 12), max(2, w // 12))).astype(np.float32)
    coarse_img = Image.fromarray((coarse * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
    tex = np.asarray(coarse_img, dtype=np.float32) / 255
    tex *= rng.uniform(0.8, 1.0, size=(h, w)).astype(np.float32)
    return np.clip(tex * (strength / 0.85), 0, 1)


def _fit_font(style: str, text: str, max_w: float, max_h: float) -> ImageFont.FreeTypeFont:
    px = int(max_h)
    while px > 6:
        f = _font(style, px)
        x0, y0, x1, y1 = f.getbbox(text, anchor="mm")
        if x1 - x0 <= max_w and y1 - y0 <= max_h:
            return f
        px -= 1
    return _font(style, px)


def _boxed_stamp_mask(text: str, size: tuple[int, int], pxmm: float, double: bool) -> Image.Image:
    w, h = size
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    outer = max(2, round(0.5 * pxmm))
    d.rectangle((0, 0, w - 1, h - 1), outline=255, width=outer)
    inset = 0
    if double:
        inset = round((DOUBLE_BORDER_GAP_MM + 0.5) * pxmm)
        d.rectangle((inset, inset, w - 1 - inset, h - 1 - inset), outline=255,
                    width=max(1, round(0.3 * pxmm)))
    # text keeps clear of the frame (a stamp detector removes the frame lines before OCR)
    pad_x, pad_y = (0.8, 0.35) if double else (1.7, 1.2)
    inner_w = w - 2 * max(inset, outer) - 2 * round(pad_x * pxmm)
    inner_h = h - 2 * max(inset, outer) - 2 * round(pad_y * pxmm)
    font = _fit_font("sans_bold", text, inner_w, inner_h)
    d.text((w / 2, h / 2), text, font=font, fill=255, anchor="mm")
    return img


def _received_mask(agency: str, size: tuple[int, int], pxmm: float) -> Image.Image:
    w, h = size
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w - 1, h - 1), outline=255, width=max(2, round(0.45 * pxmm)))
    small = _fit_font("sans_bold", agency, w - 4 * pxmm, 3.2 * pxmm)
    d.text((w / 2, 4.5 * pxmm), agency, font=small, fill=255, anchor="mm")
    big = _font("sans_bold", round(6.5 * pxmm))
    d.text((3 * pxmm, 14 * pxmm), "ĐẾN", font=big, fill=255, anchor="lm")
    lab = _font("regular", round(3.4 * pxmm))
    x_lab = 21 * pxmm
    for yy, label in ((11 * pxmm, "Số:"), (17 * pxmm, "Ngày:")):
        d.text((x_lab, yy), label, font=lab, fill=255, anchor="ls")
        d.line((x_lab + 9 * pxmm, yy, w - 3 * pxmm, yy), fill=255, width=1)
    for yy, label in ((23 * pxmm, "Chuyển:"), (28 * pxmm, "Lưu hồ sơ số:")):
        d.text((3 * pxmm, yy), label, font=lab, fill=255, anchor="ls")
        lx = 3 * pxmm + lab.getlength(label) + pxmm
        d.line((lx, yy, w - 3 * pxmm, yy), fill=255, width=1)
    return img


def _seal_mask(ring: str, diameter: int, pxmm: float, rng: random.Random) -> Image.Image:
    img = Image.new("L", (diameter, diameter), 0)
    d = ImageDraw.Draw(img)
    r = diameter / 2
    c = (r, r)
    d.ellipse((1, 1, diameter - 2, diameter - 2), outline=255, width=max(2, round(0.9 * pxmm)))
    d.ellipse((round(1.6 * pxmm), round(1.6 * pxmm), diameter - round(1.6 * pxmm),
               diameter - round(1.6 * pxmm)), outline=255, width=max(1, round(0.3 * pxmm)))
    ri = r * 0.62
    d.ellipse((c[0] - ri, c[1] - ri, c[0] + ri, c[1] + ri), outline=255,
              width=max(1, round(0.35 * pxmm)))
    d.polygon(_star(c[0], c[1], r * 0.3, 0.0), fill=255)
    # ring text, one glyph at a time, rotated to the tangent
    font = _font("sans_bold", round(2.9 * pxmm))
    rt = r - 4.6 * pxmm
    n = len(ring)
    start = rng.uniform(0, 2 * math.pi)
    for k, ch in enumerate(ring):
        if ch == " ":
            continue
        a = start + 2 * math.pi * k / n
        gx, gy = c[0] + rt * math.cos(a), c[1] + rt * math.sin(a)
        if ch == "★":  # drawn: the serif fonts have no star glyph
            d.polygon(_star(gx, gy, 1.3 * pxmm, a + math.pi / 2), fill=255)
            continue
        gs = round(4.2 * pxmm)
        glyph = Image.new("L", (gs, gs), 0)
        ImageDraw.Draw(glyph).text((gs / 2, gs / 2), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BILINEAR)
        img.paste(255, (round(gx - gs / 2), round(gy - gs / 2)), glyph)
    return img


def _star(cx: float, cy: float, radius: float, rot: float) -> list[tuple[float, float]]:
    pts = []
    for k in range(10):
        a = -math.pi / 2 + rot + k * math.pi / 5
        rr = radius if k % 2 == 0 else radius * 0.4
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def _signature_mask(size: tuple[int, int], pxmm: float, rng: random.Random) -> Image.Image:
    w, h = size
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    pts = []
    n = rng.randint(7, 11)
    for k in range(n):
        x = w * (0.05 + 0.9 * k / (n - 1)) + rng.uniform(-0.04, 0.04) * w
        y = h * (0.5 + rng.uniform(-0.42, 0.42))
        pts.append((x, y))
    dense = []
    for k in range(len(pts) - 1):  # Catmull-Rom through the points
        p0 = pts[max(k - 1, 0)]
        p1, p2 = pts[k], pts[k + 1]
        p3 = pts[min(k + 2, len(pts) - 1)]
        for t in np.linspace(0, 1, 16, endpoint=False):
            t2, t3 = t * t, t * t * t
            dense.append(tuple(0.5 * (2 * p1[i] + (-p0[i] + p2[i]) * t
                                      + (2 * p0[i] - 5 * p1[i] + 4 * p2[i] - p3[i]) * t2
                                      + (-p0[i] + 3 * p1[i] - 3 * p2[i] + p3[i]) * t3)
                               for i in range(2)))
    width = max(2, round(0.45 * pxmm))
    d.line(dense, fill=255, width=width, joint="curve")
    y_flourish = h * rng.uniform(0.7, 0.9)
    d.line([(w * 0.1, y_flourish), (w * 0.95, y_flourish - h * rng.uniform(0.05, 0.25))],
           fill=255, width=max(1, width - 1))
    return img


def _apply_ink(arr: np.ndarray, mask: np.ndarray, color: RGB, x0: int, y0: int) -> None:
    """Multiply-blend ink of `color` with coverage `mask` (0..1) at (x0, y0), clipped."""
    h, w = mask.shape
    H, W = arr.shape[:2]
    ax0, ay0 = max(x0, 0), max(y0, 0)
    ax1, ay1 = min(x0 + w, W), min(y0 + h, H)
    if ax1 <= ax0 or ay1 <= ay0:
        return
    m = mask[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0, None]
    absorb = 1.0 - np.asarray(color, dtype=np.float32) / 255.0
    region = arr[ay0:ay1, ax0:ax1].astype(np.float32)
    region *= 1.0 - m * absorb
    arr[ay0:ay1, ax0:ax1] = np.clip(region, 0, 255).astype(np.uint8)


def _seal_ring(spec: DocSpec) -> str:
    if spec.seal_text:
        return spec.seal_text
    parent = spec.parent.replace("THÀNH PHỐ", "TP").replace("ĐẢNG BỘ TP", "ĐẢNG BỘ TP")
    parts = [spec.issuer, parent or "TP HÀ NỘI"]
    return " ★ ".join(parts) + " ★ "


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render(spec: DocSpec) -> Rendered:
    """Render every page of `spec` with its ground truth."""
    lay = _Layouter(spec)
    layouts = lay.paginate()
    nrng = np.random.default_rng(spec.seed)
    prng = random.Random(spec.seed * 7919 + 17)  # noqa: S311 - reproducible marks
    pages: list[Image.Image] = []
    all_lines: list[tuple[Line, ...]] = []
    marks: list[Mark] = []
    degradations: list[dict[str, Any]] = []
    for pno, layout in enumerate(layouts, start=1):
        img = Image.new("RGB", (lay.width, lay.height), (255, 255, 255))
        draw = ImageDraw.Draw(img)
        lines: list[Line] = []
        for item in layout.rows:
            lines.append(_draw_row(draw, lay, item))
        for x0, y0, x1, y1, wd in layout.rules:
            draw.line((x0, y0, x1, y1), fill=INK, width=round(wd))
        arr = np.array(img)
        for kind, box, value in layout.marks:
            marks.append(_draw_mark(arr, lay, spec, pno, kind, box, value, nrng, prng))
        page, steps = _degrade(arr, spec, pno, nrng, prng)
        pages.append(page)
        all_lines.append(tuple(lines))
        degradations.append({"page": pno, "steps": steps})
    return Rendered(spec, tuple(pages), tuple(all_lines), tuple(marks), tuple(degradations))


def render_pages(spec: DocSpec) -> list[Image.Image]:
    return list(render(spec).pages)


def _draw_row(draw: ImageDraw.ImageDraw, lay: _Layouter, item: _Item) -> Line:
    row = item.row
    x0 = y0 = 10**9
    x1 = y1 = -1
    for run in row.runs:
        font = lay.font(run.style, run.pt)
        draw.text((run.x, item.y), run.text, font=font, fill=run.fill, anchor="ls")
        bx0, by0, bx1, by1 = draw.textbbox((run.x, item.y), run.text, font=font, anchor="ls")
        if run.underline:
            uy = item.y + lay.px(run.pt) * 0.12
            draw.line((run.x, uy, bx1, uy), fill=run.fill, width=max(1, round(lay.mm(0.25))))
            by1 = max(by1, round(uy + 1))
        x0, y0, x1, y1 = min(x0, bx0), min(y0, by0), max(x1, bx1), max(y1, by1)
    for rx0, rx1 in row.rules:
        ry = item.y + lay.px(row.pt) * 0.45
        draw.line((rx0, ry, rx1, ry), fill=INK, width=max(1, round(lay.mm(0.25))))
    text = " ".join(run.text for run in row.runs)
    return Line(text, (int(x0), int(y0), int(x1), int(y1)), row.role)


def _draw_mark(arr: np.ndarray, lay: _Layouter, spec: DocSpec, pno: int, kind: str, box: Box,
               value: str, nrng: np.random.Generator, prng: random.Random) -> Mark:
    x0, y0, x1, y1 = box
    size = (x1 - x0, y1 - y0)
    strength = spec.stamp_strength
    angle = round(prng.uniform(-0.8, 0.8), 2)
    text = ""
    color = STAMP_RED
    if kind == "secrecy":
        text = Secrecy(value).label_vi
        mask = _boxed_stamp_mask(text, size, lay.pxmm, double=True)
    elif kind == "urgency":
        text = URGENCY_LABEL[Urgency(value)]
        mask = _boxed_stamp_mask(text, size, lay.pxmm, double=False)
    elif kind == "received":
        assert spec.received is not None
        text = "ĐẾN"
        mask = _received_mask(spec.received.agency, size, lay.pxmm)
        angle = round(prng.uniform(-2.5, 2.5), 2)
    elif kind == "seal":
        color = SEAL_RED
        text = _seal_ring(spec)
        mask = _seal_mask(text, size[0], lay.pxmm, prng)
        angle = 0.0
        strength = min(1.0, strength + 0.05)
    elif kind == "extra":
        extra = spec.extra_stamps[int(value)]
        text, color, value = extra.text, extra.color, ""
        mask = _boxed_stamp_mask(text, size, lay.pxmm, double=extra.double)
    elif kind == "signature":
        color = PEN_BLUE
        mask = _signature_mask(size, lay.pxmm, prng)
        angle = 0.0
        strength = 1.0
    else:  # pragma: no cover - layout only produces the kinds above
        raise ValueError(kind)
    if angle:
        mask = mask.rotate(angle, resample=Image.BICUBIC, expand=True)
    m = np.asarray(mask, dtype=np.float32) / 255.0
    if kind != "signature":
        m = m * _ink_texture(nrng, m.shape, strength)
    ox = x0 - (mask.width - size[0]) // 2
    oy = y0 - (mask.height - size[1]) // 2
    _apply_ink(arr, m, color, ox, oy)
    if kind == "received" and spec.received is not None:
        _handwrite(arr, lay, spec.received, box)
    size_mm = (round(size[0] / lay.pxmm, 1), round(size[1] / lay.pxmm, 1))
    return Mark(kind, pno, box, color, value, text, size_mm, angle, round(strength, 3))


def _handwrite(arr: np.ndarray, lay: _Layouter, rec: ReceivedStamp, box: Box) -> None:
    """Blue hand-written number and date in the received stamp."""
    x0, y0 = box[0], box[1]
    pxmm = lay.pxmm
    w, h = box[2] - x0, box[3] - y0
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    f = _font("bolditalic", round(3.6 * pxmm))
    d.text((31.5 * pxmm, 10.4 * pxmm), rec.number, font=f, fill=255, anchor="ls")
    d.text((31.5 * pxmm, 16.4 * pxmm), rec.date, font=f, fill=255, anchor="ls")
    if rec.forward:
        d.text((17 * pxmm, 22.3 * pxmm), rec.forward, font=f, fill=255, anchor="ls")
    img = img.rotate(-1.5, resample=Image.BICUBIC)
    _apply_ink(arr, np.asarray(img, dtype=np.float32) / 255.0, PEN_BLUE, x0, y0)


# --------------------------------------------------------------------------------------------
# Scan degradations
# --------------------------------------------------------------------------------------------


def _degrade(arr: np.ndarray, spec: DocSpec, pno: int, nrng: np.random.Generator,
             prng: random.Random) -> tuple[Image.Image, list[dict[str, Any]]]:
    """Scan simulation with PIL's uint8 operations (numpy float copies of a 300 dpi page cost
    more than the whole rendering)."""
    deg = spec.degradation
    steps: list[dict[str, Any]] = []
    img = Image.fromarray(arr)
    h, w = arr.shape[:2]
    gray_out = spec.color_mode in ("gray", "bilevel")
    if gray_out and not deg.photo:
        img = img.convert("L")
    tone = np.array([1.0, 1.0, 1.0], dtype=np.float32)
    if deg.paper_tone:
        t = deg.paper_tone
        tone = np.array([1 - 0.02 * t, 1 - 0.04 * t, 1 - 0.09 * t], dtype=np.float32)
        steps.append({"step": "paper", "tone": [round(float(v), 3) for v in tone]})
    if deg.paper_tone or deg.illumination:
        gy, gx = np.mgrid[0:8, 0:8].astype(np.float32) / 7
        gain = np.ones((8, 8), dtype=np.float32)
        if deg.illumination:
            ax, ay = prng.uniform(-1, 1), prng.uniform(-1, 1)
            gain -= deg.illumination * (0.5 + 0.5 * (ax * (gx - 0.5) + ay * (gy - 0.5)))
            gain -= deg.illumination * 0.6 * ((gx - 0.5) ** 2 + (gy - 0.5) ** 2)
            steps.append({"step": "uneven_illumination", "strength": deg.illumination})
        small = np.clip(gain[..., None] * tone[None, None, :] * 255, 0, 255).astype(np.uint8)
        gimg = Image.fromarray(small, "RGB").convert(img.mode).resize((w, h), Image.BILINEAR)
        img = ImageChops.multiply(img, gimg)
    paper_rgb = tuple(int(255 * v) for v in tone)
    paper: int | tuple[int, ...] = paper_rgb
    if img.mode == "L":
        paper = int(0.299 * paper_rgb[0] + 0.587 * paper_rgb[1] + 0.114 * paper_rgb[2])
    if deg.photo:
        img, photo_steps = _photograph(img.convert("RGB"), prng)
        steps.extend(photo_steps)
        if gray_out:
            img = img.convert("L")
    elif deg.skew_deg:
        angle = deg.skew_deg if pno == 1 else deg.skew_deg * prng.uniform(-1.2, 1.2)
        angle = round(angle, 3)
        img = img.rotate(angle, resample=Image.BILINEAR, fillcolor=paper)
        steps.append({"step": "skew", "angle_deg": angle})
    if deg.blur_sigma:
        img = img.filter(_blur_filter(deg.blur_sigma))
        steps.append({"step": "blur", "sigma_px": deg.blur_sigma})
    if deg.noise_sigma:
        # a pool of 2^20 samples repeated over the page: its period is not a multiple of the
        # row length, so no pattern shows, and it costs a copy instead of 9 M normal draws
        pool = nrng.standard_normal(1 << 20, dtype=np.float32) * deg.noise_sigma + 128
        pool = np.roll(np.clip(pool, 0, 255).astype(np.uint8), -int(nrng.integers(0, 1 << 20)))
        noise = np.resize(pool, (img.height, img.width))
        nimg = Image.fromarray(noise, "L")
        if img.mode == "RGB":
            nimg = Image.merge("RGB", (nimg, nimg, nimg))
        img = ImageChops.add(img, nimg, 1.0, -128)
        steps.append({"step": "gaussian_noise", "sigma": deg.noise_sigma})
    if deg.speckle:
        a = np.array(img)
        count = int(a.shape[0] * a.shape[1] * deg.speckle)
        ys = nrng.integers(0, a.shape[0], count)
        xs = nrng.integers(0, a.shape[1], count)
        a[ys, xs] = 60
        img = Image.fromarray(a)
        steps.append({"step": "salt_pepper", "density": deg.speckle})
    if spec.color_mode == "bilevel":
        thr = deg.bilevel_threshold
        img = img.point(lambda v: 255 if v > thr else 0, mode="1")
        steps.append({"step": "binarize", "threshold": thr})
    return img, steps


def _blur_filter(sigma: float) -> ImageFilter.Filter:
    """A 3x3 Gaussian kernel for the usual sub-pixel blur (much faster than GaussianBlur)."""
    if sigma > 1.0:
        return ImageFilter.GaussianBlur(sigma)
    k1 = math.exp(-1 / (2 * sigma * sigma))
    k2 = k1 * k1
    kernel = [k2, k1, k2, k1, 1.0, k1, k2, k1, k2]
    return ImageFilter.Kernel((3, 3), kernel, scale=sum(kernel))


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]
                        ) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE): output point dst[i] samples src[i]."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    sol = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return [float(v) for v in sol]


def _photograph(img: Image.Image, prng: random.Random) -> tuple[Image.Image, list[dict[str, Any]]]:
    """A phone photo of the page lying on a desk: perspective, background, vignetting."""
    w, h = img.size
    pad_x, pad_y = int(w * 0.07), int(h * 0.05)
    cw, ch = w + 2 * pad_x, h + 2 * pad_y
    j = 0.015
    corners = [
        (pad_x + prng.uniform(-j, j) * w, pad_y + prng.uniform(-j, j) * h),
        (pad_x + w + prng.uniform(-j, j) * w, pad_y + prng.uniform(-j, j) * h),
        (pad_x + w + prng.uniform(-j, j) * w, pad_y + h + prng.uniform(-j, j) * h),
        (pad_x + prng.uniform(-j, j) * w, pad_y + h + prng.uniform(-j, j) * h),
    ]
    coeffs = _perspective_coeffs(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    warped = img.transform((cw, ch), Image.PERSPECTIVE, coeffs, resample=Image.BILINEAR)
    mask = Image.new("L", (w, h), 255).transform((cw, ch), Image.PERSPECTIVE, coeffs,
                                                 resample=Image.BILINEAR)
    gy, gx = np.mgrid[0:16, 0:16].astype(np.float32) / 15
    desk = np.stack([118 + 30 * gx, 92 + 22 * gx, 70 + 12 * gy], axis=-1)
    desk_img = Image.fromarray(np.clip(desk, 0, 255).astype(np.uint8)).resize((cw, ch),
                                                                              Image.BICUBIC)
    desk_img.paste(warped, (0, 0), mask)
    # light falls off towards one corner, as under a desk lamp
    vx, vy = prng.uniform(0.2, 0.8), prng.uniform(0.1, 0.5)
    d2 = (gx - vx) ** 2 + (gy - vy) ** 2
    light = np.clip(1.0 - 0.22 * d2, 0.7, 1.0)
    limg = Image.fromarray((light * 255).astype(np.uint8)).resize((cw, ch), Image.BILINEAR)
    out = ImageChops.multiply(desk_img, Image.merge("RGB", (limg, limg, limg)))
    steps = [{"step": "photo", "corners": [[round(x, 1), round(y, 1)] for x, y in corners],
              "canvas": [cw, ch]}]
    return out, steps


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def _page_blob(page: Image.Image, dpi: int, jpeg_quality: int) -> bytes:
    buf = io.BytesIO()
    if page.mode == "1":
        page.save(buf, format="TIFF", compression="group4", dpi=(dpi, dpi))
    else:
        page.save(buf, format="JPEG", quality=jpeg_quality, dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def save_pdf(pages: list[Image.Image] | tuple[Image.Image, ...], path: Path | str, dpi: int,
             jpeg_quality: int = 80) -> None:
    """Image-only PDF (no text layer): JPEG pages for colour/grey, CCITT G4 for bilevel."""
    blobs = [_page_blob(p, dpi, jpeg_quality) for p in pages]
    data = img2pdf.convert(blobs, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)),
                           nodate=True, engine=img2pdf.Engine.internal)
    Path(path).write_bytes(data)


def save_tiff(pages: list[Image.Image] | tuple[Image.Image, ...], path: Path | str,
              dpi: int) -> None:
    """Multi-page TIFF: G4 for bilevel pages, Deflate otherwise (large for noisy grey pages)."""
    first, rest = pages[0], list(pages[1:])
    compression = "group4" if first.mode == "1" else "tiff_adobe_deflate"
    first.save(path, format="TIFF", save_all=True, append_images=rest, compression=compression,
               dpi=(dpi, dpi))


def save_png(page: Image.Image, path: Path | str, dpi: int) -> None:
    page.save(path, format="PNG", dpi=(dpi, dpi), optimize=True)


def save_jpeg(page: Image.Image, path: Path | str, dpi: int | None = None,
              quality: int = 85) -> None:
    """JPEG; phone photos carry a meaningless 72 dpi, pass dpi=None for that."""
    img = page.convert("RGB") if page.mode == "1" else page
    img.save(path, format="JPEG", quality=quality, dpi=(dpi or 72, dpi or 72), optimize=True)


# --------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------

_SECRECY_TERMS = ("bí mật nhà nước", "tài liệu mật", "độ mật", "mật")


def ground_truth(r: Rendered, file: str, fmt: str, **extra: Any) -> dict[str, Any]:
    """Manifest entry with the shared corpus field names."""
    s = r.spec
    body_text = " ".join(p.printed for p in s.body).lower()
    entry: dict[str, Any] = {
        "file": file,
        "kind": "document",
        "format": fmt,
        "pages": len(r.pages),
        "dpi": s.dpi,
        "color_mode": s.color_mode,
        "font": f"{font_name()} {s.font_pt:g}pt",
        "expected": "ocr",
        "family": s.family,
        "doc_type": s.doc_type,
        "doc_type_label": "CÔNG VĂN" if s.is_cong_van else s.type_label,
        "title": None if s.is_cong_van else s.type_label,
        "number_symbol": s.number_symbol,
        "issuing_body": s.issuer,
        "parent_body": s.parent or None,
        "date": s.date.isoformat(),
        "place": s.place,
        "abstract": s.abstract,
        "addressees": list(s.addressees),
        "signer": s.signer_name,
        "signer_title": s.signer_title,
        "signer_authority": s.signer_authority or None,
        "recipients": list(s.recipients),
        "copy_control": list(s.copy_control),
        "secrecy": s.secrecy.value,
        "urgency": s.urgency.value,
        "expected_store": "classified" if s.secrecy.is_classified else "open",
        "date_line": s.date_line,
        "body_mentions_secrecy_terms": any(t in body_text for t in _SECRECY_TERMS),
        "photographed": s.degradation.photo,
        "text_per_page": list(r.text_per_page),
        "lines_per_page": [[{"text": ln.text, "bbox": list(ln.bbox), "role": ln.role}
                            for ln in lines] for lines in r.lines_per_page],
        "marks": [_mark_json(m) for m in r.marks],
        "degradations": list(r.degradations),
    }
    entry.update(extra)
    return entry


def _mark_json(m: Mark) -> dict[str, Any]:
    out: dict[str, Any] = {"type": m.kind, "page": m.page, "bbox": list(m.bbox)}
    if m.kind in ("secrecy", "urgency"):
        out["value"] = m.value
    if m.kind == "seal":
        out["ring_text"] = m.text
        out["diameter_mm"] = m.size_mm[0]
    elif m.text:
        out["text"] = m.text
    key = "ink" if m.kind == "signature" else "color"
    out[key] = list(m.color)
    out["size_mm"] = list(m.size_mm)
    out["angle_deg"] = m.angle_deg
    out["strength"] = m.strength
    return out


def with_seed(spec: DocSpec, seed: int) -> DocSpec:
    return replace(spec, seed=seed)
