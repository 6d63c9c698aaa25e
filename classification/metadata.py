"""Archive metadata from OCR text: type, number/symbol, date, issuer, abstract, signer.

Matching runs on the accent-folded copy of the text (same length as the NFC text, see
`sohoa.vntext.fold`), so OCR that drops diacritics or reads Đ as D still matches, and the values
are cut from the original text at the same positions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sohoa.records import DocumentMetadata, PageText
from sohoa.vntext import collapse_space, fold, nfc

# folded type name -> (code, label)
DOC_TYPES: list[tuple[str, str, str]] = [
    ("nghi quyet", "nghi_quyet", "NGHỊ QUYẾT"),
    ("quyet dinh", "quyet_dinh", "QUYẾT ĐỊNH"),
    ("chi thi", "chi_thi", "CHỈ THỊ"),
    ("ket luan", "ket_luan", "KẾT LUẬN"),
    ("ke hoach", "ke_hoach", "KẾ HOẠCH"),
    ("huong dan", "huong_dan", "HƯỚNG DẪN"),
    ("thong bao", "thong_bao", "THÔNG BÁO"),
    ("bao cao", "bao_cao", "BÁO CÁO"),
    ("to trinh", "to_trinh", "TỜ TRÌNH"),
    ("chuong trinh", "chuong_trinh", "CHƯƠNG TRÌNH"),
    ("quy dinh", "quy_dinh", "QUY ĐỊNH"),
    ("quy che", "quy_che", "QUY CHẾ"),
    ("bien ban", "bien_ban", "BIÊN BẢN"),
    ("giay moi", "giay_moi", "GIẤY MỜI"),
]
# Abbreviation in the symbol -> type code
SYMBOL_TYPES = {
    "nq": "nghi_quyet", "qd": "quyet_dinh", "qdi": "quy_dinh", "ct": "chi_thi",
    "kl": "ket_luan", "kh": "ke_hoach", "hd": "huong_dan", "tb": "thong_bao",
    "bc": "bao_cao", "ttr": "to_trinh", "ctr": "chuong_trinh", "cv": "cong_van",
    "qc": "quy_che", "bb": "bien_ban", "gm": "giay_moi",
}
_LABELS = {code: label for _, code, label in DOC_TYPES} | {"cong_van": "CÔNG VĂN"}

# "Số 27-KH/ĐU", "Số: 12/QĐ-UBND", "So: 15/2025/QD-UBND"; OCR reads Số as §ố, S6, 5ố.
_NUMBER = re.compile(
    r"(?:^|\n)[^\n]{0,40}?(?:s[o6]|§[o6]?|5o)\s*[:.]?\s*"
    r"([0-9o]{1,5}(?:\s*[-/]\s*[0-9]{4})?\s*[-/]\s*[a-z]{1,6}(?:\s*[-/]\s*[a-z0-9]{1,10}){1,3})",
)
_DATE = re.compile(
    r"ngay\s*([0-9o]{1,2})\s*thang\s*([0-9o]{1,2})\s*nam\s*([0-9o]{4})"
)
_AUTHORITY = re.compile(r"^\s*(t\s*/\s*m|k\s*/\s*t|t\s*/\s*l|tm\s*\.|kt\s*\.|tl\s*\.|q\s*\.)", re.M)


def _digits(text: str) -> str:
    return text.replace("o", "0").replace("O", "0")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in nfc(text).splitlines() if line.strip()]


def extract_number_symbol(page1: str) -> str:
    text = nfc(page1)
    folded = fold(text)
    m = _NUMBER.search(folded)
    if not m:
        return ""
    raw = text[m.start(1): m.end(1)]
    raw = re.sub(r"\s+", "", raw)
    # The leading number: letter O read for zero.
    head = re.match(r"[0-9oO]+", raw)
    if head:
        raw = _digits(head.group(0)) + raw[head.end():]
    return raw.replace("Ð", "Đ").replace("Ɖ", "Đ")


def extract_date(page1: str) -> tuple[str, str]:
    """(ISO date, place) from the "Phúc Lợi, ngày 15 tháng 8 năm 2025" line."""
    text = nfc(page1)
    folded = fold(text)
    m = _DATE.search(folded)
    if not m:
        return "", ""
    try:
        day, month, year = (int(_digits(g)) for g in m.groups())
    except ValueError:
        return "", ""
    if not (1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2100):
        return "", ""
    line_start = text.rfind("\n", 0, m.start()) + 1
    place = text[line_start: m.start()].strip().rstrip(",").strip()
    place = re.sub(r"^[^A-Za-zÀ-ỹĐđ]+", "", place)
    return f"{year:04d}-{month:02d}-{day:02d}", place[:60]


def extract_doc_type(page1: str, number_symbol: str) -> tuple[str, str]:
    if number_symbol:
        parts = re.split(r"[-/]", fold(number_symbol))
        for part in parts[1:]:
            code = SYMBOL_TYPES.get(part.strip())
            if code:
                return code, _LABELS.get(code, "")
    folded_lines = [fold(line) for line in _lines(page1)[:40]]
    for line in folded_lines:
        if line.startswith("v/v") or line.startswith("v/ v"):
            return "cong_van", _LABELS["cong_van"]
    for line in folded_lines:
        bare = collapse_space(re.sub(r"[^a-z ]", " ", line))
        for name, code, label in DOC_TYPES:
            if bare == name:
                return code, label
    return "", ""


def extract_issuer(page1: str) -> tuple[str, str]:
    """(issuing body, parent body): the upper-case lines above the number line."""
    lines = _lines(page1)[:12]
    caps: list[str] = []
    skip = ("dang cong san", "cong hoa", "doc lap", "so ", "so:", "§")
    for line in lines:
        folded = fold(line)
        if folded.startswith(("so ", "so:", "s6")) or "/" in line and any(ch.isdigit() for ch in line):
            break
        letters = [c for c in line if c.isalpha()]
        if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
            continue
        if any(folded.startswith(s) for s in skip):
            continue
        if len(letters) < 4:
            continue
        caps.append(collapse_space(line))
    if not caps:
        return "", ""
    if len(caps) == 1:
        return caps[0], ""
    return caps[-1], caps[-2]


def extract_abstract(page1: str, doc_type_label: str) -> str:
    lines = _lines(page1)
    folded = [fold(line) for line in lines]
    for i, line in enumerate(folded):
        if line.startswith("v/v"):
            return collapse_space(lines[i][3:].lstrip(" :"))
    if doc_type_label:
        target = fold(doc_type_label)
        for i, line in enumerate(folded):
            if collapse_space(re.sub(r"[^a-z ]", " ", line)) == target:
                out = []
                for nxt in lines[i + 1: i + 4]:
                    if set(nxt) <= set("-_*. "):
                        break
                    out.append(nxt)
                    if len(" ".join(out)) > 60 and not nxt.endswith((",", "và", "cơ")):
                        break
                return collapse_space(" ".join(out))
    return ""


def extract_signer(last_page: str) -> tuple[str, str, str]:
    """(signer name, title, authority) from the signature block at the end of the last page."""
    lines = _lines(last_page)
    folded = [fold(line) for line in lines]
    authority = ""
    title = ""
    for i, line in enumerate(folded):
        m = _AUTHORITY.match(line)
        if m:
            authority = collapse_space(lines[i])
            if i + 1 < len(lines):
                title = collapse_space(lines[i + 1])
    name = ""
    for line in reversed(lines[-6:]):
        words = line.split()
        if 2 <= len(words) <= 5 and all(w[:1].isupper() and w[1:2].islower() for w in words if w):
            name = collapse_space(line)
            break
    return name, title, authority


def extract_metadata(pages: Sequence[PageText]) -> DocumentMetadata:
    if not pages:
        return DocumentMetadata()
    page1 = pages[0].text
    last = next((p.text for p in reversed(pages) if p.text.strip()), page1)
    number_symbol = extract_number_symbol(page1)
    date, place = extract_date(page1)
    doc_type, label = extract_doc_type(page1, number_symbol)
    issuing_body, parent_body = extract_issuer(page1)
    signer, signer_title, authority = extract_signer(last)
    folded_all = fold(page1[:600])
    family = "party" if "dang cong san viet nam" in folded_all else (
        "state" if "cong hoa xa hoi chu nghia" in folded_all else "")
    return DocumentMetadata(
        family=family,
        doc_type=doc_type,
        doc_type_label=label,
        number_symbol=number_symbol,
        date=date,
        place=place,
        issuing_body=issuing_body,
        parent_body=parent_body,
        abstract=extract_abstract(page1, label),
        signer=signer,
        signer_title=signer_title,
        signer_authority=authority,
        page_count=len(pages),
        title=label,
    )
