"""Vietnamese analysis and query parsing (no index involved)."""

from __future__ import annotations

import unicodedata

from search.analysis import analyse, fold_fast, has_marks, normalise_number, number_keys, pairs_of
from search.highlight import snippet_html
from search.query import MAX_QUERY_CHARS, MAX_QUERY_SYLLABLES, parse_query
from sohoa.vntext import fold

SAMPLE = "Đảng ủy phường Phúc Lợi triển khai CẢI CÁCH hành chính; Ð OCR, thẻ đảng viên."


def test_nfc_and_nfd_input_give_the_same_syllables() -> None:
    nfd = unicodedata.normalize("NFD", SAMPLE)
    assert nfd != SAMPLE
    a, b = analyse(SAMPLE), analyse(nfd)
    assert a == b
    assert a.exact[:3] == ("đảng", "ủy", "phường")


def test_folding_views_have_the_same_positions() -> None:
    a = analyse(SAMPLE)
    assert len(a.exact) == len(a.folded)
    assert a.folded[:5] == ("dang", "uy", "phuong", "phuc", "loi")
    assert "cai" in a.folded and "cải" in a.exact
    # The Icelandic Ð that OCR produces for Đ folds to d as well.
    assert "d" in a.folded


def test_fold_fast_equals_vntext_fold() -> None:
    text = SAMPLE + " Ưu tiên ĂN ở; ờ ỡ ợ; Ɖ ð İstanbul ß ﬁ 27-KH/ĐU"
    nfc = unicodedata.normalize("NFC", text)
    assert fold_fast(nfc) == fold(nfc)
    assert len(fold_fast(nfc)) == len(nfc)


def test_pairs_join_adjacent_folded_syllables() -> None:
    a = analyse("cải cách hành chính")
    assert a.pairs == ("cai_cach", "cach_hanh", "hanh_chinh")
    assert pairs_of(["a"]) == []


def test_underscore_is_never_inside_a_syllable() -> None:
    a = analyse("cai_cach snake_case")
    assert a.folded == ("cai", "cach", "snake", "case")


def test_english_stop_words_are_kept() -> None:
    # "an", "do", "the", "on", "in", "to" are Vietnamese syllables once folded (an ninh, đỗ,
    # thẻ, ổn, in ấn, tổ): no stop list may drop them.
    a = analyse("an ninh đỗ thẻ ổn định in ấn tổ a the of and")
    assert a.folded == ("an", "ninh", "do", "the", "on", "dinh", "in", "an", "to", "a", "the",
                        "of", "and")


def test_overlong_garbage_tokens_are_dropped_in_both_views() -> None:
    a = analyse("cải " + "x" * 200 + " cách")
    assert a.exact == ("cải", "cách") and a.folded == ("cai", "cach")


def test_has_marks() -> None:
    assert has_marks("cải") and has_marks("Đu") and not has_marks("cai") and not has_marks("27")


def test_document_numbers_normalise_to_one_key() -> None:
    assert {normalise_number(x) for x in ("27-KH/ĐU", "27 KH DU", "27/KH-DU", "27-kh/đu")} == {
        "27khdu"}
    assert "27khdu" in number_keys("27 KH DU")
    assert "27khdu" in number_keys("kế hoạch 27/KH-DU cải cách")
    assert "152025qdubnd" in number_keys("15/2025/QĐ-UBND")
    assert number_keys("ngày 15/8/2025") == []
    assert number_keys("cải cách hành chính") == []


def test_query_parts() -> None:
    q = parse_query('"Cải cách hành chính" đảng* 2025 ninh')
    phrase = q.parts[0]
    assert phrase.folded == ("cai", "cach", "hanh", "chinh") and phrase.marked
    assert phrase.pairs == ["cai_cach", "cach_hanh", "hanh_chinh"]
    prefix = q.parts[1]
    assert prefix.prefix and prefix.folded == ("dang",) and not prefix.marked
    assert [p.folded for p in q.parts[2:]] == [("2025",), ("ninh",)]
    assert q.quoted and q.fuzzy_words() == ()


def test_unaccented_query_is_not_marked() -> None:
    q = parse_query("cai cach hanh chinh")
    assert not any(p.marked for p in q.parts)
    assert q.proximity_pairs == ("cai_cach", "cach_hanh", "hanh_chinh")


def test_query_length_is_capped() -> None:
    q = parse_query("cải cách " * 1000)
    # Repeated words are merged; the cap bounds the syllables considered.
    assert len(q.parts) <= MAX_QUERY_SYLLABLES
    long = " ".join(f"x{i}" for i in range(500))
    assert len(parse_query(long).parts) == MAX_QUERY_SYLLABLES
    assert MAX_QUERY_CHARS <= 1000


def test_snippet_marks_folded_matches_and_escapes() -> None:
    text = "Mở đầu.\nTriển khai <script>alert('x')</script> cải cách hành chính & số hóa."
    html_out = snippet_html(text, {"cai", "cach", "script"})
    assert "<script>" not in html_out
    assert "&lt;<mark>script</mark>&gt;" in html_out
    assert "<mark>cải</mark> <mark>cách</mark>" in html_out
    assert "&amp;" in html_out


def test_snippet_picks_the_window_with_most_query_terms() -> None:
    filler = "lorem ipsum dolor " * 60
    text = f"cải cách ở đầu. {filler} cải cách hành chính ở giữa. {filler} hết."
    out = snippet_html(text, {"cai", "cach", "hanh", "chinh"})
    assert "<mark>hành</mark> <mark>chính</mark>" in out
    assert out.startswith("…") and out.endswith("…")


def test_snippet_without_match_shows_the_start() -> None:
    assert snippet_html("Số 27-KH/ĐU <b>", {"zzz"}) == "Số 27-KH/ĐU &lt;b&gt;"


def test_snippet_marks_prefixes_and_fuzzy_matches() -> None:
    text = "Bồi thường, hỗ trợ khi thu hồi đất; kien nghj của công dân."
    assert "<mark>thường</mark>" in snippet_html(text, set(), ("thuo",))
    fuzzy = snippet_html(text, {"kien", "nghi"}, fuzzy=True)
    assert "<mark>kien</mark> <mark>nghj</mark>" in fuzzy


def test_date_numbers() -> None:
    from search.documents import date_number

    assert date_number("2025-08-15") == 20250815
    assert date_number("2025-08") == 20250800
    assert date_number("2025") == 20250000
    assert date_number("15/08/2025") == 0 and date_number("") == 0
