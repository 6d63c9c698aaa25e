"""Snippets for result lists: the best window of the stored text, HTML-escaped, matches in <mark>.

Shared by all backends. Matching is done on the folded copy of the text, which has the same
length as the NFC text, so a match found without diacritics is marked in the original. Every
piece of text is escaped: OCR text is hostile (it may contain "<script>").
"""

from __future__ import annotations

import html
import re

from search.analysis import MAX_SYLLABLE_CHARS, SYLLABLE, fold_fast, no_underscore
from sohoa.vntext import nfc

MAX_SNIPPET_CHARS = 260


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _matches(folded: str, terms: set[str], prefixes: tuple[str, ...], fuzzy: bool
             ) -> list[tuple[int, int, str]]:
    """(start, end, term) of every query syllable in the folded text."""
    out: list[tuple[int, int, str]] = []
    if fuzzy:
        # Rare path (the fuzzy fallback was used): compare every syllable.
        for m in SYLLABLE.finditer(folded):
            word = m.group(0)
            if len(word) > MAX_SYLLABLE_CHARS:
                continue
            hit = word if word in terms or any(word.startswith(p) for p in prefixes) else next(
                (t for t in terms if len(t) >= 3 and _within_one_edit(word, t)), None)
            if hit is not None:
                out.append((m.start(), m.end(), hit))
        return out
    alternatives = [re.escape(t) for t in sorted(terms, key=len, reverse=True)]
    alternatives += [re.escape(p) + r"\w*" for p in prefixes]
    if not alternatives:
        return out
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    for m in pattern.finditer(folded):
        word = m.group(0)
        label = word if word in terms else next((p for p in prefixes if word.startswith(p)), word)
        out.append((m.start(), m.end(), label))
    return out


def snippet_html(text: str, terms: set[str], prefixes: tuple[str, ...] = (),
                 fuzzy: bool = False, max_chars: int = MAX_SNIPPET_CHARS) -> str:
    """The window of `text` with the most distinct query syllables, escaped, with <mark>s."""
    text = nfc(text or "")
    if not text:
        return ""
    folded = no_underscore(fold_fast(text))
    matches = _matches(folded, terms, prefixes, fuzzy)
    # Best window: most distinct terms, then most adjacent matches (phrases), then most matches.
    best_start, best_score = 0, (0, 0, 0)
    j = 0
    for i, (s, _e, _t) in enumerate(matches):
        lo = max(0, s - 40)
        hi = lo + max_chars
        j = max(j, i)
        while j + 1 < len(matches) and matches[j + 1][1] <= hi:
            j += 1
        window = matches[i: j + 1]
        distinct = len({t for _s, _e, t in window})
        adjacent = sum(1 for a, b in zip(window, window[1:], strict=False) if b[0] - a[1] <= 2)
        score = (distinct, adjacent, len(window))
        if score > best_score:
            best_start, best_score = lo, score
    start = best_start
    if start > 0:
        # Begin at a line start if one is close, else at a word boundary.
        line_start = text.rfind("\n", 0, start) + 1
        if start - line_start < 40:
            start = line_start
        else:
            space = text.find(" ", start, start + 20)
            start = space + 1 if space >= 0 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        if cut > start + max_chars // 2:
            end = cut
    out: list[str] = []
    pos = start
    for s, e, _t in matches:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s], quote=True))
        out.append("<mark>" + html.escape(text[s:e], quote=True) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end], quote=True))
    body = " ".join("".join(out).split())
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")
