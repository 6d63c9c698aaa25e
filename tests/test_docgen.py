"""The synthetic document generator (tools/docgen.py): fast checks, no OCR."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from sohoa.records import Secrecy, Urgency
from tools.docgen import (
    LIGHT_SCAN,
    SECRECY_STAMP_MM,
    URGENCY_STAMP_MM,
    DocSpec,
    ExtraStamp,
    Para,
    ReceivedStamp,
    font_path,
    render,
    save_pdf,
    save_tiff,
    vn_date,
)

BODY = tuple(
    Para(f"Đoạn {i}: đẩy mạnh cải cách hành chính và chuyển đổi số trong các cơ quan Đảng, "
         "bảo đảm lưu trữ hồ sơ điện tử, ký số văn bản và an toàn thông tin theo quy định.")
    for i in range(1, 4)
)


def spec(**changes: object) -> DocSpec:
    base = DocSpec(
        family="party", doc_type="ke_hoach", type_label="KẾ HOẠCH", number_symbol="9-KH/ĐU",
        parent="ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", issuer="ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM", place="Thử Nghiệm",
        date=date(2025, 2, 3), abstract="thử nghiệm bộ sinh tài liệu", body=BODY,
        recipients=("- Lưu VPĐU.",), signer_authority="T/M BAN THƯỜNG VỤ", signer_title="BÍ THƯ",
        signer_name="Nguyễn Văn Thử", dpi=150, seed=7,
    )
    return replace(base, **changes)


def page_digest(img: Image.Image) -> str:
    return hashlib.sha256(img.mode.encode() + img.tobytes()).hexdigest()


def test_same_spec_gives_identical_pages_and_ground_truth() -> None:
    s = spec(degradation=LIGHT_SCAN, secrecy=Secrecy.MAT, color_mode="gray")
    a, b = render(s), render(s)
    assert [page_digest(p) for p in a.pages] == [page_digest(p) for p in b.pages]
    assert a.text_per_page == b.text_per_page
    assert a.marks == b.marks
    other = render(replace(s, seed=8))
    assert page_digest(other.pages[0]) != page_digest(a.pages[0])


def test_written_files_are_byte_identical(tmp_path: Path) -> None:
    r = render(spec(degradation=LIGHT_SCAN))
    for name in ("a", "b"):
        save_pdf(r.pages, tmp_path / f"{name}.pdf", 150)
        save_tiff(r.pages, tmp_path / f"{name}.tif", 150)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert (tmp_path / "a.tif").read_bytes() == (tmp_path / "b.tif").read_bytes()


@pytest.mark.parametrize("dpi", [150, 200, 300])
@pytest.mark.parametrize("level", [Secrecy.MAT, Secrecy.TOI_MAT, Secrecy.TUYET_MAT])
def test_secrecy_stamp_has_the_regulated_size(level: Secrecy, dpi: int) -> None:
    r = render(spec(secrecy=level, dpi=dpi, body=BODY[:1]))
    (mark,) = r.marks_of("secrecy")
    x0, y0, x1, y1 = mark.bbox
    want_w, want_h = SECRECY_STAMP_MM[level]
    px_per_mm = dpi / 25.4
    assert abs((x1 - x0) / px_per_mm - want_w) <= 0.3
    assert abs((y1 - y0) / px_per_mm - want_h) <= 0.3
    assert mark.text == level.label_vi and mark.page == 1
    assert r.stamp_bbox == mark.bbox


def _red_runs(row: np.ndarray) -> int:
    """Number of separate runs of red pixels in one RGB pixel row."""
    red = (row[:, 0].astype(int) - row[:, 1].astype(int) > 60) & (row[:, 0] > 120)
    return int(np.count_nonzero(red[1:] & ~red[:-1]) + int(red[0]))


def test_secrecy_stamp_is_red_with_a_double_border_and_urgency_single() -> None:
    r = render(spec(secrecy=Secrecy.TOI_MAT, urgency=Urgency.KHAN, dpi=300,
                    stamp_strength=1.0, body=BODY[:1]))
    page = np.asarray(r.pages[0])
    pxmm = 300 / 25.4
    for kind, borders in (("secrecy", 2), ("urgency", 1)):
        (mark,) = r.marks_of(kind)
        x0, y0, x1, y1 = mark.bbox
        ymid = (y0 + y1) // 2
        # from just outside the left edge to 2 mm inside it: only border lines, no text
        strip = page[ymid - 2:ymid + 3, x0 - 6:x0 + round(2.0 * pxmm)]
        runs = max(_red_runs(strip[i]) for i in range(strip.shape[0]))
        assert runs == borders, (kind, runs)
    assert r.marks_of("urgency")[0].bbox[1] > r.marks_of("secrecy")[0].bbox[3]
    w, h = URGENCY_STAMP_MM[Urgency.KHAN]
    ux0, uy0, ux1, uy1 = r.marks_of("urgency")[0].bbox
    assert abs((ux1 - ux0) / pxmm - w) <= 0.3 and abs((uy1 - uy0) / pxmm - h) <= 0.3


def test_multipage_tiff_and_pdf_have_one_frame_per_page(tmp_path: Path) -> None:
    r = render(spec(body=BODY * 8, color_mode="bilevel", degradation=LIGHT_SCAN))
    assert len(r.pages) >= 2
    assert all(p.mode == "1" for p in r.pages)
    save_tiff(r.pages, tmp_path / "doc.tif", 150)
    with Image.open(tmp_path / "doc.tif") as tif:
        assert tif.n_frames == len(r.pages)
        assert tuple(round(v) for v in tif.info["dpi"]) == (150, 150)
    save_pdf(r.pages, tmp_path / "doc.pdf", 150)
    with pikepdf.open(tmp_path / "doc.pdf") as pdf:
        assert len(pdf.pages) == len(r.pages)
        for pg in pdf.pages:
            assert "/Font" not in pg.Resources  # image only, no text layer
            assert float(pg.MediaBox[2]) == pytest.approx(210 / 25.4 * 72, abs=1.0)
    assert len(r.text_per_page) == len(r.pages)
    assert r.text_per_page[1].splitlines()[0] == "2"  # page number first, from page 2


def test_ground_truth_text_follows_the_layout_rules() -> None:
    r = render(spec())
    lines = r.text_per_page[0].splitlines()
    assert lines[:6] == ["ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM", "*",
                         "Số 9-KH/ĐU", "ĐẢNG CỘNG SẢN VIỆT NAM",
                         "Thử Nghiệm, ngày 03 tháng 02 năm 2025"]
    assert lines[6] == "KẾ HOẠCH"
    last = r.text_per_page[-1].splitlines()
    assert last[-3:] == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Nguyễn Văn Thử"]
    assert "Nơi nhận:" in last
    text = " ".join(r.text_per_page)
    assert unicodedata.is_normalized("NFC", text)
    state = render(spec(family="state", doc_type="cong_van", number_symbol="5/UBND-VP",
                        issuer="ỦY BAN NHÂN DÂN PHƯỜNG THỬ NGHIỆM", parent="",
                        issuer_lines=("ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ NGHIỆM"),
                        abstract="kiểm tra công văn", addressees=("Các phòng",)))
    slines = state.text_per_page[0].splitlines()
    assert slines[:4] == ["ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ NGHIỆM", "Số: 5/UBND-VP",
                          "V/v kiểm tra công văn"]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in slines
    assert "Kính gửi: Các phòng" in slines


def test_marks_colour_modes_and_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "thử nghiệm bộ sinh tài liệu")
    r = render(spec(abstract=decomposed, received=ReceivedStamp("CƠ QUAN", "12", "01/02/2025"),
                    color_mode="rgb"))
    assert unicodedata.normalize("NFC", decomposed) in r.text_per_page[0]
    kinds = {m.kind for m in r.marks}
    assert {"received", "seal", "signature"} <= kinds and "secrecy" not in kinds
    assert r.stamp_bbox is None
    assert r.pages[0].mode == "RGB"
    assert render(spec(color_mode="gray")).pages[0].mode == "L"


def test_dates_and_fonts() -> None:
    assert vn_date(date(2025, 8, 5)) == "ngày 05 tháng 8 năm 2025"
    assert vn_date(date(2026, 1, 15)) == "ngày 15 tháng 01 năm 2026"
    assert vn_date(date(2025, 12, 31)) == "ngày 31 tháng 12 năm 2025"
    # the chosen fonts really have Vietnamese letters (Liberation 1.x does not)
    for style in ("regular", "bold", "italic", "bolditalic", "sans_bold"):
        assert font_path(style).exists()


def test_render_rejects_bad_specs() -> None:
    with pytest.raises(ValueError):
        spec(family="army")
    with pytest.raises(ValueError):
        spec(color_mode="cmyk")


def test_right_hand_secrecy_stamp_and_extra_stamps() -> None:
    r = render(spec(secrecy=Secrecy.TUYET_MAT, secrecy_position="right", body=BODY[:1],
                    extra_stamps=(ExtraStamp("THU HỒI"),
                                  ExtraStamp("BẢN SAO", (25.0, 8.0), x_mm=150.0, y_mm=270.0))))
    (secret,) = r.marks_of("secrecy")
    assert secret.bbox[0] > r.pages[0].width / 2  # upper right, under the date line
    assert secret.bbox[1] < r.pages[0].height / 3
    extras = r.marks_of("extra")
    assert [m.text for m in extras] == ["THU HỒI", "BẢN SAO"]
    pxmm = 150 / 25.4
    assert extras[1].bbox[:2] == (round(150 * pxmm), round(270 * pxmm))
    assert abs((extras[1].bbox[2] - extras[1].bbox[0]) / pxmm - 25.0) <= 0.3
    # stamp text is a mark, never printed text
    assert "THU HỒI" not in " ".join(r.text_per_page)
