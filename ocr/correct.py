"""Vietnamese post-OCR correction: syllables that cannot be Vietnamese, and lost tone marks.

Tesseract's Vietnamese model still returns syllables no Vietnamese word has (`cubng` for
"cùng", `tarn` for "tầm", `lye` for "lực", `each` for "cách") and drops or swaps marks on valid
ones (`cai cach hanh chinh`, `hieu lye`). Each word is compared with the closed inventory of
written syllables (`ocr.syllables`); candidates are syllables reachable by the edits OCR makes
(a mark added, dropped or changed; b/h, c/e, rn/m, cl/d, y/u... at a reduced cost), scored by
that edit cost and by a syllable bigram model counted from Vietnamese text written for the
project (`ocr/data/vi_text.txt`, built by `tools/vi_text.py`; never the evaluation corpus).

What is never touched: anything holding a digit or a symbol (numbers, dates, `27-KH/ĐU`,
`V/v`), words written in capitals that are not syllables (UBND, HĐND: abbreviations), and a
valid syllable unless the context clearly asks for other marks. A capitalised word that is
not a syllable (a name, a foreign word) is changed only by a cheap, typical OCR confusion.
`bench/ocr_quality.py` measures the result, and the over-corrections apart.

`correct_words` takes tesseract's words with their confidences and returns the new texts,
one per word, so the hOCR (hence the PDF text layer) and the indexed text agree.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ocr.syllables import inventory, tone_of
from sohoa.vntext import fold

DATA = Path(__file__).with_name("data") / "vi_text.txt"
# a word between ordinary punctuation; anything else (b/c, V/v, 27-KH/ĐU, 3,5) is left alone
# letters: word characters that are neither digits (`\d` misses the raised ² and ³ and ½) nor _
_LETTER = "[^\\W\\d_\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u2079]"
_CORE = re.compile(rf"^([(\[\"'“‘]*)({_LETTER}+)([.,;:!?…)\]\"'”’]*)$")
_SYL = re.compile(rf"{_LETTER}+")
START = "<s>"

# Confusions of tesseract on Vietnamese scans, on accent-folded letters: (read, meant) -> cost.
# Plain substitutions and missing letters cost 1; a letter read in excess costs 0.8 (a tone or
# vowel mark is often read as a letter of its own, as in `cubng` for "cùng").
EXTRA_LETTER = 0.8
_CHEAP: dict[tuple[str, str], float] = {}
for a, b, cost in [("b", "h", 0.5), ("c", "e", 0.5), ("e", "c", 0.5), ("h", "b", 0.6),
                   ("l", "i", 0.5), ("i", "l", 0.5), ("y", "u", 0.6), ("u", "y", 0.7),
                   ("n", "u", 0.6), ("u", "n", 0.6), ("o", "a", 0.7), ("a", "o", 0.7),
                   ("e", "o", 0.7), ("o", "e", 0.7), ("c", "o", 0.7), ("o", "c", 0.7),
                   ("t", "f", 0.6), ("f", "t", 0.6), ("i", "t", 0.8), ("l", "t", 0.7),
                   ("rn", "m", 0.4), ("m", "rn", 0.5), ("cl", "d", 0.4), ("ii", "u", 0.5),
                   ("in", "m", 0.6), ("ri", "n", 0.6), ("li", "h", 0.6), ("nn", "m", 0.6),
                   ("d", "đ", 0.0), ("g", "q", 0.7), ("q", "g", 0.7), ("v", "y", 0.6),
                   ("y", "v", 0.6), ("j", "i", 0.5), ("i", "j", 0.8)]:
    _CHEAP[(a, b)] = cost

_MULTI = [(k, v) for k, v in _CHEAP.items() if len(k[0]) + len(k[1]) > 2]

# Score units are natural logs of probabilities; an edit costs this many nats per unit.
EDIT_NATS = 4.0
MARK_NATS = 1.6  # one tone or vowel mark added, dropped or changed
NAME_MARGIN = 12.0  # the same for a capitalised syllable the model's text never holds
VALID_MARGIN = 5.0  # a valid syllable is re-marked only when context gains this much (nats)
MAX_EDIT = 1.5
MAX_SYLLABLE_LETTERS = 7  # nghiêng
# Tesseract's character choices (lstm_choice_mode 2): a choice under this confidence is noise.
CHOICE_FLOOR = 10.0
# A valid syllable becomes another that tesseract also considered when context gains this much.
CHOICE_MARGIN = 2.5
# A word under this tesseract confidence that is no syllable and holds no digit is dropped.
NOISE_CONFIDENCE = 40
# Letters mixed with signs (`/(v`, `ƯNNG...e.e.vÌ`) read under this confidence are never text.
GARBLED_CONFIDENCE = 20
# A lost space between two syllables (`bíthư` for "bí thư").
GLUE_NATS = 2.0
# A letter standing alone is noise under these confidences: a consonant (`n`, `k`: no word, and an
# initial or a list's letter carries its full stop or bracket), a letter Vietnamese never writes.
LONE_LETTER_CONFIDENCE = 60
LONE_FOREIGN_CONFIDENCE = 95
_TEXT_PUNCTUATION = set(".,;:!?()[]\"'“”‘’-–—/*%…+•&=§°№×□☐#@")
_VI_ALPHABET = set("aăâbcdđeêghiklmnoôơpqrstuưvxy") | {
    unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy"
    for t in ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")}


@dataclass(frozen=True)
class Model:
    unigrams: Counter[str]
    bigrams: Counter[tuple[str, str]]
    total: int
    by_fold: dict[str, tuple[str, ...]]  # folded syllable -> inventory syllables with it

    def logp(self, word: str, prev: str) -> float:
        """Stupid backoff: the bigram's relative frequency, else 0.4 x the unigram's."""
        pair = self.bigrams.get((prev, word), 0)
        if pair:
            return math.log(pair / max(1, self.unigrams.get(prev, 0) or 1))
        uni = (self.unigrams.get(word, 0) + 0.1) / (self.total + 0.1 * len(self.by_fold))
        return math.log(0.4 * uni)

    def seen(self, prev: str, word: str) -> bool:
        return (prev, word) in self.bigrams


def _tokens(text: str) -> list[str]:
    return _SYL.findall(unicodedata.normalize("NFC", text).lower())


@lru_cache(maxsize=1)
def model() -> Model:
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    inv = inventory()
    for line in DATA.read_text(encoding="utf-8").splitlines():
        # a sentence or clause per segment: punctuation breaks the chain
        for part in re.split(r"[.,;:()\"“”!?/]| - ", line):
            words = [w for w in _tokens(part) if w in inv]
            prev = START
            for w in words:
                unigrams[w] += 1
                bigrams[(prev, w)] += 1
                prev = w
            unigrams[START] += 1
    by_fold: dict[str, list[str]] = {}
    for syl in inv:
        by_fold.setdefault(fold(syl), []).append(syl)
    return Model(unigrams=unigrams, bigrams=bigrams,
                 total=sum(v for k, v in unigrams.items() if k != START),
                 by_fold={k: tuple(v) for k, v in by_fold.items()})


def edit_cost(read: str, meant: str) -> float:
    """Weighted edit distance between two accent-folded strings (OCR confusions cheap)."""
    n, m = len(read), len(meant)
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        d[i][0] = EXTRA_LETTER * i
    for j in range(1, m + 1):
        d[0][j] = float(j)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = 0.0 if read[i - 1] == meant[j - 1] else _CHEAP.get((read[i - 1], meant[j - 1]),
                                                                     1.0)
            best = min(d[i - 1][j] + EXTRA_LETTER, d[i][j - 1] + 1.0, d[i - 1][j - 1] + sub)
            for (a, b), cost in _MULTI:
                if i >= len(a) and j >= len(b) \
                        and read[i - len(a):i] == a and meant[j - len(b):j] == b:
                    best = min(best, d[i - len(a)][j - len(b)] + cost)
            d[i][j] = best
    return d[n][m]


_LETTERS = "abcdeghiklmnopqrstuvxy"


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return out


def _cheap_edits(word: str) -> set[str]:
    out = set()
    for (a, b), _ in _CHEAP.items():
        start = word.find(a)
        while start >= 0:
            out.add(word[:start] + b + word[start + len(a):])
            start = word.find(a, start + 1)
    return out


def _near(folded: str) -> set[str]:
    """Folded syllables one edit away, or two when one of them is a typical confusion."""
    keys = model().by_fold
    first = _edits1(folded) | _cheap_edits(folded)
    found = {k for k in first if k in keys}
    for w in first:
        found |= {k for k in _cheap_edits(w) if k in keys}
    for w in _cheap_edits(folded):
        found |= {k for k in _edits1(w) if k in keys}
    found.discard(folded)
    return found


def _mark_changes(read: str, meant: str) -> int:
    """Tone and vowel marks that differ between two syllables."""
    changes = int(tone_of(read) != tone_of(meant))
    base_r = "".join(c for c in unicodedata.normalize("NFD", read) if c not in
                     "\u0300\u0301\u0309\u0303\u0323")
    base_m = "".join(c for c in unicodedata.normalize("NFD", meant) if c not in
                     "\u0300\u0301\u0309\u0303\u0323")
    marks_r = [c for c in unicodedata.normalize("NFD", base_r) if unicodedata.combining(c)]
    marks_m = [c for c in unicodedata.normalize("NFD", base_m) if unicodedata.combining(c)]
    changes += sum((Counter(marks_r) - Counter(marks_m)).values())
    changes += sum((Counter(marks_m) - Counter(marks_r)).values())
    changes += int(("đ" in read) != ("đ" in meant))
    if changes == 2 and {_BREVE_A, _HOOK_A} == {_a_mark(read), _a_mark(meant)}:
        changes = 1  # a small hook above an `a` is read as a breve, and back: one confusion
    return changes


_BREVE_A, _HOOK_A = "a\u0306", "a\u0309"


def _a_mark(syl: str) -> str | None:
    """The `a` with a breve and no tone (`ă`), or with a hook above and no breve (`ả`)."""
    nfd = unicodedata.normalize("NFD", syl)
    for found in (_BREVE_A, _HOOK_A):
        at = nfd.find(found)
        if at >= 0 and not any(unicodedata.combining(c) for c in nfd[at + 2:at + 3]):
            return found
    return None


@lru_cache(maxsize=4096)
def candidates(read: str, valid: bool) -> tuple[tuple[str, float], ...]:
    """(syllable, channel cost in nats) for an OCR reading (lower-case, NFC)."""
    lm = model()
    folded = fold(read)
    out: dict[str, float] = {}
    for syl in lm.by_fold.get(folded, ()):
        out[syl] = MARK_NATS * _mark_changes(read, syl)
    if not valid and len(folded) <= MAX_SYLLABLE_LETTERS + 2:  # a longer reading is no syllable
        for key in _near(folded):
            cost = edit_cost(folded, key)
            if cost > MAX_EDIT:
                continue
            for syl in lm.by_fold[key]:
                # the marks tesseract did read are evidence too: keep the tone if it fits
                marks = int(tone_of(read) != tone_of(syl))
                out[syl] = EDIT_NATS * cost + MARK_NATS * 0.5 * marks
    return tuple(out.items())


def _case_like(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


Choices = list[list[tuple[str, float]]]  # per character: (character, confidence 0-100)


def choice_cost(read: str, syl: str, choices: Choices | None) -> float | None:
    """Nats that tesseract's own choices charge for `syl` where it read `read`.

    Only for a candidate of the same length, every changed character among the characters
    tesseract considered at that position: the log ratio of its first choice's confidence to
    the candidate's. None when the choices say nothing about the candidate."""
    if not choices or len(choices) != len(read) or len(syl) != len(read):
        return None
    cost = 0.0
    for have, want, group in zip(read, syl, choices, strict=True):
        if have == want:
            continue
        conf = max((p for c, p in group if c.lower() == want), default=0.0)
        if conf < CHOICE_FLOOR:
            return None
        cost += math.log(max(group[0][1], conf) / conf)
    return cost


def choice_readings(read: str, choices: Choices | None) -> set[str]:
    """Syllables spelt by tesseract's choices, up to a few positions changed."""
    if not choices or len(choices) != len(read):
        return set()
    options = [[read[i]] + [c.lower() for c, p in group[1:]
                            if p >= CHOICE_FLOOR and c.isalpha() and c.lower() != read[i]][:3]
               for i, group in enumerate(choices)]
    open_positions = [i for i, o in enumerate(options) if len(o) > 1][:4]
    found = {""}
    for i, opts in enumerate(options):
        found = {f + c for f in found for c in (opts if i in open_positions else opts[:1])}
    inv = inventory()
    return {f for f in found if f in inv and f != read}


def correct_words(words: list[tuple[str, int]],
                  choices: list[Choices | None] | None = None) -> list[str]:
    """New text for each (text, confidence) word, in reading order; `choices`, when given, are
    tesseract's character choices of each word (`ocr.plugin.split_choices`).

    Left to right; each word is scored with the word before it as corrected and the word after
    it as it may be."""
    return _correct_pass(words, choices or [None] * len(words))


def _correct_pass(words: list[tuple[str, int]], choices: list[Choices | None]) -> list[str]:
    lm = model()
    inv = inventory()
    # a syllable with a stamp's edge or specks stuck to it (`==Vũ`, `\u0060>=<Hoàng`) is the
    # syllable: the signs go before it is read
    words = [(_unstuck(w.strip()), c) for w, c in words]
    out = [w for w, _ in words]
    cores: list[str | None] = []
    for text, _ in words:
        m = _CORE.match(unicodedata.normalize("NFC", text))
        cores.append(m.group(2).lower() if m else None)
    prev = START
    for i, (text, conf) in enumerate(words):
        core = cores[i]
        if core is not None and len(core) == 1:
            # a list's `b)`, a clause's `điểm đ`, an initial: a letter alone is left as read
            prev = core if core in inv else START
            continue
        if core is None:
            prev = START  # a number or symbol breaks the chain
            unit = _UNIT.match(text)
            if unit and i and _NUMBER.match(words[i - 1][0]):
                # an area or a volume after a number: tesseract reads the raised 2 or 3 as a
                # digit on the line (`120 m2` for "120 m²")
                out[i] = unit.group(1) + "²³"[int(unit.group(2)) - 2] + unit.group(3)
            continue
        m = _CORE.match(unicodedata.normalize("NFC", text))
        assert m is not None
        head, raw, tail = m.groups()
        nxt = cores[i + 1] if i + 1 < len(cores) and cores[i + 1] else None
        valid = core in inv
        caps = raw.isupper() and len(raw) > 1
        titled = raw[:1].isupper() and not caps
        if not valid and caps:
            cands = [(s, c) for s, c in candidates(core, True)]  # marks only: UBND stays
        else:
            cands = list(candidates(core, valid))
        # tesseract's choices for the word's letters, when they line up with them
        word_choices = choices[i]
        own_choices = (word_choices[len(head):len(head) + len(raw)]
                       if word_choices and len(word_choices) == len(text) else None)
        seen_by_tesseract: set[str] = set()
        if own_choices and not (caps and not valid):
            known = {s for s, _ in cands}
            cands += [(s, math.inf) for s in choice_readings(core, own_choices) if s not in known]
        if own_choices:
            priced = []
            for s, c in cands:
                alt = choice_cost(core, s, own_choices)
                if alt is not None:
                    seen_by_tesseract.add(s)
                    c = min(c, alt)
                priced.append((s, c))
            cands = [(s, c) for s, c in priced if c < math.inf]
        # The right neighbour as it may really be: itself, or any of its other marked forms
        # (at their cost), so two misread neighbours (`chuyến đối` for "chuyển đổi") or a run
        # that lost every mark are restored together.
        ahead: list[tuple[str, float]] = []
        if nxt is not None and nxt in inv:
            ahead = [(nxt, 0.0)]
            ahead += [(s, c) for s, c in candidates(nxt, True) if s != nxt]

        def look(syl: str) -> float:
            return max((lm.logp(v, syl) - c for v, c in ahead), default=0.0)

        def score(syl: str, channel: float) -> float:
            return lm.logp(syl, prev) - channel + look(syl)

        glued = None if valid else _split_glued(core, prev, look)
        if glued is not None and (not cands or glued[0] > max(score(s, c) for s, c in cands)):
            _, cut = glued
            out[i] = (head + _case_like(raw[:cut], core[:cut]) + " "
                      + _case_like(raw[cut:], core[cut:]) + tail)
            prev = core[cut:]
            continue
        if not cands:
            prev = core if valid else START
            continue

        scored = sorted(((score(s, c), s, c) for s, c in cands), reverse=True)
        best_score, best, channel = scored[0]
        choice = core
        if valid:
            # A real syllable is re-marked only on clear evidence: one mark changed, the new
            # form attested next to its neighbours in the model's text, and a clear gain. The
            # reading being attested too (`các chỉ` beside "các chi bộ", `thương` at a line's
            # start) is no reason to keep it: the gain weighs both (docs/ocr.md §3).
            here = score(core, 0.0)
            supported = lm.seen(prev, best) or any(lm.seen(best, v) for v, _ in ahead)
            # a reading with no mark at all is the typical loss (a line read as plain ASCII)
            allowed = 2 if fold(core) == core else 1
            # a capitalised real syllable may be a name (Cà Mau, Lã, Đàm) the model has
            # never seen, which costs it about 8 nats: it needs a wider margin
            margin = NAME_MARGIN if titled and lm.unigrams.get(core, 0) == 0 else VALID_MARGIN
            if (best != core and supported
                    and _mark_changes(core, best) <= allowed
                    and best_score - here > margin):
                choice = best
            elif best in seen_by_tesseract and best_score - here > CHOICE_MARGIN:
                # tesseract itself hesitated between the two readings: the context decides
                choice = best
        elif titled and channel > EDIT_NATS * 0.5 + MARK_NATS:
            choice = core  # a name or a foreign word, unless the confusion is typical
        elif channel <= EDIT_NATS * MAX_EDIT or best in seen_by_tesseract:
            choice = best
        if choice != core:
            out[i] = head + _case_like(raw, choice) + tail
        prev = choice if choice in inv else START
        del conf
    return out


def _split_glued(core: str, prev: str,
                 look: Callable[[str], float]) -> tuple[float, int] | None:
    """(score, cut) for a reading that is two syllables run together (`bíthư`, `hoạttạm`: the
    space between them lost in a tight or letter-spaced line), when the pair is attested in the
    model's text; None otherwise. Scored like a candidate, the lost space costing GLUE_NATS."""
    lm = model()
    inv = inventory()
    best: tuple[float, int] | None = None
    for cut in range(1, len(core)):
        left, right = core[:cut], core[cut:]
        if left in inv and right in inv and lm.seen(left, right):
            total = lm.logp(left, prev) + lm.logp(right, left) - GLUE_NATS + look(right)
            if best is None or total > best[0]:
                best = (total, cut)
    return best


# b/c, K/T, V/v, GD&ĐT, QĐ-UBND, TP.HCM, an e-mail address: symbols, never noise
_SLASHED = re.compile(r"^[(\[]*[^\W\d_]+(?:[/&.\-@][^\W\d_]+)+[.,;:)\]]*$")
_UNIT = re.compile(r"^((?:k|c|d)?m)([23])([.,;:)]*)$")
_NUMBER = re.compile(r"^\(?\d[\d.,]*$")
_SPECKS = "=~|\\\\`<>„^_{}¬"  # signs tesseract makes of specks and stamp edges
_STUCK = re.compile(rf"^[{_SPECKS}]+(?=\w)|(?<=\w)[{_SPECKS}]+$")


def _unstuck(text: str) -> str:
    """`text` without speck signs stuck to its edges when what remains is a syllable."""
    text = unicodedata.normalize("NFC", text)
    bare = _STUCK.sub("", text)
    if bare == text:
        return text
    m = _CORE.match(bare)
    return bare if m and m.group(2).lower() in inventory() else text


def is_noise(text: str, confidence: int) -> bool:
    """A word tesseract was unsure of that is neither Vietnamese nor a number: specks, streaks
    and stamp edges read as letters (`Teeet`, `rð`, a lone `n` or `z`). Kept, they are wrong
    words in the index and the text layer; a real word read this badly is lost either way.
    Like the correction, this leaves alone anything holding a digit or a symbol (`b/c`, `K/F`,
    `09-HD`), words in capitals (UBND, HĐND), and a letter with punctuation beside it (the
    `a)` of a list, the initial `V.`). Punctuation standing alone is kept when it is the
    punctuation of text (a list's dash, a separator, the issuer's star) and dropped when it is
    a sign no administrative text uses (`¬`, `„`, `|`, `~`), whatever tesseract's confidence."""
    text = unicodedata.normalize("NFC", text).strip()
    if " " in text:  # two syllables the correction split apart (`bí thư`)
        return all(is_noise(part, confidence) for part in text.split())
    if not any(ch.isalnum() for ch in text):
        # punctuation alone: a list's dash, a separator, a bracket are text; a `¬`, `„`, `|`,
        # `~` or `\\` is a speck or a stamp's edge (administrative text has no such sign)
        return any(ch not in _TEXT_PUNCTUATION for ch in text)
    m = _CORE.match(text)
    if m is None:
        # a number or a document symbol (`09-HD/BXDĐ`, `b/c`, `K/T`) is kept; letters tangled
        # with signs no text uses (`Z⁄...„x`, `F”_-=r`), read unsure, are a stamp or specks
        if any(ch.isdigit() for ch in text) or _SLASHED.match(text):
            return False
        return confidence < GARBLED_CONFIDENCE or (confidence < NOISE_CONFIDENCE and any(
            not ch.isalpha() and ch not in _TEXT_PUNCTUATION for ch in text))
    head, core, tail = m.groups()
    if len(core) == 1:
        if head or tail:
            return False
        letter = core.lower()
        if core.isupper():  # Chương V, lần thứ X, Phụ lục B, nhóm A
            return confidence < NOISE_CONFIDENCE
        if letter not in _VI_ALPHABET:  # z, f, w, j, š, ƒ: no Vietnamese word is one of them
            return confidence < LONE_FOREIGN_CONFIDENCE
        if letter not in inventory():  # a consonant alone: n, x, k, t
            return confidence < LONE_LETTER_CONFIDENCE
        return confidence < NOISE_CONFIDENCE  # a vowel is a word (ở, ý), seldom read at 30
    if confidence >= NOISE_CONFIDENCE or core.isupper():
        return False  # sure enough, or capitals (UBND, COVID: an abbreviation)
    return core.lower() not in inventory()


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9,
          "X": 10}
_HEADING_NUMBER = re.compile(r"^(I{1,3}|IV|VI{0,3}|IX|X)\.$")
# Box width over height of a printed `II.` and `III.` in Times New Roman (the font Nghị định
# 30/2020/NĐ-CP and Hướng dẫn 36-HD/VPTW prescribe), measured through the whole OCR stage on
# generated pages at 150, 200 and 300 dpi: bold `II.` 1.32-1.44, bold `III.` 1.88-2.03 (the
# one tesseract misreads); regular 1.15-1.18 and 1.62-1.72 (read right).
THREE_STROKES_ASPECT = 1.7


def number_headings(texts: list[str], line_starts: list[bool],
                    aspects: list[float] | None = None) -> list[str]:
    """Section numbers `III.` that tesseract read as `II.` restored.

    Tesseract's Vietnamese model reads the three strokes of a bold `III` as two on nearly every
    page (the dev corpus, the samples and the generated scans alike), so a report's sections
    come out I, II, II, IV. A line that opens with `II.` is section III when its box is as wide
    as three strokes (`aspects`, width over height), or when on the same page it follows a
    line that opened with `II.` or comes before one that opens with `IV.`."""
    out = list(texts)
    heads = [(i, _ROMAN[m.group(1)]) for i, (t, first) in enumerate(zip(texts, line_starts,
                                                                          strict=True))
             if first and (m := _HEADING_NUMBER.match(t.strip()))]
    for k, (i, value) in enumerate(heads):
        if value != 2:
            continue
        before = heads[k - 1][1] if k else None
        after = heads[k + 1][1] if k + 1 < len(heads) else None
        wide = aspects is not None and aspects[i] >= THREE_STROKES_ASPECT
        # before IV only when nothing came before it on the page: after I, the II is real
        # and the III was lost (`Ill.`, `III.TỔ`)
        if wide or before == 2 or (after == 4 and before is None):
            out[i] = texts[i].replace("II.", "III.", 1)
            heads[k] = (i, 3)
    return out


def correct_text(text: str) -> str:
    """The same correction over plain text (whitespace kept), for tests and tools."""
    parts = re.split(r"(\s+)", text)
    idx = [i for i, p in enumerate(parts) if p and not p.isspace()]
    new = correct_words([(parts[i], 0) for i in idx])
    for i, w in zip(idx, new, strict=True):
        parts[i] = w
    return "".join(parts)





