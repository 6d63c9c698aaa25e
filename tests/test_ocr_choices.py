"""Tesseract's character choices (`lstm_choice_mode 2`) as evidence for the correction:
read out of the hOCR, lined up with each word, kept out of the hOCR ocrmypdf draws from."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

from ocr.correct import choice_cost, choice_readings, correct_words
from ocr.plugin import hocr_words, split_choices
from tests.scans import page_image

CHOICES_CFG = Path(__file__).resolve().parents[1] / "ocr" / "data" / "choices.cfg"


def _word(n: int, text: str, groups: list[list[tuple[str, float]]]) -> str:
    """One word as tesseract 5 writes it with lstm_choice_mode 2."""
    out = [f"<span class='ocrx_word' id='word_1_{n}' title='bbox 0 0 10 10; x_wconf 90'>{text}"]
    for g, alts in enumerate(groups, start=1):
        out.append(f"\n <span class='ocrx_cinfo' id='lstm_choices_1_{n}_{g}'>")
        out += [f"\n  <span class='ocrx_cinfo' id='choice_1_{n}_{g}_{k}' title='x_confs {p}'>"
                f"{c}</span>" for k, (c, p) in enumerate(alts)]
        out.append("</span>")
    out.append("\n </span>")
    return "".join(out)


def test_choices_leave_the_hocr_and_line_up_with_each_word() -> None:
    hocr = "<span class='ocr_line' title='bbox 0 0 99 10'>" + " ".join([
        # a group for the space before the word, then one per letter
        _word(1, "hãng", [[(" ", 95.0)], [("h", 94.0)], [("ã", 90.0), ("ằ", 45.5)],
                          [("n", 95.0)], [("g", 93.0)]]),
        _word(2, "tháng", [[("t", 95.0)], [("h", 95.0)], [("á", 95.0)], [("n", 95.0)],
                           [("g", 95.0)]]),
        # groups that do not spell the word: no choices for it rather than wrong ones
        _word(3, "a&lt;b", [[("x", 90.0)]]),
        "<span class='ocrx_word' id='word_1_4' title='bbox 0 0 10 10; x_wconf 80'>2025</span>",
    ]) + "</span>"
    clean, choices = split_choices(hocr)
    assert "ocrx_cinfo" not in clean
    assert hocr_words(clean) == [("hãng", 90), ("tháng", 90), ("a<b", 90), ("2025", 80)]
    assert len(choices) == 4
    assert choices[0] is not None and [g[0][0] for g in choices[0]] == list("hãng")
    assert choices[0][1] == [("ã", 90.0), ("ằ", 45.5)]
    assert choices[1] is not None and len(choices[1]) == 5
    assert choices[2] is None and choices[3] is None


def test_choices_the_pattern_cannot_line_up_still_leave_the_hocr() -> None:
    groups = [[("B", 90.0)], [("a", 90.0)]]
    bold = _word(1, "Ba", groups).replace(">Ba", "><strong>Ba</strong>", 1)
    apart = _word(2, "a\u0301", [[("a", 90.0)], [("\u0301", 80.0)]])  # letter and mark apart
    clean, choices = split_choices(bold + " " + apart)
    assert "ocrx_cinfo" not in clean and "choice" not in clean
    assert choices == [None, None]


def test_hocr_without_choices_is_returned_unchanged() -> None:
    hocr = ("<span class='ocrx_word' id='word_1_1' title='bbox 0 0 10 10; x_wconf 90'>"
            "hằng</span>")
    assert split_choices(hocr) == (hocr, [])


def test_choice_cost_is_the_confidence_ratio_of_what_tesseract_considered() -> None:
    groups = [[("h", 94.0)], [("ã", 90.0), ("ằ", 45.0)], [("n", 95.0)], [("g", 93.0)]]
    cost = choice_cost("hãng", "hằng", groups)
    assert cost is not None and math.isclose(cost, math.log(90 / 45))
    assert choice_cost("hãng", "hàng", groups) is None  # never considered
    assert choice_cost("hãng", "hãn", groups) is None  # another length: no evidence
    assert "hằng" in choice_readings("hãng", groups)


def test_context_picks_the_reading_tesseract_hesitated_over() -> None:
    words = [(w, 95) for w in "họp định kỳ hãng tháng".split()]
    considered = [[("h", 95.0)], [("ã", 90.0), ("ằ", 45.0)], [("n", 95.0)], [("g", 95.0)]]
    barely = [[("h", 95.0)], [("ã", 90.0), ("ằ", 5.0)], [("n", 95.0)], [("g", 95.0)]]
    assert correct_words(words)[3] == "hãng"  # a valid syllable: the model alone leaves it
    assert correct_words(words, [None, None, None, considered, None])[3] == "hằng"
    assert correct_words(words, [None, None, None, barely, None])[3] == "hãng"  # noise


def test_real_tesseract_gives_choices_that_line_up(tmp_path: Path) -> None:
    image = tmp_path / "line.png"
    page_image(["Báo cáo kết quả cải cách hành chính năm 2025"], dpi=300,
               size_mm=(180, 20)).save(image, dpi=(300, 300))
    subprocess.run(["tesseract", str(image), str(tmp_path / "out"), "-l", "vie", "hocr",
                    str(CHOICES_CFG)], check=True, capture_output=True, timeout=120)
    hocr = (tmp_path / "out.hocr").read_text(encoding="utf-8")
    assert "lstm_choices" in hocr
    clean, choices = split_choices(hocr)
    words = hocr_words(clean)
    assert "ocrx_cinfo" not in clean and len(choices) == len(words) >= 8
    lined_up = [c for c in choices if c is not None]
    assert len(lined_up) >= len(words) - 1
    for (text, _), groups in zip(words, choices, strict=True):
        if groups is not None:
            assert "".join(g[0][0] for g in groups) == text


def test_unsure_non_words_are_noise_but_unsure_syllables_numbers_and_symbols_are_not() -> None:
    from ocr.correct import is_noise

    assert is_noise("Teeet", 20) and is_noise("(rð.", 35)
    assert not is_noise("Teeet", 85)  # tesseract was sure: a name, a foreign word
    assert not is_noise("UBND", 20) and not is_noise("BXDĐ.", 20)  # capitals: abbreviations
    assert not is_noise("hằng", 10)  # a syllable: maybe a real word, read badly
    assert not is_noise("x05PR", 10) and not is_noise("09-HD/BXDĐ", 5)  # digits
    assert not is_noise("b/c),", 10) and not is_noise("K/F", 10)  # symbols
    assert not is_noise("T.", 10) and not is_noise("a)", 10)  # an initial, a list's letter


def test_a_letter_standing_alone_is_noise_unless_tesseract_was_sure() -> None:
    from ocr.correct import is_noise

    assert is_noise("n", 0) and is_noise("k", 43)  # a consonant alone is no word
    assert not is_noise("k", 75)
    assert is_noise("z", 82) and is_noise("ƒ", 90)  # letters Vietnamese never writes
    assert not is_noise("Z", 99)
    assert not is_noise("ở", 50) and not is_noise("y", 81)  # vowels are words (ở, y tế)
    assert is_noise("ý", 30)
    assert not is_noise("—", 5) and not is_noise("-", 5)  # the punctuation of text
    assert not is_noise("*", 20) and not is_noise("-----", 50) and not is_noise("(*)", 9)
    assert is_noise("¬", 90) and is_noise("„", 70) and is_noise("|", 54)  # specks, streaks
    assert is_noise("_—_———>~", 25) and is_noise("\\", 96)
    assert is_noise("Z⁄...„x", 5) and is_noise("F”_-=r", 0)  # letters tangled with signs
    assert not is_noise("Z⁄...„x", 60) and not is_noise("$2", 7)
    assert is_noise("/Z", 0) and is_noise("/(v", 6) and is_noise("ƯNNG...e.e.vÌ", 0)  # garbled
    assert not is_noise("T/M", 5) and not is_noise("(V/v", 12)


def test_line_starts_mark_the_first_word_of_each_line() -> None:
    from ocr.plugin import hocr_line_starts

    def word(text: str) -> str:
        return f"<span class='ocrx_word' id='w' title='bbox 1 1 2 2; x_wconf 90'>{text}</span>"

    hocr = ("<span class='ocr_line' id='l1' title='bbox 0 0 9 9'>" + word("III.") + word("TỔ")
            + "</span><span class='ocr_header' id='l2' title='bbox 0 10 9 19'>" + word("IV.")
            + "</span>")
    assert [w for w, _ in hocr_words(hocr)] == ["III.", "TỔ", "IV."]
    assert hocr_line_starts(hocr) == [True, False, True]


def _line(words: list[tuple[str, int, int]], top: int = 100, bottom: int = 130) -> str:
    spans = "".join(f"<span class='ocrx_word' id='w{x0}' title='bbox {x0} {top} {x1} {bottom}; "
                    f"x_wconf 90'>{text}</span> " for text, x0, x1 in words)
    return (f"<span class='ocr_line' id='line_1' title=\"bbox {words[0][1]} {top} "
            f"{max(w[2] for w in words)} {bottom}; baseline 0 -5\">{spans}</span>")


def test_lines_are_cut_at_a_wide_gap_and_where_a_word_steps_back() -> None:
    from ocr.plugin import split_wide_lines

    def lines(hocr: str) -> list[list[str]]:
        parts = re.split(r"<span class='ocr_line'", hocr)[1:]
        return [[w for w, _ in hocr_words(part)] for part in parts]

    together = _line([("Trình", 100, 180), ("Thường", 195, 300), ("trực", 315, 380)])
    assert lines(split_wide_lines(together)) == [["Trình", "Thường", "trực"]]
    # recipients | signature, printed side by side
    apart = _line([("Nơi", 100, 150), ("nhận:", 160, 240), ("K/T", 900, 960), ("BAN", 975, 1040)])
    assert lines(split_wide_lines(apart)) == [["Nơi", "nhận:"], ["K/T", "BAN"]]
    # the end of one printed line and the start of the next, taken as one line
    merged = _line([("hồ", 900, 950), ("đảng", 965, 1040), ("viên", 100, 160), ("trực", 175, 240)])
    assert lines(split_wide_lines(merged)) == [["hồ", "đảng"], ["viên", "trực"]]


def test_a_word_box_running_into_the_next_is_trimmed_so_the_layer_keeps_the_space() -> None:
    from ocr.plugin import split_wide_lines

    hocr = _line([("đảng", 1185, 1331), ("viên;", 1315, 1427), ("kiểm", 1450, 1560)],
                 top=1428, bottom=1483)
    out = split_wide_lines(hocr)
    boxes = [tuple(map(int, b)) for b in re.findall(r"bbox (\d+) \d+ (\d+) \d+; x_wconf", out)]
    assert boxes == [(1185, 1310), (1315, 1427), (1450, 1560)]
    assert [w for w, _ in hocr_words(out)] == ["đảng", "viên;", "kiểm"]


def test_text_layer_lines_are_sized_up_alike_with_their_baselines_kept() -> None:
    from ocr.plugin import even_line_sizes

    def line(n: int, top: int, bottom: int, base: int) -> str:
        return (f"<span class='ocr_line' id='line_1_{n}' title=\"bbox 100 {top} 900 {bottom}; "
                f"baseline 0 {base}; x_size 40\"><span class='ocrx_word' id='w{n}' "
                f"title='bbox 100 {top} 200 {bottom}; x_wconf 90'>chữ</span></span>")

    # baseline-to-top heights 40 (a line with tall marks), 30 and 31
    hocr = line(1, 100, 150, -10) + line(2, 170, 210, -10) + line(3, 229, 270, -10)
    out = even_line_sizes(hocr)
    tops = [int(t) for t in re.findall(r"class='ocr_line'[^>]*bbox \d+ (\d+)", out)]
    assert tops == [100, 160, 220]  # all 40 high now; bottoms and baselines unchanged
    assert out.count("baseline 0 -10") == 3


def test_signs_of_text_capitals_and_abbreviations_are_never_noise() -> None:
    from ocr.correct import is_noise

    for sign in ("+", "•", "&", "=", "§", "°", "№"):
        assert not is_noise(sign, 5), sign
    assert not is_noise("V", 50) and not is_noise("X", 45)  # Chương V, lần thứ X
    for symbol in ("GD&ĐT", "QĐ-UBND", "TP.HCM", "ubnd@camau.gov.vn", "m²"):
        assert not is_noise(symbol, 10), symbol
    assert not is_noise("bí thư", 39)  # a glued word the correction split
    assert is_noise("n ¬", 10)


def test_layer_sizes_are_capped_and_never_negative() -> None:
    from ocr.plugin import even_line_sizes

    def line(n: int, top: int, bottom: int) -> str:
        return (f"<span class='ocr_line' id='line_1_{n}' title=\"bbox 100 {top} 900 {bottom}; "
                f"baseline 0 -5\"><span class='ocrx_word' id='w{n}' "
                f"title='bbox 100 {top} 200 {bottom}; x_wconf 90'>chữ</span></span>")

    # a seal read as a 300 px line among 30 px lines near the top of the page
    hocr = line(1, 8, 40) + line(2, 50, 85) + line(3, 95, 130) + line(4, 140, 445)
    out = even_line_sizes(hocr)
    tops = [int(t) for t in re.findall(r"class='ocr_line'[^>]*bbox \d+ (\d+)", out)]
    # heights 27, 30, 30, 300: all brought to 45 (1.5x the median 30, not the seal's 300);
    # the first line's top would be -10, which ocrmypdf would not read: 0
    assert tops == [0, 35, 80, 140]


def test_a_line_with_a_word_we_cannot_rebuild_is_left_whole() -> None:
    from ocr.plugin import split_wide_lines

    hocr = (_line([("Nơi", 100, 150), ("nhận:", 160, 240)])
            .replace("</span></span>", "</span> <span class='ocrx_word' id='x' "
                     "title='bbox 900 100 960 130'>BAN</span></span>"))
    assert split_wide_lines(hocr) == hocr
