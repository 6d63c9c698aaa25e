"""PDF/A-2b preflight of an archival copy, with pikepdf and `qpdf --check`.

veraPDF cannot be installed here, so this checks what matters most for keeping a signed scan
readable and trustworthy for decades (ISO 19005-2 clause numbers in brackets):

- the file header and its binary comment [6.1.2], a trailer /ID [6.1.3], no encryption [6.1.3];
- XMP metadata claiming PDF/A-2 (pdfaid:part 2, conformance B, or U/A which include B) [6.6];
- an OutputIntent /GTS_PDFA1 with an embedded ICC profile [6.2.3];
- every font embedded, in page content, form XObjects, patterns, Type 3 glyphs and annotation
  appearances [6.2.11.4];
- no JavaScript, no Launch/Sound/Movie/ImportData/ResetForm/Hide/Rendition/... actions, no
  additional-actions (/AA) dictionaries, no XFA [6.5, 6.6.2];
- no embedded files (stricter than PDF/A-2, which allows embedded PDF/A: an archival copy
  carries nothing but itself);
- signed, and nothing appended after the last signed revision: the last signature's (or
  document timestamp's) /ByteRange ends at the last byte of the file;
- `qpdf --check` finds no error and no warning.

`preflight(path)` returns the failures as short English sentences (empty: passed). It never
raises on a hostile file: an unreadable file is itself a failure.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pikepdf

from sohoa.errors import ExternalToolError
from sohoa.tools import run_tool

# Actions PDF/A-2 forbids (6.5.1), JavaScript first.
FORBIDDEN_ACTIONS = frozenset({
    "/JavaScript", "/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide",
    "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView",
})
ACCEPTED_CONFORMANCE = frozenset({"B", "U", "A"})  # U and A include everything B requires
MAX_NODES = 5_000_000  # bounded work on a hostile file
QPDF_TIMEOUT_S = 300.0
PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def preflight(path: Path, *, run_qpdf: bool = True) -> list[str]:
    failures: list[str] = []
    data = path.read_bytes()
    failures += _header(data)
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return [*failures, "the PDF is encrypted"]
    except Exception as exc:  # any parser failure on a damaged or hostile file
        return [*failures, f"pikepdf cannot open the file ({type(exc).__name__})"]
    with pdf:
        if pdf.is_encrypted:
            failures.append("the PDF is encrypted")
        if "/ID" not in pdf.trailer:
            failures.append("the trailer has no /ID")
        failures += _xmp(pdf)
        failures += _output_intents(pdf)
        failures += _fonts(pdf)
        failures += _active_content(pdf)
        failures += _signature_coverage(pdf, len(data))
    if run_qpdf:
        failures += _qpdf_check(path)
    return failures


# -- header -------------------------------------------------------------------------------------

def _header(data: bytes) -> list[str]:
    out = []
    if not (data.startswith(b"%PDF-1.") and data[7:8] in b"01234567" and data[7:8]):
        out.append("the file does not start with a PDF 1.0-1.7 header")
    second = data.split(b"\n", 2)[1] if data.count(b"\n") >= 2 else b""
    if not (second.startswith(b"%") and sum(b >= 128 for b in second[1:5]) == 4):
        out.append("the header is not followed by a binary comment line")
    return out


# -- XMP ----------------------------------------------------------------------------------------

def _xmp(pdf: pikepdf.Pdf) -> list[str]:
    if "/Metadata" not in pdf.Root:
        return ["no XMP metadata stream in the catalog"]
    try:
        meta = pdf.open_metadata()
        part = str(meta.get(f"{{{PDFAID}}}part", "") or "")
        conformance = str(meta.get(f"{{{PDFAID}}}conformance", "") or "")
    except Exception as exc:
        return [f"the XMP metadata cannot be read ({type(exc).__name__})"]
    out = []
    if part != "2":
        out.append(f"XMP pdfaid:part is {part or 'missing'}, not 2")
    if conformance.upper() not in ACCEPTED_CONFORMANCE:
        out.append(f"XMP pdfaid:conformance is {conformance or 'missing'}, not B")
    return out


# -- OutputIntent -------------------------------------------------------------------------------

def _output_intents(pdf: pikepdf.Pdf) -> list[str]:
    intents = pdf.Root.get("/OutputIntents")
    if not isinstance(intents, pikepdf.Array) or len(intents) == 0:
        return ["no OutputIntent"]
    profiles: list[bytes] = []
    for intent in intents:
        if not isinstance(intent, pikepdf.Dictionary) or intent.get("/S") != "/GTS_PDFA1":
            continue
        profile = intent.get("/DestOutputProfile")
        if not isinstance(profile, pikepdf.Stream):
            return ["the PDF/A OutputIntent has no embedded ICC profile"]
        try:
            icc = profile.read_bytes()
        except Exception:
            return ["the OutputIntent's ICC profile cannot be decoded"]
        if len(icc) < 128 or icc[36:40] != b"acsp":
            return ["the OutputIntent's ICC profile is not an ICC profile"]
        if int(profile.get("/N", 0)) not in (1, 3, 4):
            return ["the OutputIntent's ICC profile has no valid /N"]
        profiles.append(icc)
    if not profiles:
        return ["no OutputIntent with /S /GTS_PDFA1"]
    if len(set(profiles)) > 1:
        return ["the PDF/A OutputIntents carry different ICC profiles"]
    return []


# -- fonts --------------------------------------------------------------------------------------

def _inherited_resources(page: pikepdf.Dictionary) -> pikepdf.Object | None:
    node: pikepdf.Object | None = page
    for _ in range(64):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if "/Resources" in node:
            return node.get("/Resources")
        node = node.get("/Parent")
    return None


def _key(obj: pikepdf.Object) -> tuple[int, int] | int:
    return obj.objgen if obj.is_indirect else id(obj)


def _resource_dicts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every resource dictionary reachable from page content and annotation appearances."""
    seen: set[tuple[int, int] | int] = set()
    stack: list[pikepdf.Object] = []
    for page in pdf.pages:
        res = _inherited_resources(page.obj)
        if res is not None:
            stack.append(res)
        for annot in page.obj.get("/Annots", pikepdf.Array()) or []:
            if isinstance(annot, pikepdf.Dictionary):
                stack.extend(_appearance_streams(annot.get("/AP")))
    budget = MAX_NODES
    while stack and budget > 0:
        budget -= 1
        res = stack.pop()
        if not isinstance(res, pikepdf.Dictionary | pikepdf.Stream):
            continue
        if isinstance(res, pikepdf.Stream):  # a form XObject or appearance stream
            res = res.get("/Resources")
            if not isinstance(res, pikepdf.Dictionary):
                continue
        k = _key(res)
        if k in seen:
            continue
        seen.add(k)
        yield res
        for group in ("/XObject", "/Pattern"):
            entries = res.get(group)
            if isinstance(entries, pikepdf.Dictionary):
                for _, item in entries.items():
                    if isinstance(item, pikepdf.Stream) and "/Resources" in item:
                        stack.append(item)
        fonts = res.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for _, font in fonts.items():
                if isinstance(font, pikepdf.Dictionary) and "/Resources" in font:
                    stack.append(font.get("/Resources"))  # Type 3 glyph procedures


def _appearance_streams(ap: pikepdf.Object | None) -> list[pikepdf.Object]:
    out: list[pikepdf.Object] = []
    if not isinstance(ap, pikepdf.Dictionary):
        return out
    for key in ("/N", "/R", "/D"):
        entry = ap.get(key)
        if isinstance(entry, pikepdf.Stream):
            out.append(entry)
        elif isinstance(entry, pikepdf.Dictionary):
            out.extend(v for _, v in entry.items() if isinstance(v, pikepdf.Stream))
    return out


def _font_embedded(font: pikepdf.Dictionary) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True  # glyphs are PDF content streams
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or len(descendants) != 1:
            return False
        font = descendants[0]
        if not isinstance(font, pikepdf.Dictionary):
            return False
    descriptor = font.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return False
    return any(isinstance(descriptor.get(k), pikepdf.Stream)
               for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _fonts(pdf: pikepdf.Pdf) -> list[str]:
    missing: dict[str, None] = {}
    try:
        for res in _resource_dicts(pdf):
            fonts = res.get("/Font")
            if not isinstance(fonts, pikepdf.Dictionary):
                continue
            for name, font in fonts.items():
                if not isinstance(font, pikepdf.Dictionary) or not _font_embedded(font):
                    base = font.get("/BaseFont") if isinstance(font, pikepdf.Dictionary) else None
                    missing[str(base or name)[:64]] = None
    except Exception as exc:
        return [f"the fonts cannot be inspected ({type(exc).__name__})"]
    if missing:
        names = ", ".join(list(missing)[:5]) + ("…" if len(missing) > 5 else "")
        return [f"{len(missing)} font(s) not embedded: {names}"]
    return []


# -- JavaScript, actions, embedded files --------------------------------------------------------

def _walk(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every dictionary in the file (indirect objects and the direct ones nested in them)."""
    budget = MAX_NODES
    for obj in pdf.objects:
        stack = [obj]
        while stack:
            budget -= 1
            if budget <= 0:
                raise RecursionError("too many objects")
            item = stack.pop()
            if isinstance(item, pikepdf.Stream):
                item = item.stream_dict
            if isinstance(item, pikepdf.Dictionary):
                yield item
                stack.extend(v for _, v in item.items()
                             if isinstance(v, pikepdf.Dictionary | pikepdf.Array)
                             and not v.is_indirect)
            elif isinstance(item, pikepdf.Array):
                stack.extend(v for v in item
                             if isinstance(v, pikepdf.Dictionary | pikepdf.Array)
                             and not v.is_indirect)


def _active_content(pdf: pikepdf.Pdf) -> list[str]:
    found: dict[str, None] = {}
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            found["JavaScript (document-level scripts)"] = None
        if "/EmbeddedFiles" in names:
            found["embedded files"] = None
    acroform = pdf.Root.get("/AcroForm")
    if isinstance(acroform, pikepdf.Dictionary) and "/XFA" in acroform:
        found["an XFA form"] = None
    if pdf.Root.get("/NeedsRendering"):
        found["NeedsRendering (dynamic XFA)"] = None
    try:
        for d in _walk(pdf):
            action = d.get("/S")
            if isinstance(action, pikepdf.Name) and str(action) in FORBIDDEN_ACTIONS:
                found[f"a {str(action)[1:]} action"] = None
            if "/JS" in d:
                found["JavaScript"] = None
            if "/AA" in d:
                found["additional actions (/AA)"] = None
            if d.get("/Type") == "/EmbeddedFile" or "/EF" in d:
                found["embedded files"] = None
            if d.get("/Subtype") == "/FileAttachment":
                found["a file attachment annotation"] = None
    except RecursionError:
        found["too many objects to inspect"] = None
    except Exception as exc:
        found[f"objects that cannot be read ({type(exc).__name__})"] = None
    return [f"the PDF contains {what}" for what in found]


# -- signatures ---------------------------------------------------------------------------------

def _signature_dicts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    acroform = pdf.Root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        return []
    out: list[pikepdf.Dictionary] = []
    stack = list(acroform.get("/Fields", pikepdf.Array()) or [])
    seen: set[tuple[int, int] | int] = set()
    while stack and len(seen) < 100_000:
        field = stack.pop()
        if not isinstance(field, pikepdf.Dictionary) or _key(field) in seen:
            continue
        seen.add(_key(field))
        stack.extend(field.get("/Kids", pikepdf.Array()) or [])
        value = field.get("/V")
        if field.get("/FT") == "/Sig" and isinstance(value, pikepdf.Dictionary):
            out.append(value)
    return out


def _signature_coverage(pdf: pikepdf.Pdf, file_size: int) -> list[str]:
    try:
        ends = []
        for sig in _signature_dicts(pdf):
            br = [int(x) for x in sig.get("/ByteRange", pikepdf.Array())]
            if len(br) != 4 or br[0] != 0 or br[1] > br[2]:
                return ["a signature has a malformed /ByteRange"]
            ends.append(br[2] + br[3])
    except (TypeError, ValueError):
        return ["a signature has a malformed /ByteRange"]
    if not ends:
        return ["the PDF is not signed"]
    if max(ends) != file_size:
        return [f"{file_size - max(ends)} byte(s) after the end of the last signed revision"
                if max(ends) < file_size else "a signature claims bytes beyond the end of file"]
    return []


# -- qpdf ---------------------------------------------------------------------------------------

def _qpdf_check(path: Path) -> list[str]:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        return ["qpdf is not installed, `qpdf --check` could not run"]
    try:
        result = run_tool([qpdf, "--check", str(path)], timeout=QPDF_TIMEOUT_S, check=False)
    except ExternalToolError as exc:
        return [f"qpdf --check failed to run ({exc})"]
    if result.returncode == 0:
        return []
    # qpdf's messages name objects and offsets, never page text.
    lines = [ln.strip() for ln in (result.stderr + result.stdout).splitlines()
             if "WARNING" in ln or "ERROR" in ln.upper()]
    first = lines[0].replace(str(path), "file")[:200] if lines else ""
    kind = "warnings" if result.returncode == 3 else "errors"
    return [f"qpdf --check reports {kind}" + (f": {first}" if first else "")]
