"""Vietnamese text analysis for the index: NFC, syllables, folded syllables, syllable pairs.

No English analyzer: its stop list and stemmer delete or mangle real Vietnamese syllables once
folded ("an", "the", "do", "on" are Vietnamese syllables).
"""

from __future__ import annotations

import re

from whoosh.analysis import Filter, RegexTokenizer, Token, Tokenizer

from sohoa.vntext import fold, nfc

_SYLLABLE = re.compile(r"\w+", re.UNICODE)


class NfcLowerTokenizer(Tokenizer):
    """Syllables of the NFC text, lower-cased, with character offsets into the NFC text."""

    def __init__(self, folded: bool) -> None:
        self.folded = folded

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NfcLowerTokenizer) and other.folded == self.folded

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,  # type: ignore[no-untyped-def]
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        text = nfc(value)
        view = fold(text) if self.folded else text.lower()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, m in enumerate(_SYLLABLE.finditer(view)):
            token.text = m.group(0).replace("_", "")
            if not token.text:
                continue
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text[m.start(): m.end()]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + m.start()
                token.endchar = start_char + m.end()
            yield token


class PairFilter(Filter):
    """Adjacent syllable pairs as single terms ("cai cach" -> "cai_cach")."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PairFilter)

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        prev_text = None
        prev_start = 0
        for t in tokens:
            if prev_text is not None:
                text = t.text
                t.text = f"{prev_text}_{text}"
                start, end = getattr(t, "startchar", 0), getattr(t, "endchar", 0)
                if hasattr(t, "startchar"):
                    t.startchar = prev_start
                yield t
                t.text = text
                if hasattr(t, "startchar"):
                    t.startchar, t.endchar = start, end
            prev_text = t.text
            prev_start = getattr(t, "startchar", 0)


def exact_analyzer():  # type: ignore[no-untyped-def]
    return NfcLowerTokenizer(folded=False)


def folded_analyzer():  # type: ignore[no-untyped-def]
    return NfcLowerTokenizer(folded=True)


def pair_analyzer():  # type: ignore[no-untyped-def]
    return NfcLowerTokenizer(folded=True) | PairFilter()


def normalise_number(text: str) -> str:
    """Document numbers as one key however typed: 27-KH/ĐU, 27 KH DU, 27/KH-DU -> 27khdu."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


def id_tokenizer():  # type: ignore[no-untyped-def]
    return RegexTokenizer(r"\S+")
