"""The OCR stage with real tesseract on generated scans: turned, skewed, noisy, streaky, blank.

Each test OCRs one small document (a few seconds); the pages come from tools/docgen.py.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

import ocr
from ingest.sniff import sniff
from ocr.models import installed_dir
from sohoa.errors import InputRejected
from sohoa.records import OcrResult, PageText
from sohoa.settings import OcrSettings
from sohoa.vntext import nfc
from tools.docgen import Degradation, DocSpec, Para, render, save_pdf

BODY = (
    Para("Ủy ban nhân dân phường đẩy mạnh cải cách hành chính, chuyển đổi số và nâng cao hiệu "
         "lực, hiệu quả quản lý nhà nước trên địa bàn phường."),
    Para("Các cơ quan, đơn vị tổ chức thực hiện nghiêm túc, báo cáo kết quả về Văn phòng "
         "trước ngày 15/12/2025."),
)
SPEC = DocSpec(
    family="state", doc_type="thong_bao", type_label="THÔNG BÁO", number_symbol="57/TB-UBND",
    parent="", issuer="ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI", place="Phúc Lợi",
    date=date(2025, 12, 9), abstract="về cải cách hành chính và chuyển đổi số", body=BODY,
    recipients=("- Lưu: VT.",), signer_authority="TM. ỦY BAN NHÂN DÂN",
    signer_title="CHỦ TỊCH", signer_name="Đào Văn Thịnh", dpi=200, seed=3, color_mode="gray",
    seal=False, signature=False,
    degradation=Degradation(skew_deg=2.4, blur_sigma=0.7, noise_sigma=9.0, illumination=0.2,
                            paper_tone=0.6, speckle=1.5e-3),
)


def _recognise(pdf: Path, tmp: Path, **settings: object) -> OcrResult:
    work = tmp / "work"
    work.mkdir()
    req = ocr.OcrRequest(workdir=work, settings=replace(OcrSettings(), **settings),
                         tessdata_dir=installed_dir(), max_image_mpixels=250.0, jobs=2)
    prepared = ocr.prepare(pdf, sniff(pdf), req)
    with pikepdf.open(prepared) as doc:
        count = len(doc.pages)
    return ocr.recognise(prepared, count, (), req)


def _layer(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_turned_skewed_noisy_page_reads_with_diacritics_and_blank_page_is_recorded(
        tmp_path: Path) -> None:
    page = render(SPEC).pages[0]
    turned = page.rotate(90, expand=True)  # content turned a quarter counter-clockwise
    blank = Image.fromarray(np.clip(np.random.default_rng(2).normal(238, 5, (
        page.height, page.width)), 0, 255).astype(np.uint8))
    pdf = tmp_path / "scan.pdf"
    save_pdf([turned, blank], pdf, dpi=200, jpeg_quality=60)

    result = _recognise(pdf, tmp_path)
    first, second = result.pages
    assert first.rotated_cw == 90
    assert abs(first.skew_deg + 2.4) <= 0.15
    text = nfc(first.text)
    for phrase in ("cải cách hành chính", "chuyển đổi số", "hiệu lực, hiệu quả",
                   "57/TB-UBND", "15/12/2025", "Đào Văn Thịnh"):
        assert phrase in text
    assert first.confidence is not None and first.confidence > 70
    assert second.blank and second.text == "" and not result.low_confidence_pages(60.0)
    # The archival copy shows the page upright: its text layer reads in lines, as indexed.
    layer = " ".join(nfc(_layer(result.archival_pdf, 1)).split())
    assert "đẩy mạnh cải cách hành chính, chuyển đổi số" in layer
    with pikepdf.open(result.archival_pdf) as doc:
        assert len(doc.pages) == 2  # the blank separator is never dropped
        box = doc.pages[0].mediabox
        assert float(box[3]) > float(box[2])  # portrait again


def test_streaky_page_is_cleaned_not_timed_out(tmp_path: Path) -> None:
    page = np.asarray(render(replace(SPEC, degradation=Degradation(noise_sigma=12.0))).pages[0])
    page = page.copy()
    rng = np.random.default_rng(5)
    for x in rng.integers(0, page.shape[1], 40):  # scanner streaks: dark vertical lines
        page[:, x:x + 2] = rng.integers(20, 90)
    pdf = tmp_path / "streaks.pdf"
    save_pdf([Image.fromarray(page)], pdf, dpi=200)
    result = _recognise(pdf, tmp_path, page_timeout_s=60.0)
    assert "cải cách hành chính" in nfc(result.pages[0].text)


def test_a_page_that_times_out_is_an_error_not_an_empty_page(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    save_pdf([render(replace(SPEC, degradation=Degradation())).pages[0]], pdf, dpi=200)
    with pytest.raises(InputRejected) as caught:
        _recognise(pdf, tmp_path, page_timeout_s=0.05)
    assert caught.value.code == "ocr_timeout"


def test_low_confidence_pages_are_the_ones_flagged_for_review() -> None:
    pages = (PageText(1, "a", 91.0, True), PageText(2, "b", 42.5, True),
             PageText(3, "", 10.0, True, blank=True), PageText(4, "c", None, False))
    result = OcrResult(Path("x.pdf"), pages, (), 1.0, "test")
    assert result.low_confidence_pages(60.0) == (2,)


def test_section_three_is_not_read_as_section_two(tmp_path: Path) -> None:
    """Tesseract's `vie` reads a bold `III.` as `II.`; the section sequence restores it, in
    the text we index and in the archival PDF's text layer alike."""
    body = tuple(p for n, title in enumerate(("MỤC ĐÍCH, YÊU CẦU", "NHIỆM VỤ, GIẢI PHÁP",
                                              "TỔ CHỨC THỰC HIỆN", "KIẾN NGHỊ"))
                 for p in (Para(f"{('I', 'II', 'III', 'IV')[n]}. {title}", kind="heading"),
                           Para("Các chi bộ trực thuộc tổ chức quán triệt, thực hiện "
                                "nghiêm túc.")))
    spec = replace(SPEC, body=body, dpi=300, degradation=Degradation(noise_sigma=2.0))
    pdf = tmp_path / "headings.pdf"
    save_pdf(list(render(spec).pages), pdf, 300)
    result = _recognise(pdf, tmp_path)
    for text in (result.pages[0].text, _layer(result.archival_pdf, 1)):
        heads = [ln.split()[0] for ln in text.splitlines()
                 if ln.strip().startswith(("I", "V")) and "." in ln.split()[0]]
        assert heads == ["I.", "II.", "III.", "IV."], text


def test_section_three_alone_on_its_page_is_known_by_its_width(tmp_path: Path) -> None:
    body = (Para("III. TỔ CHỨC THỰC HIỆN", kind="heading"),
            Para("Các chi bộ trực thuộc tổ chức quán triệt, thực hiện nghiêm túc."))
    spec = replace(SPEC, body=body, dpi=150,
                   degradation=Degradation(noise_sigma=6.0, blur_sigma=0.7))
    pdf = tmp_path / "section3.pdf"
    save_pdf(list(render(spec).pages), pdf, 150)
    result = _recognise(pdf, tmp_path)
    for text in (result.pages[0].text, _layer(result.archival_pdf, 1)):
        assert [ln.split()[0] for ln in text.splitlines() if "TỔ CHỨC THỰC" in ln] == ["III."], text
