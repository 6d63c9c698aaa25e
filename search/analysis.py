"""Vietnamese text analysis shared by every search backend.

One pass over the NFC text gives the syllables (maximal runs of letters and digits) with their
character spans; from them come the three views the index keeps:

- exact: lower-cased NFC syllables ("cải", "cách"),
- folded: tones and vowel marks removed, đ→d ("cai", "cach"), same positions as exact,
- pairs: adjacent folded syllables as one term ("cai_cach"), so a two-syllable word or phrase is
  one term lookup and a longer phrase an AND of a few rare terms.

The backends are handed these token lists joined by spaces and split them on whitespace, so the
index and the query side can never disagree on what a syllable is. No English analyzer anywhere:
its stop list and stemmer delete or mangle real Vietnamese syllables once folded ("an", "the",
"do", "on", "in" are all Vietnamese syllables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sohoa.vntext import fold, nfc

# Letters and digits. "_" joins the syllables of a pair term, so it is never part of a syllable:
# `no_underscore` turns it into a space first (same length; `\w+` is twice as fast as a class
# that excludes "_").
SYLLABLE = re.compile(r"\w+")


def no_underscore(text: str) -> str:
    return text.replace("_", " ") if "_" in text else text
# Hostile OCR output can hold very long runs of letters: they are not syllables.
MAX_SYLLABLE_CHARS = 40


class _FoldTable(dict):  # type: ignore[type-arg]
    """str.translate table computed on demand: char -> folded char (always one char)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = fold(ch)
        value = folded if len(folded) == 1 else (ch.lower() if len(ch.lower()) == 1 else ch)
        self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def fold_fast(text_nfc: str) -> str:
    """`sohoa.vntext.fold` for text that is already NFC, through a cached translate table.

    Same length as the input, so a span in the folded copy is the same span in the original.
    """
    return text_nfc.translate(_FOLD_TABLE)


@dataclass(frozen=True)
class Analysed:
    exact: tuple[str, ...]
    folded: tuple[str, ...]  # same length and positions as `exact`

    @property
    def pairs(self) -> tuple[str, ...]:
        return tuple(pairs_of(self.folded))


def analyse(text: str) -> Analysed:
    """Syllables of `text` in the exact and folded views (the index's hot path).

    Folding maps a letter to a letter and lower-casing keeps the length for Vietnamese, so both
    views split at the same places; `findall` on each is much faster than a loop over matches.
    The slow path (per-match slicing) handles text where that does not hold.
    """
    text = no_underscore(nfc(text))
    lower = text.lower()
    folded = SYLLABLE.findall(fold_fast(text))
    exact = SYLLABLE.findall(lower) if len(lower) == len(text) else []
    if len(exact) != len(folded):
        exact = []
        for m in SYLLABLE.finditer(fold_fast(text)):
            word = text[m.start(): m.end()].lower()
            exact.append(word if SYLLABLE.fullmatch(word) else m.group(0))
    if any(len(w) > MAX_SYLLABLE_CHARS for w in folded):
        keep = [i for i, w in enumerate(folded) if len(w) <= MAX_SYLLABLE_CHARS]
        folded = [folded[i] for i in keep]
        exact = [exact[i] for i in keep]
    return Analysed(tuple(exact), tuple(folded))


def pairs_of(folded: tuple[str, ...] | list[str]) -> list[str]:
    return [a + "_" + b for a, b in zip(folded, folded[1:], strict=False)]


def has_marks(word: str) -> bool:
    """True when the word carries tones, vowel marks or đ (it differs from its folded form)."""
    return fold_fast(nfc(word)) != nfc(word).lower()


# -- document numbers ---------------------------------------------------------------------------

def normalise_number(text: str) -> str:
    """Document numbers as one key however typed: 27-KH/ĐU, 27 KH DU, 27/KH-DU -> 27khdu."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


# A number, optionally with more number groups (15/2025), then one or more letter groups
# separated by -, /, . or spaces: "27-KH/ĐU", "27 kh du", "15/2025/QĐ-UBND", "1432/UBND-VHXH".
_NUMBER_SPAN = re.compile(
    r"(?<![^\W_])(\d{1,6}(?:\s*[/.\-]\s*\d{1,6})*)((?:[\s/.\-]+[^\W\d_]{1,12}){1,6})"
)
_LETTER_GROUP = re.compile(r"[^\W\d_]+")


def number_keys(query_text: str) -> list[str]:
    """Candidate number keys in a query.

    The end of a symbol typed with spaces is ambiguous ("27 KH DU cải cách"), so every prefix
    with at least one letter group is a candidate; only the real one exists in the index.
    """
    folded = fold(query_text)
    keys: list[str] = []
    for m in _NUMBER_SPAN.finditer(folded):
        digits = re.sub(r"\D", "", m.group(1))
        letters = _LETTER_GROUP.findall(m.group(2))
        for n in range(1, len(letters) + 1):
            key = digits + "".join(letters[:n])
            if key not in keys:
                keys.append(key)
    return keys[:12]
