"""Whoosh implementation of the search backend, with Vietnamese-aware fields.

Fields: `exact` (NFC syllables), `folded` (tones and marks removed; stores the text for
snippets), `pairs` (folded syllable pairs, for fast phrase-like matching), `number_key`
(document number normalised), plus facets. One writer at a time (Whoosh's lock); commits are
batched by the caller.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from whoosh import highlight, index, sorting
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import (
    And,
    AndMaybe,
    Every,
    FuzzyTerm,
    NumericRange,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
    TermRange,
)

from search.analysis import (
    exact_analyzer,
    folded_analyzer,
    normalise_number,
    pair_analyzer,
)
from search.backend import IndexDocument, SearchHit, SearchQuery, SearchResults
from sohoa.vntext import fold, nfc

SCHEMA_VERSION = "3"
_QUOTED = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"[\w*]+", re.UNICODE)
_NUMBERISH = re.compile(r"\d+\s*[-/ ]\s*[^\s]*[a-zA-ZĐđ]", re.UNICODE)


def make_schema() -> Schema:
    return Schema(
        doc_id=ID(stored=True, unique=True),
        title=TEXT(analyzer=folded_analyzer(), stored=True, field_boost=2.0),
        exact=TEXT(analyzer=exact_analyzer(), phrase=True),
        folded=TEXT(analyzer=folded_analyzer(), stored=True, phrase=True),
        pairs=TEXT(analyzer=pair_analyzer(), phrase=False),
        number_key=ID(stored=False),
        number_symbol=STORED,
        doc_type=ID(stored=True),
        date=ID(stored=True, sortable=True),
        year=NUMERIC(stored=False),
        issuing_body=ID(stored=True),
        signer=ID(stored=True),
        file_code=ID(stored=True),
        received=DATETIME(stored=False),
    )


class _EscapingFormatter(highlight.Formatter):
    """HTML-escapes everything (OCR text is hostile) and wraps matches in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=True)

    def format_token(self, text, token, replace=False):  # type: ignore[no-untyped-def]
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=True) + "</mark>"


class WhooshBackend:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._ix: index.Index | None = None
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def current(self) -> Path:
        return self.root / "current"

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not self._is_current_valid():
            self._install(self._new_version_dir())

    def _is_current_valid(self) -> bool:
        version_file = self.current / "SCHEMA"
        return version_file.exists() and version_file.read_text().strip() == SCHEMA_VERSION

    def needs_rebuild(self) -> bool:
        return not self._is_current_valid()

    def _new_version_dir(self) -> Path:
        target = self.root / f"v{SCHEMA_VERSION}-{time.time_ns()}"
        target.mkdir(parents=True)
        index.create_in(str(target), make_schema())
        (target / "SCHEMA").write_text(SCHEMA_VERSION + "\n")
        return target

    def _install(self, target: Path) -> None:
        """Atomically point `current` at `target`, then remove older versions."""
        tmp_link = self.root / f".current-{time.time_ns()}"
        os.symlink(target.name, tmp_link)
        os.replace(tmp_link, self.current)
        self._ix = None
        for old in self.root.iterdir():
            if old.is_dir() and not old.is_symlink() and old.name != target.name and old.name.startswith("v"):
                shutil.rmtree(old, ignore_errors=True)

    def _index(self) -> index.Index:
        if self._ix is None:
            if not self._is_current_valid():
                self.create()
            self._ix = index.open_dir(str(self.current))
        return self._ix

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _fields(doc: IndexDocument) -> dict[str, object]:
        text = nfc(f"{doc.title}\n{doc.abstract}\n{doc.number_symbol}\n{doc.text}")
        year = int(doc.date[:4]) if doc.date[:4].isdigit() else 0
        return dict(
            doc_id=doc.doc_id,
            title=nfc(doc.title),
            exact=text,
            folded=text,
            pairs=text,
            number_key=normalise_number(doc.number_symbol) if doc.number_symbol else "",
            number_symbol=doc.number_symbol,
            doc_type=doc.doc_type or "",
            date=doc.date or "",
            year=year,
            issuing_body=nfc(doc.issuing_body or ""),
            signer=nfc(doc.signer or ""),
            file_code=doc.file_code or "",
        )

    def add(self, docs: Sequence[IndexDocument]) -> None:
        if not docs:
            return
        with self._lock:
            writer = self._index().writer(timeout=60)
            try:
                for doc in docs:
                    writer.update_document(**self._fields(doc))
                writer.commit(merge=len(docs) > 50)
            except BaseException:
                writer.cancel()
                raise

    def delete(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        with self._lock:
            writer = self._index().writer(timeout=60)
            try:
                for doc_id in doc_ids:
                    writer.delete_by_term("doc_id", doc_id)
                writer.commit(merge=False)
            except BaseException:
                writer.cancel()
                raise

    def rebuild(self, docs: Iterable[IndexDocument]) -> None:
        """Build a new index directory from `docs` and swap it in atomically."""
        with self._lock:
            target = self._new_version_dir()
            ix = index.open_dir(str(target))
            writer = ix.writer(limitmb=256)
            count = 0
            for doc in docs:
                writer.add_document(**self._fields(doc))
                count += 1
            writer.commit(optimize=True)
            ix.close()
            if self._ix is not None:
                self._ix.close()
            self._install(target)

    def doc_ids(self) -> set[str]:
        with self._index().searcher() as s:
            return {fields["doc_id"] for fields in s.all_stored_fields()}

    # -- searching ---------------------------------------------------------------------------

    def _build_query(self, q: SearchQuery) -> tuple[Query | None, list[str]]:
        text = nfc(q.text).strip()
        clauses: list[Query] = []
        highlight_terms: list[str] = []
        phrases = _QUOTED.findall(text)
        rest = _QUOTED.sub(" ", text)
        for phrase in phrases:
            words = [w.lower() for w in _WORD.findall(phrase)]
            if not words:
                continue
            folded_words = [fold(w) for w in words]
            highlight_terms += folded_words
            if len(words) == 1:
                clauses.append(self._term_query(words[0]))
            else:
                folded_phrase = Phrase("folded", folded_words)
                if any(w != fw for w, fw in zip(words, folded_words, strict=True)):
                    clauses.append(Or([Phrase("exact", words, boost=2.0), folded_phrase]))
                else:
                    clauses.append(folded_phrase)
        number_clause = None
        if _NUMBERISH.search(rest):
            key = normalise_number(rest)
            if key:
                number_clause = Term("number_key", key, boost=10.0)
        words = [w.lower() for w in _WORD.findall(rest)]
        for word in words:
            highlight_terms.append(fold(word.rstrip("*")))
            clauses.append(self._term_query(word))
        if len(words) >= 2:
            # Syllable pairs: documents with the words next to each other rank first.
            folded_words = [fold(w.rstrip("*")) for w in words]
            pair_terms = [Term("pairs", f"{a}_{b}", boost=1.5)
                          for a, b in zip(folded_words, folded_words[1:], strict=False)]
            boost = Or(pair_terms)
        else:
            boost = None
        if not clauses and number_clause is None:
            return None, []
        main: Query | None = And(clauses) if clauses else None
        if main is not None and boost is not None:
            main = AndMaybe(main, boost)
        if number_clause is not None:
            main = Or([main, number_clause]) if main is not None else number_clause
        return main, highlight_terms

    @staticmethod
    def _term_query(word: str) -> Query:
        if word.endswith("*") and len(word) > 2:
            return Prefix("folded", fold(word.rstrip("*")))
        folded = fold(word)
        if folded != word:
            # Typed with diacritics: exact matches rank first, folded ones still match.
            return Or([Term("exact", word, boost=2.0), Term("folded", folded)])
        return Term("folded", folded)

    def _filters(self, q: SearchQuery) -> Query | None:
        parts: list[Query] = []
        if q.doc_type:
            parts.append(Term("doc_type", q.doc_type))
        if q.year:
            parts.append(NumericRange("year", q.year, q.year))
        if q.issuing_body:
            parts.append(Term("issuing_body", nfc(q.issuing_body)))
        if q.signer:
            parts.append(Term("signer", nfc(q.signer)))
        if q.file_code:
            parts.append(Term("file_code", q.file_code))
        if q.date_from or q.date_to:
            parts.append(TermRange("date", q.date_from or None, q.date_to or None))
        return And(parts) if parts else None

    def search(self, q: SearchQuery) -> SearchResults:
        main, terms = self._build_query(q)
        filters = self._filters(q)
        if main is None:
            if filters is None:
                return SearchResults(0, (), q.page, q.page_size)
            main = Every()
        ix = self._index()
        with ix.searcher() as searcher:
            sortedby = None
            reverse = False
            if q.sort in ("date_desc", "date_asc"):
                sortedby = sorting.FieldFacet("date", reverse=q.sort == "date_desc")
            facets = sorting.Facets()
            facets.add_field("doc_type", allow_overlap=False)
            facets.add_field("issuing_body", allow_overlap=False)
            page = max(1, q.page)
            results = searcher.search_page(
                main, page, pagelen=q.page_size, filter=filters, sortedby=sortedby,
                reverse=reverse, groupedby=facets, terms=True,
            )
            corrected = False
            if results.total == 0 and q.text.strip() and not _QUOTED.search(q.text):
                fuzzy = self._fuzzy(q)
                if fuzzy is not None:
                    results = searcher.search_page(
                        fuzzy, page, pagelen=q.page_size, filter=filters, sortedby=sortedby,
                        groupedby=facets, terms=True,
                    )
                    corrected = results.total > 0
            results.results.fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
            results.results.formatter = _EscapingFormatter()
            hits = []
            for hit in results:
                snippet = ""
                if q.highlight:
                    try:
                        snippet = hit.highlights("folded", top=2)
                    except (KeyError, ValueError):
                        snippet = ""
                    if not snippet:
                        snippet = html.escape((hit.get("folded") or "")[:200])
                hits.append(
                    SearchHit(
                        doc_id=hit["doc_id"],
                        title=hit.get("title", ""),
                        snippet_html=snippet,
                        score=float(hit.score or 0.0),
                        number_symbol=hit.get("number_symbol", ""),
                        doc_type=hit.get("doc_type", ""),
                        date=hit.get("date", ""),
                        issuing_body=hit.get("issuing_body", ""),
                    )
                )
            facet_out: dict[str, tuple[tuple[str, int], ...]] = {}
            for name in ("doc_type", "issuing_body"):
                try:
                    groups = results.results.groups(name)
                except KeyError:
                    continue
                counted = sorted(
                    ((str(k), len(v)) for k, v in groups.items() if k),
                    key=lambda kv: (-kv[1], kv[0]),
                )
                facet_out[name] = tuple(counted[:20])
            return SearchResults(
                total=results.total,
                hits=tuple(hits),
                page=page,
                page_size=q.page_size,
                facets=facet_out,
                corrected=corrected,
            )

    def _fuzzy(self, q: SearchQuery) -> Query | None:
        words = [fold(w) for w in _WORD.findall(nfc(q.text)) if len(w) >= 3]
        if not words:
            return None
        return And([FuzzyTerm("folded", w, maxdist=1, prefixlength=1) for w in words])
