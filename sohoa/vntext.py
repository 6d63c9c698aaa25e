"""Vietnamese text helpers shared by classification and search.

All text is NFC-normalised first: scanners, OCR engines and browsers produce both composed and
decomposed forms, and a decomposed "ế" breaks tokenizers and comparisons.

`fold` removes tones and vowel marks (ắ→a, ơ→o, ư→u, đ→d) and lower-cases, character by
character, so the folded string has the same length as the NFC input and a match position in
the folded copy is the same position in the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# OCR engines often read Đ as the Icelandic Ð (U+00D0) or African Ɖ (U+0189).
_D_LOOKALIKES = {"Đ": "d", "đ": "d", "Ð": "d", "ð": "d", "Ɖ": "d", "ɖ": "d"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _D_LOOKALIKES:
        return _D_LOOKALIKES[ch]
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if len(base) != 1:
        return ch.lower() if len(ch.lower()) == 1 else ch
    return base.lower()


def fold(text: str) -> str:
    """Accent-folded, lower-cased copy of `text` (after NFC), same length as `nfc(text)`."""
    return "".join(_fold_char(c) for c in nfc(text))


_WORD = re.compile(r"\w+", re.UNICODE)


def syllables(text: str) -> list[str]:
    """Lower-cased NFC syllables (maximal runs of letters and digits)."""
    return _WORD.findall(nfc(text).lower().replace("_", " "))


def folded_syllables(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("_", " "))


def collapse_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def safe_display_name(name: str, limit: int = 200, keep_slashes: bool = False) -> str:
    """A file name fit to show and log: NFC, no control characters or path separators, bounded.

    With `keep_slashes`, a path for display (still never used to open anything).
    """
    name = nfc(name)
    banned = "" if keep_slashes else "/\\"
    name = "".join(c if c.isprintable() and c not in banned else "_" for c in name)
    if len(name) > limit:
        name = name[: limit - 1] + "…"
    return name or "_"
