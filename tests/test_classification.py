"""Classification: stamps, hard negatives, the fail-safe decision, metadata from damaged text.

Pages are drawn here with PIL (a font with Vietnamese glyphs, red frames with one or two border
lines), small and at 150 dpi, and read by the real tesseract. Each stamp kind and each hard
negative of issue 5 has its own test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

import classification
from classification import secrecy, stamp
from classification.layout import text_is_vertical
from classification.metadata import (
    _name,
    extract_metadata,
    parse_header,
    restore_caps,
    split_issuers,
)
from classification.stamp import match_stamp_text
from ocr.models import installed_dir
from sohoa.records import Evidence, PageImage, PageText, Secrecy

DPI = 150
MM = DPI / 25.4
FONTS = [
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"),
]
RED = (200, 30, 45)
PINK = (232, 170, 180)  # a faint, worn stamp
TESSDATA = installed_dir()


def _font(size_px: int) -> ImageFont.FreeTypeFont:
    for path in FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size_px)
    raise AssertionError("no font with Vietnamese glyphs (fonts-liberation2 or fonts-dejavu-core)")


def _page() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    im = Image.new("RGB", (int(210 * MM), int(297 * MM)), (250, 250, 246))
    d = ImageDraw.Draw(im)
    f = _font(int(4.6 * MM))
    # Header in black, as printed: issuer left, motto and date right, a few body lines.
    d.text((22 * MM, 18 * MM), "ĐẢNG ỦY PHƯỜNG PHÚC LỢI", font=f, fill="black")
    d.text((40 * MM, 32 * MM), "Số 27-KH/ĐU", font=f, fill="black")
    d.text((118 * MM, 18 * MM), "ĐẢNG CỘNG SẢN VIỆT NAM", font=f, fill="black")
    for i in range(6):
        d.text((25 * MM, (150 + 9 * i) * MM), "Nội dung văn bản về công tác chuyển đổi số.",
               font=f, fill="black")
    return im, d


def _stamp(d: ImageDraw.ImageDraw, x_mm: float, y_mm: float, w_mm: float, text: str, *,
           double: bool, colour: tuple[int, int, int] = RED, h_mm: float = 8.0) -> None:
    x0, y0 = x_mm * MM, y_mm * MM
    x1, y1 = x0 + w_mm * MM, y0 + h_mm * MM
    line = max(2, round(0.5 * MM))
    d.rectangle((x0, y0, x1, y1), outline=colour, width=line)
    if double:
        gap = 1.0 * MM
        d.rectangle((x0 + gap, y0 + gap, x1 - gap, y1 - gap), outline=colour, width=line)
    f = _font(int(4.2 * MM))
    tw = d.textlength(text, font=f)
    d.text(((x0 + x1 - tw) / 2, y0 + (h_mm * MM - 4.2 * MM) / 2 - 0.6 * MM), text, font=f,
           fill=colour)


def _save(im: Image.Image, tmp_path: Path, mode: str = "rgb", name: str = "p1.png") -> PageImage:
    path = tmp_path / name
    if mode == "gray":
        im = im.convert("L").convert("RGB")
    elif mode == "bilevel":
        im = im.convert("L").point(lambda v: 255 if v > 160 else 0).convert("RGB")
    im.save(path)
    return PageImage(1, path, DPI, mode == "rgb")


def _image_evidence(page: PageImage) -> list[Evidence]:
    return list(classification.precheck([page], TESSDATA)[1])


def _readable_text() -> tuple[PageText, ...]:
    body = "Ban Thường vụ Đảng ủy phường xây dựng kế hoạch thực hiện nhiệm vụ năm 2026 " * 6
    return (PageText(1, "ĐẢNG ỦY PHƯỜNG PHÚC LỢI\nSố 27-KH/ĐU\nKẾ HOẠCH\n" + body, None, True),)


def _decide(evidence: list[Evidence], pages: tuple[PageText, ...] | None = None
            ) -> tuple[Secrecy, float, bool, Secrecy]:
    pages = pages if pages is not None else _readable_text()
    ev = evidence + secrecy.text_evidence(pages)
    return secrecy.decide(ev, secrecy.text_quality(pages), 0.85)


# -- stamp kinds --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "width", "level"), [
    ("MẬT", 20, Secrecy.MAT),
    ("TỐI MẬT", 30, Secrecy.TOI_MAT),
    ("TUYỆT MẬT", 40, Secrecy.TUYET_MAT),
])
def test_red_double_border_secrecy_stamps_give_their_level(tmp_path: Path, text: str,
                                                           width: int, level: Secrecy) -> None:
    im, d = _page()
    _stamp(d, 35, 42, width, text, double=True)
    evidence = _image_evidence(_save(im, tmp_path))
    read = [e for e in evidence if e.signal == "stamp_text"]
    assert [e.level for e in read] == [level]
    assert read[0].score >= 0.9 and read[0].bbox is not None and read[0].page == 1
    assert "double border" in read[0].detail and "header zone" in read[0].detail
    decided, confidence, review, _ = _decide(evidence)
    assert decided is level and not review and confidence >= 0.9


def test_stamp_over_black_text_is_read(tmp_path: Path) -> None:
    im, d = _page()
    d.text((30 * MM, 44 * MM), "BÁO CÁO TỔNG HỢP", font=_font(int(7 * MM)), fill="black")
    _stamp(d, 28, 41, 41, "MẬT", double=True, h_mm=13.5)  # a tall, sloppy stamp
    evidence = _image_evidence(_save(im, tmp_path))
    assert [(e.signal, e.level) for e in evidence] == [("stamp_text", Secrecy.MAT)]


def test_wide_frame_around_a_short_word_keeps_the_level_read(tmp_path: Path) -> None:
    im, d = _page()
    _stamp(d, 30, 42, 40, "MẬT", double=True, h_mm=12)
    evidence = _image_evidence(_save(im, tmp_path))
    assert [(e.signal, e.level) for e in evidence] == [("stamp_text", Secrecy.MAT)]


def test_unread_letters_in_a_wide_frame_raise_the_level() -> None:
    def candidate(text_width: float) -> stamp.StampCandidate:
        return stamp.StampCandidate(
            (0, 0, 300, 60), 40.0, 8.0, True, 2, True, 0, "mat", 90.0,
            stamp.StampMatch("secrecy", Secrecy.MAT, "mat", 1.0), text_width, 5.2)

    # "TUYỆT MẬT" printed (30 mm of letters), only "MẬT" read: TUYỆT MẬT until a person looks.
    ev = stamp.stamp_evidence([candidate(29.7)], page=1)
    assert [(e.signal, e.level) for e in ev] == [("stamp_text", Secrecy.MAT),
                                                 ("stamp_size", Secrecy.TUYET_MAT)]
    assert secrecy.decide(ev, 1.0, 0.85)[:3:2] == (Secrecy.TUYET_MAT, True)
    # "MẬT" alone in the same frame (11 mm of letters): MẬT.
    ev = stamp.stamp_evidence([candidate(11.3)], page=1)
    assert [e.signal for e in ev] == ["stamp_text"]


def test_tuyet_mat_is_held_before_ocr(tmp_path: Path) -> None:
    im, d = _page()
    _stamp(d, 35, 42, 40, "TUYỆT MẬT", double=True)
    level, _ = classification.precheck([_save(im, tmp_path)], TESSDATA)
    assert level is Secrecy.TUYET_MAT


def test_faint_pink_stamp_on_a_scan_flagged_grey_is_found(tmp_path: Path) -> None:
    im, d = _page()
    _stamp(d, 35, 42, 20, "MẬT", double=False, colour=PINK)
    page = _save(im, tmp_path)
    page = PageImage(1, page.path, DPI, False)  # the renderer missed the faint colour
    evidence = _image_evidence(page)
    assert any(e.signal == "stamp_text" and e.level is Secrecy.MAT for e in evidence)


@pytest.mark.parametrize("mode", ["gray", "bilevel"])
def test_greyscale_and_bilevel_stamps_are_found_by_shape_and_text(tmp_path: Path,
                                                                  mode: str) -> None:
    im, d = _page()
    _stamp(d, 35, 42, 30, "TỐI MẬT", double=True, colour=(150, 20, 30))
    evidence = _image_evidence(_save(im, tmp_path, mode))
    read = [e for e in evidence if e.level is Secrecy.TOI_MAT]
    assert read and "dark" in read[0].detail


@pytest.mark.parametrize(("text", "width", "code"), [
    ("KHẨN", 20, "khan"), ("THƯỢNG KHẨN", 40, "thuong_khan"), ("HỎA TỐC", 30, "hoa_toc"),
])
def test_urgency_stamps_alone_are_not_secret(tmp_path: Path, text: str, width: int,
                                             code: str) -> None:
    im, d = _page()
    _stamp(d, 35, 42, width, text, double=False)
    evidence = _image_evidence(_save(im, tmp_path))
    assert [e.signal for e in evidence] == ["urgency_stamp"]
    assert evidence[0].level is Secrecy.NONE and evidence[0].detail.endswith(code)
    decided, _, review, _ = _decide(evidence)
    assert decided is Secrecy.NONE and not review
    verdict = classification.classify([], _readable_text(), image_evidence_found=evidence,
                                      zone_ocr=False)
    assert verdict.metadata.urgency == code and verdict.secrecy is Secrecy.NONE


def test_secrecy_and_urgency_stamps_together(tmp_path: Path) -> None:
    im, d = _page()
    _stamp(d, 35, 42, 20, "MẬT", double=True)
    _stamp(d, 30, 54, 40, "THƯỢNG KHẨN", double=False)
    evidence = _image_evidence(_save(im, tmp_path))
    assert {e.signal for e in evidence} == {"stamp_text", "urgency_stamp"}
    assert _decide(evidence)[0] is Secrecy.MAT


def test_red_round_seal_is_not_a_stamp(tmp_path: Path) -> None:
    im, d = _page()
    cx, cy, r = 120 * MM, 200 * MM, 18 * MM
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=RED, width=int(1.2 * MM))
    d.ellipse((cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7), outline=RED, width=3)
    d.text((cx - 10 * MM, cy - 3 * MM), "★ MẬT ★", font=_font(int(4 * MM)), fill=RED)
    evidence = _image_evidence(_save(im, tmp_path))
    assert evidence == []
    assert _decide(evidence)[0] is Secrecy.NONE


def test_red_den_received_stamp_is_not_secret(tmp_path: Path) -> None:
    im, d = _page()
    x0, y0 = 120 * MM, 40 * MM
    d.rectangle((x0, y0, x0 + 50 * MM, y0 + 28 * MM), outline=RED, width=int(0.6 * MM))
    f = _font(int(3.8 * MM))
    d.text((x0 + 18 * MM, y0 + 2 * MM), "ĐẾN", font=f, fill=RED)
    d.text((x0 + 3 * MM, y0 + 10 * MM), "Số: ..........", font=f, fill=RED)
    d.text((x0 + 3 * MM, y0 + 18 * MM), "Ngày: ........", font=f, fill=RED)
    evidence = _image_evidence(_save(im, tmp_path))
    assert not [e for e in evidence if e.level.is_classified]


def test_red_heading_is_not_a_stamp(tmp_path: Path) -> None:
    im, d = _page()
    d.text((70 * MM, 60 * MM), "KẾ HOẠCH MẬT", font=_font(int(8 * MM)), fill=RED)
    d.text((60 * MM, 75 * MM), "BẢO VỆ BÍ MẬT", font=_font(int(6 * MM)), fill=RED)
    evidence = _image_evidence(_save(im, tmp_path))
    assert not [e for e in evidence if e.level.is_classified]


def test_sideways_scan_stamp_is_read_and_placed(tmp_path: Path) -> None:
    im, d = _page()
    _stamp(d, 35, 42, 20, "MẬT", double=True)
    page = _save(im.rotate(90, expand=True), tmp_path)
    evidence = _image_evidence(page)
    read = [e for e in evidence if e.signal == "stamp_text"]
    assert read and read[0].level is Secrecy.MAT and "header zone" in read[0].detail


def test_unreadable_stamp_shaped_red_box_is_classified_for_review(tmp_path: Path) -> None:
    im, d = _page()
    _stamp(d, 35, 42, 30, "", double=True)
    for i in range(8):  # a smudge where the text should be
        d.line(((40 + 2 * i) * MM, 44.5 * MM, (42 + 2 * i) * MM, 47.5 * MM), fill=RED, width=2)
    evidence = _image_evidence(_save(im, tmp_path))
    assert [e.signal for e in evidence] == ["stamp_shape"]
    decided, confidence, review, _ = _decide(evidence)
    assert decided.is_classified and review and confidence < 0.85


def test_draft_mark_in_a_frame_is_let_go_but_an_unknown_word_is_reviewed(tmp_path: Path
                                                                        ) -> None:
    im, d = _page()
    _stamp(d, 35, 42, 30, "DỰ THẢO", double=False)
    evidence = _image_evidence(_save(im, tmp_path, name="draft.png"))
    assert [e.signal for e in evidence] == ["other_stamp"]
    assert _decide(evidence)[0] is Secrecy.NONE
    im, d = _page()
    _stamp(d, 35, 42, 30, "NHẤT", double=True)  # a secrecy stamp misread, or who knows
    evidence = _image_evidence(_save(im, tmp_path, name="unknown.png"))
    assert [e.signal for e in evidence] == ["stamp_shape"]
    level, _, review, _ = _decide(evidence)
    assert level.is_classified and review


def test_plain_page_is_not_secret(tmp_path: Path) -> None:
    im, _ = _page()
    evidence = _image_evidence(_save(im, tmp_path))
    assert evidence == []
    assert _decide(evidence) == (Secrecy.NONE, 0.97, False, Secrecy.NONE)


# -- text signals and hard negatives ----------------------------------------------------------

def _text_pages(first: str, last: str = "") -> tuple[PageText, ...]:
    body = "\nThực hiện kế hoạch của Ban Thường vụ về công tác năm 2026 tại các chi bộ." * 6
    pages = [PageText(1, first + body, None, True)]
    if last:
        pages.append(PageText(2, body + "\n" + last, None, True))
    return tuple(pages)


@pytest.mark.parametrize("body", [
    "KẾ HOẠCH\nthực hiện công tác bảo vệ bí mật nhà nước năm 2026",
    "Các cơ quan không gửi tài liệu mật qua thư điện tử công vụ.",
    "Ủy ban Mặt trận Tổ quốc Việt Nam phường và các đoàn thể",
    "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM PHƯỜNG PHÚC LỢI",
    "I. BẢO VỆ BÍ MẬT NHÀ NƯỚC",
    "Không chia sẻ mật khẩu, thiết bị ký số cho người khác.",
    "Việc soạn thảo, sao, chụp tài liệu mật phải đúng quy định.",
])
def test_secrecy_words_in_the_text_never_classify(body: str) -> None:
    pages = _text_pages("ĐẢNG ỦY PHƯỜNG PHÚC LỢI\nSố 31-KH/ĐU\n" + body)
    assert secrecy.text_evidence(pages) == []
    assert _decide([], pages)[0] is Secrecy.NONE


@pytest.mark.parametrize(("line", "level"), [
    ("MẬT", Secrecy.MAT), ("TỐI MẬT", Secrecy.TOI_MAT), ("| TUYỆT MẬT |", Secrecy.TUYET_MAT),
    ("Số 04-CT/ĐU MẬT", Secrecy.MAT),
])
def test_level_line_in_the_header_classifies(line: str, level: Secrecy) -> None:
    pages = _text_pages(f"ĐẢNG ỦY PHƯỜNG PHÚC LỢI\n{line}\nCHỈ THỊ\nvề công tác tuyển quân")
    ev = secrecy.text_evidence(pages)
    assert [(e.signal, e.level) for e in ev] == [("header_line", level)]
    assert _decide([], pages)[0] is level


def test_copy_limits_in_the_recipients_block_classify_with_review() -> None:
    last = "Nơi nhận:\n- Như trên,\n- Lưu VPĐU.\nKhông được phép sao, chụp."
    pages = _text_pages("ĐẢNG ỦY PHƯỜNG PHÚC LỢI\nSố 31-KH/ĐU\nKẾ HOẠCH", last)
    level, confidence, review, _ = _decide([], pages)
    assert level is Secrecy.MAT and review
    last += "\nSố lượng: 05 bản."
    level, confidence, review, _ = _decide([], _text_pages("ĐẢNG ỦY\nKẾ HOẠCH", last))
    assert level is Secrecy.MAT and not review and confidence >= 0.85


def test_declassified_and_recall_marks_go_to_review() -> None:
    for mark in ("GIẢI MẬT", "THU HỒI"):
        pages = _text_pages(f"ĐẢNG ỦY PHƯỜNG PHÚC LỢI\n{mark}\nKẾ HOẠCH")
        level, _, review, _ = _decide([], pages)
        assert level.is_classified and review, mark
    body = _text_pages("ĐẢNG ỦY\nQUYẾT ĐỊNH\nkhi Nhà nước thu hồi đất")
    assert _decide([], body)[0] is Secrecy.NONE


def test_unreadable_first_page_fails_safe() -> None:
    for text in ("", "~~ ,. ' ;"):
        level, confidence, review, detected = _decide([], (PageText(1, text, None, True),))
        assert level is Secrecy.MAT and review and detected is Secrecy.NONE


def test_any_tuyet_mat_sign_wins_and_weak_signs_review() -> None:
    ev = [Evidence("stamp_text", Secrecy.MAT, 0.97), Evidence("stamp_size", Secrecy.TUYET_MAT,
                                                               0.45)]
    level, _, review, _ = secrecy.decide(ev, 1.0, 0.85)
    assert level is Secrecy.TUYET_MAT and review


@pytest.mark.parametrize(("reading", "kind", "level"), [
    ("MẬT", "secrecy", Secrecy.MAT), ("MAT", "secrecy", Secrecy.MAT),
    ("| MẬT |", "secrecy", Secrecy.MAT), ("TỐI MẬT", "secrecy", Secrecy.TOI_MAT),
    ("T0I MAT", "secrecy", Secrecy.TOI_MAT), ("TUYỆTMẬT", "secrecy", Secrecy.TUYET_MAT),
    ("TUYET MAI", "secrecy", Secrecy.TUYET_MAT), ("KHẨN", "urgency", None),
    ("THUONG KHAN", "urgency", None), ("HỎA TỐC", "urgency", None),
    ("GIẢI MẬT", "declassified", None), ("THU HỒI", "recall", None), ("ĐẾN", "", None),
    ("KẾ HOẠCH", "", None),
])
def test_stamp_reading_matches_with_small_edit_distance(reading: str, kind: str,
                                                       level: Secrecy | None) -> None:
    m = match_stamp_text(reading)
    assert (m.kind, m.level) == (kind, level)


def test_text_direction_of_a_sideways_page(tmp_path: Path) -> None:
    import cv2

    im, _ = _page()
    upright = _save(im, tmp_path, name="a.png")
    sideways = _save(im.rotate(90, expand=True), tmp_path, name="b.png")
    assert not text_is_vertical(cv2.imread(str(upright.path), cv2.IMREAD_GRAYSCALE))
    assert text_is_vertical(cv2.imread(str(sideways.path), cv2.IMREAD_GRAYSCALE))


def test_stamp_frame_test_rejects_text_blocks() -> None:
    import numpy as np

    ppm = 200 / 25.4
    frame = np.zeros((80, 200), np.uint8)
    frame[8:13, 8:192] = 255
    frame[67:72, 8:192] = 255
    frame[8:72, 8:13] = 255
    frame[8:72, 187:192] = 255
    frame[30:50, 60:140:6] = 255  # letters inside
    assert stamp.frame_test(frame, ppm).ok
    block = np.zeros((80, 200), np.uint8)
    block[10:70, 10:190:3] = 255  # dense text, no frame
    assert not stamp.frame_test(block, ppm).ok


# -- metadata -----------------------------------------------------------------------------------

PARTY_OCR = """PANG BỘ THÀNH PHO HÀ NỘI DANG CONG SAN VIET NAM
DANG ỦY PHƯỜNG PHÚC LỢI

*

S6 27-KH/DU Phúc Loi, ngày 15 tháng 8 năm 2O25

KẾ HOẠCH
triển khai thực hiện đẩy mạnh cải cách hành chính trong các cơ
quan Đảng phường Phúc Lợi, giai đoạn 2025 - 2030

Thực hiện Kế hoạch số 351-KH/TU của Thành ủy Hà Nội về đẩy mạnh cải cách hành chính
trong các cơ quan Đảng phường Phúc Lợi.
"""

PARTY_LAST = """tổ chức thực hiện nghiêm túc Kế hoạch này./.
Nơi nhận: T/M BAN THƯỜNG VỤ
- Văn phòng Thành ủy (để báo cáo), is, fLHU THƯỜNG TRUC
- Ban Thường vụ Đảng ủy,
- Lưu VPĐU.

~ Đỗ Xuân Khải
"""


def test_party_header_from_interleaved_damaged_ocr() -> None:
    m = extract_metadata((PageText(1, PARTY_OCR, None, True),
                          PageText(2, PARTY_LAST, None, True)))
    assert m.family == "party"
    assert m.number_symbol == "27-KH/ĐU"
    assert m.date == "2025-08-15"
    assert m.place == "Phúc Lợi"
    assert m.issuing_body == "ĐẢNG ỦY PHƯỜNG PHÚC LỢI"
    assert m.parent_body == "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"
    assert m.doc_type == "ke_hoach" and m.doc_type_label == "KẾ HOẠCH"
    assert m.abstract == ("triển khai thực hiện đẩy mạnh cải cách hành chính trong các cơ "
                          "quan Đảng phường Phúc Lợi, giai đoạn 2025 - 2030")
    assert m.signer == "Đỗ Xuân Khải"
    assert m.signer_authority == "T/M BAN THƯỜNG VỤ"
    assert m.recipients[:2] == ("- Văn phòng Thành ủy (để báo cáo),", "- Ban Thường vụ Đảng ủy,")
    assert m.page_count == 2


STATE_TEXT = """ỦY BAN NHÂN DÂN
PHƯỜNG PHÚC LỢI
§ố: 1432/UBND-VHXH
V/v rà soát, cập nhật đối tượng bảo trợ
xã hội, hộ nghèo, hộ cận nghèo
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Phúc Lợi, ngày O3 tháng 9 năm 2025
Kính gửi:
- Tổ trưởng các tổ dân phố
- Phòng Văn hóa - Xã hội phường
Để kịp thời chi trả trợ cấp xã hội quý IV năm 2025, Ủy ban nhân dân phường đề nghị:
Nơi nhận:
- Như trên;
- Lưu: VT, VHXH.
KT. CHỦ TỊCH
PHO CHU TICH
Thượng tá Phạm Thị Thu Hà
"""


def test_state_official_letter() -> None:
    m = extract_metadata((PageText(1, STATE_TEXT, None, False),))
    assert m.family == "state"
    assert m.doc_type == "cong_van"
    assert m.number_symbol == "1432/UBND-VHXH"
    assert m.date == "2025-09-03"
    assert m.issuing_body == "ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI" and m.parent_body == ""
    assert m.abstract == ("V/v rà soát, cập nhật đối tượng bảo trợ xã hội, hộ nghèo, "
                          "hộ cận nghèo")
    assert m.addressees == ("Tổ trưởng các tổ dân phố", "Phòng Văn hóa - Xã hội phường")
    assert m.signer_authority == "KT. CHỦ TỊCH"
    assert m.signer_title == "PHÓ CHỦ TỊCH"
    assert m.signer == "Phạm Thị Thu Hà"
    assert m.recipients == ("- Như trên;", "- Lưu: VT, VHXH.")


@pytest.mark.parametrize(("line", "symbol"), [
    ("Số 27-KH/ĐU", "27-KH/ĐU"), ("S6 27-KH/DU", "27-KH/ĐU"), ("Số05-NQ/ĐU", "05-NQ/ĐU"),
    ("Số.04-CT/ĐU", "04-CT/ĐU"), ("Số: 12/QĐ-UBND", "12/QĐ-UBND"),
    ("So: 15/2025/QD-UBND", "15/2025/QĐ-UBND"), ("§ố: O3-QĐi/ĐU", "03-QĐi/ĐU"),
    ("Số: 87/TTr-UBND", "87/TTr-UBND"), ("Số 09-HD/BXDĐ", "09-HD/BXDĐ"),
    ("Số 08-KL/UBKT.", "08-KL/UBKT"), ("Số: 145/BC-CAP", "145/BC-CAP"),
    ("Số 07-TB/VPÐU", "07-TB/VPĐU"),
])
def test_number_symbol_with_ocr_damage(line: str, symbol: str) -> None:
    assert parse_header(["ĐẢNG ỦY PHƯỜNG PHÚC LỢI", line], stop_blank=True).number_symbol == symbol


def test_issuer_lines_are_repaired_and_split() -> None:
    assert restore_caps("DANG ỦY PHƯỜNG PHÚC LỢI") == "ĐẢNG ỦY PHƯỜNG PHÚC LỢI"
    assert restore_caps("ĐẢNG BỘ ) THÀNH PHÔ HÀ NỘI") == "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"
    assert restore_caps("UY BAN KIEM TRA") == "ỦY BAN KIỂM TRA"
    assert restore_caps("BAN XÂY DỰNG ĐẢNG") == "BAN XÂY DỰNG ĐẢNG"
    assert split_issuers(["ỦY BAN NHÂN DÂN", "PHƯỜNG PHÚC LỢI"]) == (
        "ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI", "")
    assert split_issuers(["ĐẢNG ỦY PHƯỜNG PHÚC LỢI", "ỦY BAN KIỂM TRA"]) == (
        "ỦY BAN KIỂM TRA", "ĐẢNG ỦY PHƯỜNG PHÚC LỢI")


@pytest.mark.parametrize(("line", "name"), [
    ("Đỗ Xuân Khải", "Đỗ Xuân Khải"), ("~ Trần Minh Quang", "Trần Minh Quang"),
    ('"trần Minh Quang', "Trần Minh Quang"), ("Dinh Thị Mai Anh", "Đinh Thị Mai Anh"),
    ("1hiyng tá Cao Văn Dũng", "Cao Văn Dũng"), ("Thượng tá Cao Văn Dũng", "Cao Văn Dũng"),
    ("e Hoàng Sơn", "Lê Hoàng Sơn"), ("T/M BAN THƯỜNG VỤ", ""), ("- Lưu VPĐU.", ""),
])
def test_signer_names(line: str, name: str) -> None:
    assert _name(line) == name
