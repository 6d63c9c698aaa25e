"""The query language, parsed once for every backend.

- words: every word must match (AND), on folded syllables; a word typed with diacritics also
  scores on the exact view, so exact-diacritic documents rank first;
- "quoted phrases": the syllables must be adjacent, in order;
- word*: a prefix of a folded syllable (at least 2 letters before the star);
- a document number however typed (27-KH/ĐU, 27 KH DU, 27/KH-DU) also matches the number key;
- adjacent unquoted words score more when they are adjacent in the document (pair terms).

The query is capped (characters and syllables) so that a pasted page cannot make a query that
takes seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.analysis import analyse, has_marks, number_keys, pairs_of
from sohoa.vntext import nfc

MAX_QUERY_CHARS = 300
MAX_QUERY_SYLLABLES = 24
MIN_PREFIX_CHARS = 2
# Fuzzy fallback: only when the strict query finds fewer hits than this.
FEW_HITS = 3
MIN_FUZZY_CHARS = 4

_QUOTED = re.compile(r'"([^"]*)"?')
_PREFIX_WORD = re.compile(r"([^\W_]+)\*")


@dataclass(frozen=True)
class Part:
    """One clause that must match: a single syllable, a prefix, or a phrase of syllables."""

    folded: tuple[str, ...]
    exact: tuple[str, ...]
    marked: bool  # typed with diacritics: rank exact-diacritic matches first
    prefix: bool = False  # a single folded syllable used as a prefix

    @property
    def is_phrase(self) -> bool:
        return len(self.folded) > 1

    @property
    def pairs(self) -> list[str]:
        return pairs_of(self.folded)


@dataclass(frozen=True)
class ParsedQuery:
    parts: tuple[Part, ...]
    number_keys: tuple[str, ...] = ()
    # Pairs of adjacent unquoted words: a bonus when they are adjacent in the document.
    proximity_pairs: tuple[str, ...] = ()
    quoted: bool = False

    @property
    def empty(self) -> bool:
        return not self.parts and not self.number_keys

    def highlight_terms(self) -> tuple[set[str], tuple[str, ...]]:
        """Folded syllables and folded prefixes to mark in snippets."""
        terms: set[str] = set()
        prefixes: list[str] = []
        for p in self.parts:
            if p.prefix:
                prefixes.append(p.folded[0])
            else:
                terms.update(p.folded)
        return terms, tuple(prefixes)

    def fuzzy_words(self) -> tuple[str, ...]:
        """Folded syllables for the fuzzy fallback (not for quoted or prefix queries)."""
        if self.quoted or any(p.prefix for p in self.parts):
            return ()
        return tuple(w for p in self.parts for w in p.folded)


def parse_query(text: str) -> ParsedQuery:
    text = nfc(text or "")[:MAX_QUERY_CHARS]
    keys = tuple(number_keys(text))
    parts: list[Part] = []
    budget = MAX_QUERY_SYLLABLES
    quoted = False
    for m in _QUOTED.finditer(text):
        a = analyse(m.group(1))
        folded, exact = a.folded[:budget], a.exact[:budget]
        budget -= len(folded)
        if not folded:
            continue
        quoted = True
        marked = any(e != f for e, f in zip(exact, folded, strict=True))
        parts.append(Part(tuple(folded), tuple(exact), marked))
    rest = _QUOTED.sub(" ", text)
    prefixes = {m.group(1).lower() for m in _PREFIX_WORD.finditer(rest)}
    loose: list[Part] = []
    for raw in re.split(r"\s+", rest):
        a = analyse(raw)
        for i, (e, f) in enumerate(zip(a.exact, a.folded, strict=True)):
            if budget <= 0:
                break
            budget -= 1
            is_last = i == len(a.folded) - 1
            prefix = (is_last and raw.rstrip().endswith("*") and e in prefixes
                      and len(f) >= MIN_PREFIX_CHARS)
            loose.append(Part((f,), (e,), has_marks(e) and not prefix, prefix))
    parts.extend(loose)
    proximity = tuple(
        f"{a.folded[0]}_{b.folded[0]}"
        for a, b in zip(loose, loose[1:], strict=False)
        if not a.prefix and not b.prefix
    )
    # Deduplicate identical parts (a repeated word adds nothing but cost).
    unique: list[Part] = []
    for p in parts:
        if p not in unique:
            unique.append(p)
    return ParsedQuery(tuple(unique), keys, proximity, quoted)
