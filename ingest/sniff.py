"""What a file really is, from its bytes (never from its name)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from sohoa.errors import InputRejected
from sohoa.records import InputKind

_HEAD = 4096


def sniff(path: Path) -> InputKind:
    """The input kind, or InputRejected with a specific reason."""
    size = path.stat().st_size
    if size == 0:
        raise InputRejected("empty", "empty file (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    # Some producers put junk before the header; PDF readers accept %PDF in the first 1 KB.
    if b"%PDF-" in head[:1024]:
        return InputKind.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return InputKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return InputKind.PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return InputKind.TIFF
    raise InputRejected("unsupported", f"unsupported format ({_describe(path, head)})")


def _describe(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return "damaged ZIP archive"
        if any(n.startswith("word/") for n in names):
            return "Word document"
        if any(n.startswith("xl/") for n in names):
            return "Excel workbook"
        if "mimetype" in names:
            return "OpenDocument file"
        return "ZIP archive"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "old Microsoft Office document"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF image"
    if head.startswith(b"BM"):
        return "BMP image"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP image"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "HEIC image"
    if _looks_like_text(head):
        return "plain text"
    return "unknown binary data"


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the buffer's end is still text.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(1 for c in text if c.isprintable() or c in "\r\n\t")
    return printable >= 0.95 * max(1, len(text))


def expected_extension_mismatch(name: str, kind: InputKind) -> bool:
    ext = Path(name).suffix.lower().lstrip(".")
    aliases = {
        InputKind.PDF: {"pdf"},
        InputKind.JPEG: {"jpg", "jpeg", "jpe"},
        InputKind.PNG: {"png"},
        InputKind.TIFF: {"tif", "tiff"},
    }
    return bool(ext) and ext not in aliases[kind]
