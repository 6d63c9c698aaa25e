"""Archive metadata of a Vietnamese Party or State document (DOMAIN.md §1, §4).

Two sources, the better first for each field:

- the zones read on their own (`classification.layout`): page 1's header, title and abstract,
  and the last page's closing block, with each printed line kept apart from its neighbour in
  the other column;
- the full-page OCR text (or a born-digital text layer, or the corpus' printed text), where a
  two-column header comes out interleaved: "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI ĐẢNG CỘNG SẢN VIỆT NAM".
  The right block is formulaic (national motto, "<place>, ngày .. tháng .. năm ..") and is cut
  out of each line by fuzzy matching, leaving the left block.

Matching runs on accent-folded text (`sohoa.vntext.fold`, same length as the NFC text) so OCR
that drops diacritics or reads Đ as D still matches, and values are cut from the original text
at the same positions. Damaged capitals (issuer, title, authority) are repaired from the
vocabulary in `data/vocabulary.toml` and from the document's own words.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from classification.layout import Zones
from classification.stamp import levenshtein
from sohoa.records import DocumentMetadata, PageText
from sohoa.vntext import collapse_space, fold, nfc

# -- vocabulary -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    text = resources.files("classification").joinpath("data/vocabulary.toml").read_text(
        encoding="utf-8")
    return tomllib.loads(text)


def _letters(text: str) -> str:
    """Folded letters and digits, single spaces: the key fuzzy matches compare."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def similarity(a: str, b: str) -> float:
    return 1.0 - levenshtein(a, b) / max(len(a), len(b), 1)


@lru_cache(maxsize=1)
def _doc_types() -> list[tuple[str, str, str]]:
    """(folded name, code, printed label), longest first."""
    items = [(_letters(label), code, label) for label, code in vocabulary()["doc_types"].items()]
    return sorted(items, key=lambda t: -len(t[0]))


def _label(code: str) -> str:
    for _, c, label in _doc_types():
        if c == code:
            return label
    return ""


@lru_cache(maxsize=1)
def _word_votes() -> tuple[Counter[tuple[str, ...]], dict[tuple[str, ...], Counter[str]]]:
    """Vocabulary n-grams: folded context -> printed forms of a word."""
    voc = vocabulary()
    phrases = list(voc["words"]["phrases"]) + list(voc["titles"]["names"]) + list(
        voc["authorities"]["bodies"]) + list(voc["doc_types"])
    seen: Counter[tuple[str, ...]] = Counter()
    forms: dict[tuple[str, ...], Counter[str]] = {}
    for phrase in phrases:
        _add_votes(phrase.upper(), forms, weight=3)
        seen[tuple(fold(phrase).split())] += 1
    return seen, forms


def _add_votes(text: str, forms: dict[tuple[str, ...], Counter[str]], weight: int = 1) -> None:
    words = [w for w in re.findall(r"[^\W\d_]+", nfc(text))]
    folded = [fold(w) for w in words]
    for i, w in enumerate(words):
        upper = w.upper()
        forms.setdefault((folded[i],), Counter())[upper] += weight
        if i > 0:
            forms.setdefault((folded[i - 1], folded[i]), Counter())[upper] += weight
        if i + 1 < len(words):
            forms.setdefault((folded[i], folded[i + 1], ">"), Counter())[upper] += weight


def _has_marks(word: str) -> bool:
    return fold(word) != word.lower() or "Đ" in word or "đ" in word


def restore_caps(line: str, doc_forms: dict[tuple[str, ...], Counter[str]] | None = None) -> str:
    """A capitals line with the diacritics OCR dropped or garbled put back, word by word.

    - A word of the vocabulary's phrases, next to a neighbour it has there, takes the
      vocabulary's spelling ("THÀNH PHÔ" -> "THÀNH PHỐ", "DANG ỦY" -> "ĐẢNG ỦY").
    - Another bare word (no marks at all) takes the most common marked spelling of the same
      folded word, in the same context when possible, from the vocabulary and the document
      itself; the unmarked spelling is a word too ("BAN"), so only a clear majority wins.
    - A bare word one letter off a vocabulary word in context ("PANG BỘ") is repaired.
    A word read with marks that the vocabulary does not know (a place name) is left as read.
    Tokens without letters or digits (specks read as ")") are dropped.
    """
    _, voc = _word_votes()
    words = [w for w in clean(line).split() if re.search(r"[^\W_]", w)]
    cores = [re.sub(r"[^\w]", "", w) for w in words]
    keys = [fold(c) for c in cores]
    out = list(words)
    for k, core in enumerate(cores):
        if not core.isalpha() or not core.isupper():
            continue
        key = keys[k]
        prev = keys[k - 1] if k > 0 else None
        nxt = keys[k + 1] if k + 1 < len(keys) else None
        in_context: Counter[str] = Counter()
        if prev is not None:
            in_context.update(voc.get((prev, key), Counter()))
        if nxt is not None:
            in_context.update(voc.get((key, nxt, ">"), Counter()))
        if in_context:
            best = in_context.most_common(1)[0][0]
            out[k] = words[k].replace(core, best)
            continue
        votes: Counter[str] = Counter(voc.get((key,), Counter()))
        for ctx, boost in (((prev, key), 3), ((key, nxt, ">"), 3), ((key,), 1)):
            for form, count in (doc_forms or {}).get(ctx, Counter()).items():  # type: ignore[arg-type]
                votes[form] += count * boost
        forms = {f: c for f, c in votes.items() if fold(f) == key}
        seen = sum((doc_forms or {}).get((key,), Counter()).values())
        known = (key,) in voc or seen >= 3
        if forms and known:
            best, count = max(forms.items(), key=lambda kv: kv[1])
            mine = forms.get(core.upper(), 0)
            # A bare word: a clear majority of a marked spelling. A marked word (its marks
            # may be misread, "PHƯƠNG" for "PHƯỜNG"): an overwhelming one.
            factor = 3.0 if _has_marks(core) else 1.5
            if _has_marks(best) and best != core.upper() and count > factor * max(mine, 1):
                out[k] = words[k].replace(core, best)
            continue
        if len(key) >= 4:
            # Not a word of the vocabulary nor of the document: one letter off a vocabulary
            # word ("ĐHƯỜNG" for "PHƯỜNG", "PANG BỘ" for "ĐẢNG BỘ").
            near = {f for ctx, fs in voc.items() if len(ctx) == 1
                    and levenshtein(ctx[0], key) == 1 for f in fs}
            if nxt is not None:
                in_ctx = {f for ctx, fs in voc.items() if len(ctx) == 3 and ctx[1] == nxt
                          and levenshtein(ctx[0], key) == 1 for f in fs}
                near = in_ctx or near
            if len(near) == 1:
                out[k] = words[k].replace(core, near.pop())
    return " ".join(out)


def doc_word_forms(texts: Iterable[str]) -> dict[tuple[str, ...], Counter[str]]:
    forms: dict[tuple[str, ...], Counter[str]] = {}
    for text in texts:
        _add_votes(text, forms)
    return forms


def trigram_forms(texts: Iterable[str]) -> dict[tuple[str, str, str], Counter[str]]:
    """(previous, word, next) folded -> spellings of the word in the document."""
    table: dict[tuple[str, str, str], Counter[str]] = {}
    for text in texts:
        words = re.findall(r"[^\W\d_]+", nfc(text))
        folded = [fold(w) for w in words]
        for i in range(len(words)):
            prev = folded[i - 1] if i > 0 else ""
            nxt = folded[i + 1] if i + 1 < len(words) else ""
            form = words[i].lower()
            table.setdefault((prev, folded[i], nxt), Counter())[form] += 1
            table.setdefault((prev, folded[i], "<"), Counter())[form] += 1
            table.setdefault((">", folded[i], nxt), Counter())[form] += 1
    return table


_CONSONANTS = set("bcdđghklmnpqrstvx")


def _fragment(token: str) -> bool:
    """Letters without a vowel: never a Vietnamese word, a piece of one ("ph ường", "nướ c")."""
    letters = [c for c in fold(token) if c.isalpha()]
    return bool(letters) and len(letters) <= 3 and all(c in _CONSONANTS for c in letters) and (
        token.isalpha())


def _join_fragments(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if _fragment(tok) and i + 1 < len(tokens) and fold(tokens[i + 1])[:1] in "aeiouy" and (
                tokens[i + 1][:1].islower()):
            out.append(tok + tokens[i + 1])
            i += 2
            continue
        if _fragment(tok) and out and out[-1][-1:].isalpha() and tok.islower():
            out[-1] += tok
        else:
            out.append(tok)
        i += 1
    return out


def consensus(text: str, table: dict[tuple[str, str, str], Counter[str]],
              agree: dict[tuple[str, str, str], Counter[str]] | None = None) -> str:
    """Repair diacritics of a phrase from the same words elsewhere in the document.

    The abstract's words usually come back in the body, printed in regular type that OCR reads
    better than the bold title block: a word whose spelling disagrees with the spelling of the
    same three folded words in the body (`table`, built without the phrase itself) takes the
    body's spelling. `agree`: another reading of the same phrase (the page text's, when the
    phrase came from the zone): where both readings spell a word the same, the body does not
    overrule them. Pieces of a word split by OCR ("nướ c", "ph ường") are joined back.
    """
    joined = _join_fragments(text.split())
    cores = [re.sub(r"[^\w]", "", t) for t in joined]
    keys = [fold(c) for c in cores]
    out = list(joined)
    for i in range(len(joined)):
        core = cores[i]
        if not core.isalpha():
            continue
        prev = keys[i - 1] if i > 0 else ""
        nxt = keys[i + 1] if i + 1 < len(keys) else ""
        counts = table.get((prev, keys[i], nxt), Counter())
        need = 1
        if not counts or counts.most_common(1)[0][0] == core.lower():
            # The word with one of its neighbours, seen at least twice in the body.
            counts = Counter(table.get((prev, keys[i], "<"), Counter()))
            counts.update(table.get((">", keys[i], nxt), Counter()))
            need = 2
        if not counts:
            continue
        best, n = counts.most_common(1)[0]
        mine = counts.get(core.lower(), 0)
        if agree is not None:
            seconded = agree.get((prev, keys[i], nxt), Counter()).get(core.lower(), 0)
            mine += 2 * seconded
        if best != core.lower() and n >= need and n > mine:
            fixed = best.capitalize() if core[0].isupper() else best
            if core.isupper():
                fixed = best.upper()
            out[i] = joined[i].replace(core, fixed)
    return " ".join(out)


def snap(text: str, choices: Iterable[str], min_sim: float) -> str:
    """The vocabulary entry `text` was read from, if one is close enough, else ''."""
    key = _letters(text)
    if not key:
        return ""
    best, best_sim = "", 0.0
    for choice in choices:
        sim = similarity(key, _letters(choice))
        if sim > best_sim:
            best, best_sim = choice, sim
    return best if best_sim >= min_sim else ""


# -- cleaning ---------------------------------------------------------------------------------

_LOOKALIKES = str.maketrans({"Ð": "Đ", "Ɖ": "Đ", "ð": "đ", "ɖ": "đ", "“": '"', "”": '"',
                             "‘": "'", "’": "'", "|": " ", "¦": " "})
_EDGE_JUNK = " \t'\"`^~¬_=«»•·*°©®™<>{}[]()\\|,.:;!?—–-"


def clean(text: str) -> str:
    text = nfc(text).translate(_LOOKALIKES)
    text = text.replace("§", "S")
    return collapse_space(text)


def strip_edges(text: str, keep_trailing: str = "") -> str:
    text = clean(text).lstrip(_EDGE_JUNK)
    junk = "".join(c for c in _EDGE_JUNK if c not in keep_trailing)
    return text.rstrip(junk).strip()


def _is_caps(text: str, share: float = 0.8) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= share * len(letters)


def _strip_noise_words(text: str) -> str:
    """Drop OCR specks at either end of a caps line: lower-case or one-letter tokens."""
    words = text.split()
    while words and not (_is_caps(words[0]) and len(re.sub(r"\W", "", words[0])) >= 2):
        words.pop(0)
    while words and not (_is_caps(words[-1]) and len(re.sub(r"\W", "", words[-1])) >= 2):
        words.pop()
    return " ".join(words)


# -- the header -------------------------------------------------------------------------------

_MOTTOS = {
    "party": "dang cong san viet nam",
    "state": "cong hoa xa hoi chu nghia viet nam",
    "motto2": "doc lap tu do hanh phuc",
}
_NUM = r"[0-9oOlI]"
_DATE = re.compile(
    rf"\bng\w{{0,3}}\s*({_NUM}{{1,2}})\s*th\w{{1,4}}\s*({_NUM}{{1,2}})\s*n\w{{0,3}}\s*"
    rf"({_NUM}{{4}})")
# "Số 27-KH/ĐU", "Số: 12/QĐ-UBND", "S6 27-KH/DU", "Số05-NQ/ĐU", "Số.04-CT/ĐU", "§ố: 15/2025/..."
_NUMBER = re.compile(
    r"(?:^|[^a-z0-9])(?:s[o6]|5o|s)\s*[:.;,]?\s*"
    rf"({_NUM}{{1,5}}(?:\s*[-/]\s*[0-9]{{4}})?\s*[-/]\s*[a-z][a-z0-9]{{0,7}}"
    r"(?:\s*[-/]\s*[a-z][a-z0-9]{0,9}){0,3})")
_VV = re.compile(r"^\W{0,3}v\s*[/1l|]\s*[vy]\b\.?\s*:?\s*")
_KINH_GUI = re.compile(r"^\W{0,3}kinh\s*gu\w{0,2}\s*:?\s*")
_SEPARATOR = re.compile(r"^[\s\-_—–=.*~]{3,}$")


def find_phrase(folded: str, phrase: str, min_sim: float = 0.8) -> tuple[int, int] | None:
    """Span of a fuzzy occurrence of `phrase` (folded, single-spaced) in a folded line."""
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    n = len(phrase.split())
    best: tuple[float, int, int] | None = None
    for i in range(len(tokens)):
        for k in (n - 1, n, n + 1, n + 2):
            if k < 1 or i + k > len(tokens):
                continue
            start, end = tokens[i][0], tokens[i + k - 1][1]
            cand = " ".join(re.sub(r"[^a-z0-9]+", " ", folded[start:end]).split())
            sim = similarity(cand, phrase)
            if sim >= min_sim and (best is None or sim > best[0]):
                best = (sim, start, end)
    return (best[1], best[2]) if best else None


@dataclass
class Header:
    family: str = ""
    number_symbol: str = ""
    date: str = ""
    place: str = ""
    issuers: list[str] = field(default_factory=list)
    title: str = ""
    doc_type: str = ""
    abstract: list[str] = field(default_factory=list)
    vv: list[str] = field(default_factory=list)
    addressees: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # left-block remainders (stamps, urgency)


def _digits(text: str) -> int:
    return int(text.translate(str.maketrans("oOlI", "0011")))


def _date_in(line: str) -> tuple[str, str, tuple[int, int]] | None:
    """(ISO date, place, span of "place, ngày ... năm YYYY") in one line."""
    folded = fold(line)
    m = _DATE.search(folded)
    if not m:
        return None
    try:
        day, month, year = (_digits(g) for g in m.groups())
    except ValueError:
        return None
    if not (1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2100):
        return None
    before = line[: m.start()]
    tokens = list(re.finditer(r"\S+", before))
    place_tokens: list[re.Match[str]] = []
    for tok in reversed(tokens):
        word = tok.group(0).strip(",.;:")
        if not word or not re.fullmatch(r"[^\W\d_]+", word) or len(place_tokens) >= 5:
            break
        place_tokens.insert(0, tok)
    while place_tokens and not place_tokens[0].group(0)[0].isupper():
        place_tokens.pop(0)
    # A caps word glued before the place belongs to the left block ("...LỢI Phúc Lợi").
    while len(place_tokens) > 1 and _is_caps(place_tokens[0].group(0)) and not _is_caps(
            place_tokens[-1].group(0)):
        place_tokens.pop(0)
    place = " ".join(t.group(0) for t in place_tokens).strip(" ,")
    start = place_tokens[0].start() if place_tokens else m.start()
    return f"{year:04d}-{month:02d}-{day:02d}", place, (start, m.end())


def _cut(line: str, spans: list[tuple[int, int]]) -> list[str]:
    """The parts of `line` outside the spans."""
    parts, pos = [], 0
    for start, end in sorted(spans):
        parts.append(line[pos:start])
        pos = max(pos, end)
    parts.append(line[pos:])
    return [p.strip() for p in parts if p.strip()]


def _symbol(raw: str) -> str:
    """Normalised number/symbol: "27-KH/ĐU", "12/QĐ-UBND", "15/2025/QĐ-UBND"."""
    raw = re.sub(r"\s+", "", clean(raw)).strip(".,;:")
    parts = re.split(r"([-/])", raw)
    out = []
    table = vocabulary()["symbol_parts"]
    for i, part in enumerate(parts):
        if part in "-/":
            out.append(part)
            continue
        if i == 0 or re.fullmatch(r"[0-9oOlI]{4}", part):
            out.append(str(part.translate(str.maketrans("oOlI", "0011"))))
            continue
        key = fold(part)
        out.append(table.get(key, part.upper().replace("Ð", "Đ")))
    return "".join(out)


def _title_of(line: str) -> tuple[str, str] | None:
    """(code, label) when the line is a document type name printed as a title."""
    if not _is_caps(line, 0.7):
        return None
    key = _letters(line)
    if not key or len(key) > 20:
        return None
    best = max(_doc_types(), key=lambda t: similarity(key, t[0]))
    if similarity(key, best[0]) >= 0.8:
        return best[1], best[2]
    return None


# How body paragraphs open: a line starting so after the abstract's first line is body text.
_BODY_OPENERS = re.compile(
    r"^\W*(can cu|thuc hien|theo de nghi|xet de nghi|ngay \d|de |trong |sau khi|nham |"
    r"hom nay|vao hoi|(i|ii|1|a)[.)]\s)")


def _stop_abstract(line: str, first: bool) -> bool:
    folded = fold(line)
    return bool(
        _SEPARATOR.match(line) or _KINH_GUI.match(folded) or _is_caps(line, 0.9)
        or (not first and _BODY_OPENERS.match(folded)))


def parse_header(segments: Sequence[str], stop_blank: bool,
                 centred: Sequence[bool] | None = None,
                 right: Sequence[bool] | None = None) -> Header:
    """Header fields from page 1's lines in reading order (each ideally one column's text).

    `stop_blank`: a blank line ends the abstract (OCR text keeps blank lines between blocks).
    `centred`: per line, whether it is centred on the page (zone OCR knows): the abstract is
    centred under the title, so other lines there (specks, the body's margin) are skipped.
    """
    h = Header()
    title_at = None
    vv_closed = False
    lines = [nfc(s).rstrip() for s in segments]
    for idx, raw in enumerate(lines[:40]):
        line = clean(raw)
        if not line:
            continue
        folded = fold(line)
        spans: list[tuple[int, int]] = []
        for name, phrase in _MOTTOS.items():
            span = find_phrase(folded, phrase)
            if span:
                spans.append(span)
                if name in ("party", "state") and not h.family:
                    h.family = name
        found = _date_in(line)
        if found:
            if not h.date:
                h.date, h.place = found[0], found[1]
            spans.append(found[2])
        rest = _cut(line, spans) if spans else [line]
        for part in rest:
            pf = fold(part)
            if not h.number_symbol:
                m = _NUMBER.search(pf)
                if m and (m.start(1) < 12):
                    h.number_symbol = _symbol(part[m.start(1): m.end(1)])
                    tail = part[m.end(1):].strip()
                    if tail:
                        h.left.append(tail)
                    continue
            if _VV.match(pf) and not h.vv:
                h.vv.append(part)
                title_at = idx
                continue
            in_right = right is not None and right[idx]
            if h.vv and _KINH_GUI.match(pf):
                vv_closed = True
            if h.vv and title_at is not None and not h.title and not vv_closed and (
                    not _is_caps(part) and len(h.vv) < 4 and not in_right
                    and not part.lstrip().startswith("-")):
                if idx - title_at <= 2 and not (stop_blank and not lines[idx - 1].strip()):
                    h.vv.append(part)
                    title_at = idx
                    continue
            t = _title_of(part)
            if t and not h.title and (h.number_symbol or h.issuers):
                h.doc_type, h.title = t
                title_at = idx
                break
            if not h.number_symbol and _is_caps(part) and part.strip() != "*":
                h.issuers.append(part)
            elif part.strip() not in ("*", ""):
                h.left.append(part)
        if h.title:
            break
    # The abstract: the lines under the title, up to the separator or the body.
    if h.title and title_at is not None:
        for at in range(title_at + 1, min(len(lines), title_at + 8)):
            line = clean(lines[at])
            if centred is not None and line and not centred[at] and not _stop_abstract(
                    line, not h.abstract):
                continue
            if not line:
                if h.abstract and stop_blank:
                    break
                continue
            if _stop_abstract(line, not h.abstract) or len(h.abstract) >= 4:
                break
            h.abstract.append(line)
    # Kính gửi: the addressees, after the abstract or the V/v.
    for i, raw in enumerate(lines[:60]):
        folded = fold(clean(raw))
        m = _KINH_GUI.match(folded)
        if not m:
            continue
        first = clean(raw)[m.end():].strip()
        got = [first] if first else []
        for nxt in lines[i + 1: i + 5]:
            nl = clean(nxt)
            if not nl.startswith("-") or len(nl) > 80:
                break
            got.append(nl)
        h.addressees = [strip_edges(a) for a in got if strip_edges(a)]
        break
    return h


def split_issuers(lines: list[str]) -> tuple[str, str]:
    """(issuing body, parent body) from the caps lines above the number.

    Party documents print the superior body then the issuing body; a State body name can wrap
    ("ỦY BAN NHÂN DÂN" / "PHƯỜNG PHÚC LỢI"): a line that starts with an administrative unit
    continues the line above it.
    """
    units = ("phuong ", "xa ", "thi tran ", "quan ", "huyen ", "tinh ", "thanh pho ", "thi xa ")
    names: list[str] = []
    for line in lines:
        text = _strip_noise_words(strip_edges(line))
        if len(re.sub(r"\W", "", text)) < 3:
            continue
        if names and fold(text).startswith(units) and not re.search(
                r"\b(phuong|xa|thi tran|quan|huyen|tinh|thanh pho|thi xa)\b", fold(names[-1])):
            names[-1] = f"{names[-1]} {text}"
        else:
            names.append(text)
    if not names:
        return "", ""
    if len(names) == 1:
        return names[0], ""
    return names[-1], names[-2]


# -- the closing block ------------------------------------------------------------------------

_NOI_NHAN = re.compile(r"n\s*[oơ0]\s*[il1]\s*n\s*h\s*[aâậ]\s*n\s*:?", re.I)
_AUTHORITY = re.compile(r"^\W{0,3}(t\s*[1l|]?\s*/\s*m|k\s*[1l|]?\s*/\s*t|t\s*[1l|]?\s*/\s*l|"
                        r"tm\s*[.,]|kt\s*[.,]|tl\s*[.,]|q\s*\.|tm\b|kt\b|tl\b)\s*(.*)$")
_AUTH_FORMS = {"tm": ("T/M", "TM."), "kt": ("K/T", "KT."), "tl": ("T/L", "TL."), "q": ("Q.", "Q.")}
_COPIES = re.compile(r"so\s*luong\s*:?\s*(\d{1,3})\s*ban")
_NO_COPY = re.compile(r"khong\s+duoc\s+(?:phep\s+)?sao\s*,?\s*chup")


@dataclass
class Closing:
    authority: str = ""
    title: str = ""
    signer: str = ""
    recipients: list[str] = field(default_factory=list)
    copies: int | None = None
    copy_permission: str = ""


def _authority(line: str, family: str) -> str:
    m = _AUTHORITY.match(fold(line))
    if not m:
        return ""
    kind = re.sub(r"[^a-z]", "", m.group(1).replace("l/", "/").replace("1", "").replace("|", ""))
    if kind not in _AUTH_FORMS:
        kind = kind[0] + kind[-1]
    party_form, state_form = _AUTH_FORMS[kind]
    head = m.group(1)
    if "/" in head:
        prefix = party_form
    elif "." in head or "," in head:
        prefix = state_form
    else:
        prefix = party_form if family == "party" else state_form
    rest = clean(line)[m.start(2):].strip()
    rest = _strip_noise_words(rest.replace("T/M", "").strip()) or rest
    voc = vocabulary()
    choices = list(voc["authorities"]["bodies"]) + list(voc["titles"]["names"])
    fixed = snap(rest, choices, 0.75) or restore_caps(rest)
    return f"{prefix} {fixed}".strip()


def _name_word(word: str) -> bool:
    return bool(re.fullmatch(r"[^\W\d_]+", word)) and word[0].isupper() and (
        len(word) == 1 or word[1:].islower()) and len(word) <= 8


def _name(line: str) -> str:
    """A person's name as printed under the signature, or ''.

    Tolerates what the signature and the seal leave around it: junk before the name, a rank
    ("Thượng tá"), a family name read in lower case or without its diacritics or first letter.
    """
    voc = vocabulary()
    surnames = list(voc["surnames"]["names"])
    folded_surnames = {fold(s): s for s in surnames}
    text = strip_edges(line)
    # "1ếHoàng Sơn": a word glued to the next where a capital starts inside it.
    text = "".join(f" {ch}" if ch.isupper() and i and text[i - 1].islower() else ch
                   for i, ch in enumerate(text))
    for rank in voc["ranks"]["names"]:
        at = fold(text).find(fold(rank) + " ")
        if at >= 0:
            text = text[at + len(rank):].strip()
            break
    words = text.split()
    if words and fold(words[0]) in folded_surnames and not words[0][0].isupper():
        words[0] = words[0].capitalize()
    best: list[str] = []
    for n in range(min(5, len(words)), 1, -1):
        tail = words[-n:]
        if all(_name_word(w) for w in tail):
            best = tail
            break
    if not best:
        return ""
    first_at = len(words) - len(best)
    if first_at > 0 and len(best) <= 3:
        # "e Hoàng Sơn": a family name that lost a letter, just before the name.
        lost = re.sub(r"[^\w]", "", words[first_at - 1])
        near = [s for f, s in folded_surnames.items() if lost and levenshtein(fold(lost), f) == 1
                and len(lost) >= len(f) - 1]
        if len(near) == 1 and len(lost) <= 2:
            best = [near[0], *best]
    if fold(best[0]) in folded_surnames:
        best[0] = folded_surnames[fold(best[0])]  # "Đỏ" -> "Đỗ", "Dinh" -> "Đinh"
    return " ".join(best)


def _split_recipient(line: str) -> tuple[str, str]:
    """(recipient, what follows it on the same OCR line from the signature column).

    A recipient line ends with its punctuation (",", ";", "."). When an interleaved line goes
    on after that, the rest is the signature block's text (capitals, or specks of the seal).
    """
    if re.search(r"[,;.]\s*$", line):
        return line.strip(), ""
    best = None
    for m in re.finditer(r"[,;.](?=\s+\S)", line):
        rest = line[m.end():]
        letters = [c for c in rest if c.isalpha()]
        if not letters or sum(c.isupper() for c in letters) >= 0.5 * len(letters) or len(
                rest.strip()) <= 6:
            best = m.end()
            break
    if best is None:
        return line.strip(), ""
    return line[:best].strip(), line[best:].strip()


def _is_recipient(line: str) -> bool:
    """A line of the "Nơi nhận" list: not the copy count or copy permission of a secret
    document (they follow the list), not an OCR speck."""
    folded = fold(line)
    if _COPIES.search(folded) or _NO_COPY.search(folded):
        return False
    return len(re.findall(r"[^\W\d_]", line)) >= 3


def _recipient(line: str) -> str:
    """Punctuation as printed: "VT,VP." -> "VT, VP."; a final ":" is a misread ";"."""
    line = re.sub(r",(?=[^\W\d_])", ", ", line.strip())
    return line[:-1] + ";" if line.endswith(":") and not line.endswith("Lưu:") else line


def parse_closing(right: Sequence[str], left: Sequence[str], family: str,
                  interleaved: bool, names: Sequence[str] = ()) -> Closing:
    """The signature block (`right`) and the recipients block (`left`).

    With `interleaved` (full-page text), both are the same lines: recipients are the lines
    that start with a dash, the rest of each line belongs to the signature block.
    """
    c = Closing()
    voc = vocabulary()
    sig_lines: list[str] = []
    rec_lines: list[str] = []
    if interleaved:
        started = False
        for raw in right:
            line = clean(raw)
            m = _NOI_NHAN.search(line)
            if m and not started:
                started = True
                after = line[m.end():].strip()
                if after:
                    sig_lines.append(after)
                continue
            if not started:
                continue
            dash = re.match(r"^[\W_]{0,3}?-\s*", line)
            if dash:
                # "- Văn phòng Thành ủy (để báo cáo), is, fLHU THƯỜNG TRUC": the recipient
                # ends at its punctuation; what follows is the signature block's line.
                body = line[dash.end():]
                rec, sig = _split_recipient(body)
                rec_lines.append(rec)
                if sig:
                    sig_lines.append(sig)
            else:
                sig_lines.append(line)
        rec_lines = ["- " + r.strip() for r in rec_lines]
    else:
        sig_lines = [clean(x) for x in right]
        started = False
        for raw in left:
            line = clean(raw)
            if _NOI_NHAN.search(line) and not started:
                started = True
                continue
            if not started:
                continue
            m = re.match(r"^[\W_]{0,3}?-\s*(.+)$", line)
            if m:
                rec_lines.append("- " + m.group(1).strip())
            elif line and line[0].isupper() and re.search(r"[^\W\d_]{2,}", line):
                rec_lines.append("- " + line)  # its dash was lost
            elif rec_lines and line and line[0].islower():
                rec_lines.append(line)
    c.recipients = [_recipient(r) for r in rec_lines if _is_recipient(r)]
    tail = fold(" ".join(rec_lines))
    m = _COPIES.search(tail)
    if m:
        c.copies = int(m.group(1))
    if _NO_COPY.search(tail):
        c.copy_permission = "forbidden"
    # Signature block: authority, title, (signature), name.
    titles = list(voc["titles"]["names"])
    auth_at = None
    for i, line in enumerate(sig_lines):
        a = _authority(line, family)
        if a:
            c.authority, auth_at = a, i
            break
    start = (auth_at + 1) if auth_at is not None else 0
    for line in sig_lines[start:]:
        text = _strip_noise_words(strip_edges(line))
        if not _is_caps(text) or len(re.sub(r"\W", "", text)) < 4:
            continue
        c.title = snap(text, titles, 0.72) or restore_caps(text)
        break
    for line in [*reversed(sig_lines), *reversed(names)]:
        name = _name(line)
        if name:
            c.signer = name
            break
    return c


# -- putting it together ----------------------------------------------------------------------


def _family_from_symbol(symbol: str) -> str:
    if re.match(r"^\d+-", symbol):
        return "party"
    if re.match(r"^\d+/", symbol):
        return "state"
    return ""


def _doc_type_from_symbol(symbol: str, family: str) -> str:
    parts = [fold(p) for p in re.split(r"[-/]", symbol)[1:] if not p.isdigit()]
    table = vocabulary()["symbol_types"]
    # Party: "27-KH/ĐU" (type first); State: "12/QĐ-UBND" (type first after the number).
    for part in parts[:1]:
        if part in table:
            return str(table[part])
    return ""


def _fix_place(place: str, issuing: str, forms: dict[tuple[str, ...], Counter[str]]) -> str:
    if not place:
        return ""
    key = fold(place)
    words = issuing.split()
    for n in range(len(words)):
        tail = " ".join(words[n:])
        if fold(tail) == key and _has_marks(tail):
            return " ".join(w.capitalize() for w in tail.lower().split())
    if _has_marks(place):
        return place
    restored = restore_caps(place.upper(), forms)
    return " ".join(w.capitalize() for w in restored.lower().split())


def _abstract(h: Header, doc_type: str) -> str:
    if h.vv:
        text = collapse_space(" ".join(strip_edges(v, keep_trailing=".") for v in h.vv))
        m = _VV.match(fold(text))
        body = text[m.end():] if m else text
        return f"V/v {body}".strip()
    text = collapse_space(" ".join(strip_edges(a, keep_trailing=".)") for a in h.abstract))
    # A full stop inside the abstract followed by a lower-case word is a speck.
    return re.sub(r"\s*\.\s+(?=\w)", lambda m: " " if text[m.end()].islower() else m.group(0),
                  text)


TRUSTED_ZONE = 70.0  # mean confidence above which a zone's reading beats the full-page text


def _zone_conf(lines: Sequence[Any]) -> float:
    weights = [len(ln.text) for ln in lines]
    total = sum(weights)
    return sum(ln.conf * w for ln, w in zip(lines, weights, strict=True)) / total if total else 0.0


def _known_share(text: str, forms: dict[tuple[str, ...], Counter[str]]) -> float:
    """Share of the words of a caps line that are vocabulary words or seen twice in the document."""
    _, voc = _word_votes()
    words = [fold(w) for w in re.findall(r"[^\W\d_]+", text)]
    if not words:
        return 0.0
    known = sum(1 for w in words if (w,) in voc or sum(forms.get((w,), Counter()).values()) >= 2)
    return known / len(words)


def _plausible(iso: str) -> bool:
    """Not in the future (a scan is of a document already issued)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(iso) <= dt.date.today() + dt.timedelta(days=31)
    except ValueError:
        return False


def _without(text: str, lines: Sequence[str]) -> str:
    drop = {clean(x) for x in lines}
    return "\n".join(ln for ln in text.splitlines() if clean(ln) not in drop)


def _longer_name(a: str, b: str) -> str:
    """Two readings of the signer's name: the longer when one ends the other."""
    if a and b and len(b) > len(a) and fold(b).endswith(" " + fold(a)):
        return b
    return a or b


def extract_metadata(pages: Sequence[PageText], zones: Zones | None = None,
                     urgency: str = "") -> DocumentMetadata:
    if not pages:
        return DocumentMetadata()
    first = next((p for p in pages if p.text.strip()), pages[0])
    last = next((p for p in reversed(pages) if p.text.strip()), first)
    from_text = parse_header(first.text.splitlines(), stop_blank=True)
    from_zone = Header()
    zone_first = False
    if zones is not None and zones.header:
        kept = [ln for ln in zones.header if ln.conf >= 35]
        from_zone = parse_header([ln.text for ln in kept], stop_blank=False,
                                 centred=[ln.centred or ln.column == "centre" for ln in kept],
                                 right=[ln.column == "right" for ln in kept])
        # A real text layer (born-digital page) is exact; OCR of the zone is not.
        zone_first = _zone_conf(zones.header) >= TRUSTED_ZONE and first.ocr_done
    primary, secondary = (from_zone, from_text) if zone_first else (from_text, from_zone)

    def pick(name: str) -> Any:
        value = getattr(primary, name)
        return value if value else getattr(secondary, name)

    number_symbol = pick("number_symbol")
    family = pick("family") or _family_from_symbol(number_symbol)
    date = pick("date")
    if date and secondary.date and date != secondary.date and not _plausible(date):
        date = secondary.date  # "2035" read for "2025": the other reading
    zone_text = [ln.text for ln in zones.header + zones.closing] if zones else []
    texts = [p.text for p in pages] + zone_text
    forms = doc_word_forms(texts)
    issuing, parent = split_issuers([restore_caps(x, forms) for x in primary.issuers])
    if secondary.issuers:
        # The other reading of the issuer lines wins when more of its words are known words
        # ("ĐHƯỜNG PHÚC LỢI" read in the zone, "PHƯỜNG PHÚC LỢI" in the page text).
        alt = split_issuers([restore_caps(x, forms) for x in secondary.issuers])
        if not issuing or _known_share(" ".join(alt), forms) > _known_share(
                f"{issuing} {parent}", forms):
            issuing, parent = alt
    # The body, without the title block: what the abstract's words are checked against.
    body = [_without(first.text, from_text.abstract + from_text.vv)] + [
        p.text for p in pages if p is not first]
    issuing = restore_caps(issuing, forms)
    parent = restore_caps(parent, forms)
    doc_type = pick("doc_type") or _doc_type_from_symbol(number_symbol, family)
    if not doc_type and (from_zone.vv or from_text.vv):
        doc_type = "cong_van"
    h = primary if (primary.title or primary.vv) else secondary
    abstract = _abstract(h, doc_type) or _abstract(secondary, doc_type)
    other = secondary if h is primary else primary
    other_reading = _abstract(other, doc_type)
    abstract = consensus(abstract, trigram_forms(body),
                         trigram_forms([other_reading]) if other_reading else None)
    # Closing block: the zone's columns, else the full text of the last page.
    closing = Closing()
    if zones is not None and zones.closing:
        right = [ln.text for ln in zones.closing if ln.column == "right" and ln.conf >= 40]
        left = [ln.text for ln in zones.closing if ln.column != "right"]
        # A name under a signature and a seal is often read with a low confidence.
        names = [ln.text for ln in zones.closing if ln.column == "right" and ln.conf < 40]
        closing = parse_closing(right, left, family, interleaved=False, names=names)
    fallback = parse_closing(last.text.splitlines(), [], family, interleaved=True)
    place = _fix_place(strip_edges(pick("place")), issuing, forms)
    recipients = [consensus(r, trigram_forms(body))
                  for r in (closing.recipients or fallback.recipients)]
    return DocumentMetadata(
        family=family,
        doc_type=doc_type,
        doc_type_label=_label(doc_type),
        number_symbol=number_symbol,
        date=date,
        place=place,
        issuing_body=issuing,
        parent_body=parent,
        abstract=abstract,
        urgency=urgency or "none",
        signer=_longer_name(closing.signer, fallback.signer),
        signer_title=closing.title or fallback.title,
        signer_authority=closing.authority or fallback.authority,
        recipients=tuple(recipients),
        copies=closing.copies if closing.copies is not None else fallback.copies,
        copy_permission=closing.copy_permission or fallback.copy_permission,
        page_count=len(pages),
        title=_label(doc_type),
        addressees=tuple(pick("addressees")),
    )
