"""Ingest: sniffing, validation of hostile files, the watcher's notion of a finished file."""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from ingest.sniff import sniff
from ingest.validate import Limits, validate
from ingest.watcher import InboxWatcher, content_complete, is_unfinished_name
from sohoa.errors import InputRejected
from sohoa.records import InputKind
from tests.scans import DEFAULT_LINES, write_scan

LIMITS = Limits(max_file_mb=50, max_pages=100, max_image_mpixels=50)


def _reject_code(path: Path, limits: Limits = LIMITS) -> str:
    with pytest.raises(InputRejected) as info:
        validate(path, limits)
    assert info.value.reason  # a specific, human-readable reason
    return info.value.code


def test_sniff_uses_bytes_not_names(tmp_path: Path) -> None:
    jpeg_named_pdf = write_scan(tmp_path / "scan.pdf.tmpjpg", DEFAULT_LINES, fmt="jpeg")
    renamed = jpeg_named_pdf.rename(tmp_path / "SCAN_0101.pdf")
    assert sniff(renamed) is InputKind.JPEG
    junk_before_header = tmp_path / "junk.pdf"
    pdf = write_scan(tmp_path / "real.pdf", DEFAULT_LINES)
    junk_before_header.write_bytes(b"\x00\x01\x02\x03" + pdf.read_bytes())
    assert sniff(junk_before_header) is InputKind.PDF
    tiff = write_scan(tmp_path / "a.tif", DEFAULT_LINES, fmt="tiff")
    assert sniff(tiff) is InputKind.TIFF


@pytest.mark.parametrize(
    ("name", "content", "code", "words"),
    [
        ("empty.pdf", b"", "empty", "empty"),
        ("IMG_0450.jpg", "Ghi chú giao ban: họp lúc 8 giờ sáng thứ hai.\n".encode(),
         "unsupported", "plain text"),
        ("notes.txt", b"just text\n", "unsupported", "plain text"),
        ("blob.bin", bytes(range(256)) * 4, "unsupported", "unknown"),
    ],
)
def test_unsupported_inputs_are_rejected_with_a_reason(
    tmp_path: Path, name: str, content: bytes, code: str, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputRejected) as info:
        validate(path, LIMITS)
    assert info.value.code == code
    assert words in info.value.reason


def test_word_document_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "du_thao.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(InputRejected) as info:
        validate(path, LIMITS)
    assert info.value.code == "unsupported" and "Word" in info.value.reason


def test_truncated_pdf(tmp_path: Path) -> None:
    pdf = write_scan(tmp_path / "full.pdf", DEFAULT_LINES)
    data = pdf.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    assert _reject_code(cut) == "truncated"


def test_encrypted_pdf(tmp_path: Path) -> None:
    pdf = write_scan(tmp_path / "plain.pdf", DEFAULT_LINES)
    enc = tmp_path / "enc.pdf"
    with pikepdf.open(pdf) as doc:
        doc.save(enc, encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))
    assert _reject_code(enc) == "encrypted"


def test_pdf_with_javascript_is_quarantined(tmp_path: Path) -> None:
    pdf = write_scan(tmp_path / "plain.pdf", DEFAULT_LINES)
    js = tmp_path / "js.pdf"
    with pikepdf.open(pdf) as doc:
        action = doc.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                      JS=pikepdf.String("app.alert(1)")))
        doc.Root.OpenAction = action
        doc.save(js)
    assert _reject_code(js) == "javascript"


def test_pdf_with_embedded_file(tmp_path: Path) -> None:
    pdf = write_scan(tmp_path / "plain.pdf", DEFAULT_LINES)
    out = tmp_path / "attach.pdf"
    with pikepdf.open(pdf) as doc:
        doc.attachments["payload.exe"] = pikepdf.AttachedFileSpec(doc, b"MZ\x90\x00")
        doc.save(out)
    assert _reject_code(out) == "embedded_files"


def test_pdf_without_pages(tmp_path: Path) -> None:
    empty = tmp_path / "nopages.pdf"
    doc = pikepdf.new()
    doc.save(empty)
    assert _reject_code(empty) == "no_pages"


def test_pdf_declaring_a_huge_image_is_a_bomb(tmp_path: Path) -> None:
    pdf = write_scan(tmp_path / "plain.pdf", DEFAULT_LINES)
    bomb = tmp_path / "bomb.pdf"
    with pikepdf.open(pdf) as doc:
        for image in doc.pages[0].get_images().values():
            image.Width = 40000
            image.Height = 40000
        doc.save(bomb)
    assert _reject_code(bomb) == "image_too_large"


def test_png_over_the_pixel_limit_is_a_bomb_without_decoding(tmp_path: Path) -> None:
    path = tmp_path / "white.png"
    Image.new("1", (3000, 2000), 1).save(path)  # 6 Mpx against a 5 Mpx limit
    assert _reject_code(path, Limits(max_image_mpixels=5)) == "image_too_large"


def test_corrupt_and_truncated_images(tmp_path: Path) -> None:
    good = write_scan(tmp_path / "a.png", DEFAULT_LINES, fmt="png")
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:400])
    assert _reject_code(cut) in {"truncated", "corrupt"}


def test_valid_inputs_pass(tmp_path: Path) -> None:
    for fmt, kind in [("pdf", InputKind.PDF), ("png", InputKind.PNG), ("jpeg", InputKind.JPEG),
                      ("tiff", InputKind.TIFF)]:
        path = write_scan(tmp_path / f"ok.{fmt}", DEFAULT_LINES, fmt=fmt)
        result = validate(path, LIMITS)
        assert result.kind is kind
        assert result.pages == (2 if fmt == "tiff" else 1)


def test_repairable_pdf_is_accepted(tmp_path: Path) -> None:
    pdf = write_scan(tmp_path / "plain.pdf", DEFAULT_LINES)
    data = bytearray(pdf.read_bytes())
    marker = data.rfind(b"startxref")
    broken = tmp_path / "badxref.pdf"
    broken.write_bytes(bytes(data[:marker]) + b"startxref\n999999\n%%EOF\n")
    result = validate(broken, LIMITS)
    assert result.repaired


# -- the watcher ----------------------------------------------------------------------------


def test_unfinished_names() -> None:
    for name in ["._scan.pdf", "scan.pdf.part", "~$doc.pdf", "x.crdownload", "a.tmp"]:
        assert is_unfinished_name(name)
    for name in ["scan.pdf", "Kế hoạch số 41 (bản scan).pdf", "..%2F..%2Fetc%2Fpasswd.pdf"]:
        assert not is_unfinished_name(name)


def test_content_complete_checks_the_end_of_the_file(tmp_path: Path) -> None:
    pdf = write_scan(tmp_path / "a.pdf", DEFAULT_LINES)
    half = tmp_path / "half.pdf"
    half.write_bytes(pdf.read_bytes()[:-200])
    assert content_complete(pdf)
    assert not content_complete(half)
    jpeg = write_scan(tmp_path / "a.jpg", DEFAULT_LINES, fmt="jpeg")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(jpeg.read_bytes()[:-10])
    assert content_complete(jpeg) and not content_complete(cut)


def test_slow_scanner_is_not_consumed_early(tmp_path: Path) -> None:
    """A PDF written in chunks with pauses longer than the quiet period is taken only once
    complete, exactly once."""
    inbox = tmp_path / "inbox"
    (inbox / "tầng 2").mkdir(parents=True)
    source = write_scan(tmp_path / "src.pdf", DEFAULT_LINES).read_bytes()
    taken: list[tuple[Path, bytes]] = []
    watcher = InboxWatcher(inbox, lambda p: taken.append((p, p.read_bytes())),
                           quiet_seconds=0.3, rescan_seconds=60, tick_seconds=0.05)
    watcher.start()
    try:
        target = inbox / "tầng 2" / "Kế hoạch (bản scan).pdf"
        chunks = [source[i:i + len(source) // 4 + 1] for i in range(0, len(source),
                                                                     len(source) // 4 + 1)]
        for chunk in chunks:
            with open(target, "ab") as fh:
                fh.write(chunk)
            time.sleep(0.6)  # longer than the quiet period
            assert not taken or taken[0][1] == source
        deadline = time.monotonic() + 10
        while not taken and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert len(taken) == 1
    assert taken[0][0] == target and taken[0][1] == source


def test_files_moved_in_and_found_at_start_count(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    before = write_scan(inbox / "already-there.pdf", DEFAULT_LINES)
    outside = write_scan(tmp_path / "outside.pdf", DEFAULT_LINES)
    taken: list[Path] = []
    done = threading.Event()

    def take(path: Path) -> None:
        taken.append(path)
        path.unlink()  # as the real claim does (a rename out of the inbox)
        if len(taken) == 2:
            done.set()

    watcher = InboxWatcher(inbox, take, quiet_seconds=0.2, rescan_seconds=60,
                           tick_seconds=0.05)
    watcher.start()
    try:
        outside.rename(inbox / "moved-in.pdf")
        assert done.wait(10)
    finally:
        watcher.stop()
    assert sorted(p.name for p in taken) == ["already-there.pdf", "moved-in.pdf"]
    assert before.name == "already-there.pdf"


def test_watcher_survives_a_failing_claim(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_scan(inbox / "a.pdf", DEFAULT_LINES)
    calls: list[Path] = []

    def explode(path: Path) -> None:
        calls.append(path)
        raise OSError("locked by the scanner")

    watcher = InboxWatcher(inbox, explode, quiet_seconds=0.1, rescan_seconds=0.3,
                           tick_seconds=0.05)
    watcher.start()
    try:
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert len(calls) >= 2  # retried on the next rescan, the watcher still alive
