"""Whoosh implementation of the search backend (pure Python; tantivy is the faster default).

Same fields and scoring as `search.tantivy_backend` (see there): `exact` and `folded` with
positions, `pairs` and `head` with frequencies only, `number_key`, filter/facet columns, and
the NFC text stored in `body` for snippets. The text fields receive our own space-joined
syllables (`search.analysis`) and only split them on spaces, so the Vietnamese analysis runs
once per document instead of once per field.

One writer at a time (Whoosh's lock across processes, a lock in this process); each
`add`/`delete` call is one commit that merges small segments, so documents added one by one do
not pile up segments. `rebuild` writes a new directory with several processes and swaps it in.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from whoosh import index, sorting
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.query import (
    And,
    AndMaybe,
    ConstantScoreQuery,
    Every,
    FuzzyTerm,
    NumericRange,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
)

from search.backend import FACETS, IndexDocument, SearchHit, SearchQuery, SearchResults
from search.documents import DocViews, date_number, document_views, facet_value, iter_views
from search.highlight import snippet_html
from search.query import FEW_HITS, MIN_FUZZY_CHARS, ParsedQuery, Part, parse_query
from search.versions import VersionedDirs

SCHEMA_VERSION = "4"
TIER = 100.0
NUMBER_SCORE = 1000.0
HEAD_BOOST = 1.5
PROXIMITY_BOOST = 1.5
MAX_PAGE = 1000


def make_schema() -> Schema:
    ws = SpaceSeparatedTokenizer()
    return Schema(
        doc_id=ID(stored=True, unique=True, sortable=True),
        exact=TEXT(analyzer=ws, phrase=True),
        folded=TEXT(analyzer=ws, phrase=True),
        pairs=TEXT(analyzer=ws, phrase=False),
        head=TEXT(analyzer=ws, phrase=False),
        number_key=ID(),
        body=STORED,
        title=STORED,
        number_symbol=STORED,
        date=STORED,
        doc_type=ID(stored=True, sortable=True),
        issuing_body=ID(stored=True, sortable=True),
        signer=ID(stored=True, sortable=True),
        file_code=ID(stored=True, sortable=True),
        date_num=NUMERIC(sortable=True, bits=64),
        year=NUMERIC(sortable=True, bits=64),
    )


def _fields(v: DocViews) -> dict[str, object]:
    fields: dict[str, object] = dict(
        doc_id=v.doc_id, exact=v.exact, folded=v.folded, pairs=v.pairs, head=v.head,
        body=v.body, title=v.title, number_symbol=v.number_symbol, date=v.date,
        doc_type=v.doc_type, issuing_body=v.issuing_body, signer=v.signer,
        file_code=v.file_code, date_num=v.date_num, year=v.year,
    )
    if v.number_key:
        fields["number_key"] = v.number_key
    return fields


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root: Path, procs: int | None = None) -> None:
        self.root = root
        self.dirs = VersionedDirs(root, self.name, SCHEMA_VERSION)
        self.procs = procs if procs is not None else min(2, os.cpu_count() or 1)
        self._ix: index.Index | None = None
        self._opened: str | None = None
        self._lock = threading.RLock()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def current(self) -> Path:
        return self.dirs.current

    def create(self) -> None:
        with self._lock:
            if not self.dirs.is_current_valid():
                target = self.dirs.new_dir()
                index.create_in(str(target), make_schema())
                self.dirs.mark_ready(target)
                self.dirs.install(target, complete=False)
                self.close()

    def needs_rebuild(self) -> bool:
        return self.dirs.needs_rebuild()

    def _index(self) -> index.Index:
        with self._lock:
            target = self.dirs.current_target()
            if self._ix is None or target != self._opened:
                if not self.dirs.is_current_valid():
                    self.create()
                    target = self.dirs.current_target()
                self.close()
                self._ix = index.open_dir(str(self.current))
                self._opened = target
            return self._ix

    def close(self) -> None:
        with self._lock:
            if self._ix is not None:
                self._ix.close()
            self._ix = None
            self._opened = None

    # -- writing -----------------------------------------------------------------------------

    def add(self, docs: Sequence[IndexDocument]) -> None:
        if not docs:
            return
        views = [document_views(d) for d in docs]
        with self._lock:
            writer = self._index().writer(timeout=60)
            try:
                for v in views:
                    writer.update_document(**_fields(v))
                writer.commit()  # merges small segments (Whoosh's MERGE_SMALL policy)
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
                writer.commit()
            except BaseException:
                writer.cancel()
                raise

    def rebuild(self, docs: Iterable[IndexDocument], purge: bool = False) -> None:
        """Build a new index directory from `docs` and swap it in atomically."""
        with self._lock:
            target = self.dirs.new_dir()
            try:
                ix = index.create_in(str(target), make_schema())
                if self.procs > 1:
                    writer = ix.writer(procs=self.procs, limitmb=128, multisegment=True)
                else:
                    writer = ix.writer(limitmb=256)
                seen: set[str] = set()
                try:
                    for v in iter_views(docs):
                        if v.doc_id in seen:
                            continue  # a duplicate id: the first wins, as in the catalog
                        seen.add(v.doc_id)
                        writer.add_document(**_fields(v))
                    writer.commit()
                except BaseException:
                    writer.cancel()
                    raise
                ix.close()
                self.dirs.mark_ready(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            self.close()
            self.dirs.install(target, complete=True, purge=purge)

    def doc_ids(self) -> set[str]:
        with self._index().searcher() as s:
            reader = s.reader()
            if reader.doc_count_all() == 0:
                return set()  # an empty index has no columns to read
            column = reader.column_reader("doc_id")
            return {column[n] for n in reader.all_doc_ids()}

    def count(self) -> int:
        return int(self._index().doc_count())

    # -- searching ---------------------------------------------------------------------------

    @staticmethod
    def _core(p: Part) -> Query:
        if p.prefix:
            return Prefix("folded", p.folded[0])
        if len(p.folded) == 1:
            return Term("folded", p.folded[0])
        pairs: list[Query] = [Term("pairs", pair) for pair in p.pairs]
        if len(p.folded) == 2:
            return pairs[0]
        # The AND of the rare pair terms narrows the candidates before positions are read.
        return And([*pairs, Phrase("folded", list(p.folded))])

    @staticmethod
    def _exact(p: Part) -> Query:
        if len(p.exact) == 1:
            return Term("exact", p.exact[0])
        return Phrase("exact", list(p.exact))

    def _compile(self, pq: ParsedQuery) -> Query | None:
        must: list[Query] = []
        should: list[Query] = []
        for p in pq.parts:
            must.append(self._core(p))
            if p.marked:
                should.append(ConstantScoreQuery(self._exact(p), TIER))
            if not p.prefix:
                for t in (p.folded if len(p.folded) == 1 else p.pairs):
                    should.append(Term("head", t, boost=HEAD_BOOST))
        for pair in pq.proximity_pairs:
            should.append(Term("pairs", pair, boost=PROXIMITY_BOOST))
            should.append(Term("head", pair, boost=HEAD_BOOST))
        main: Query | None = None
        if must:
            main = must[0] if len(must) == 1 else And(must)
            if should:
                main = AndMaybe(main, Or(should))
        if pq.number_keys:
            number = ConstantScoreQuery(Or([Term("number_key", k) for k in pq.number_keys]),
                                        NUMBER_SCORE)
            main = number if main is None else Or([main, number])
        return main

    @staticmethod
    def _fuzzy(pq: ParsedQuery, strict: Query | None) -> Query | None:
        words = pq.fuzzy_words()
        if not words:
            return None
        must: list[Query] = [
            FuzzyTerm("folded", w, maxdist=1, prefixlength=0)
            if len(w) >= MIN_FUZZY_CHARS and w.isalpha() else Term("folded", w)
            for w in words
        ]
        fuzzy: Query = must[0] if len(must) == 1 else And(must)
        if strict is not None:
            fuzzy = AndMaybe(fuzzy, strict.with_boost(10.0))
        return fuzzy

    @staticmethod
    def _filters(q: SearchQuery) -> Query | None:
        parts: list[Query] = []
        for name in ("doc_type", "issuing_body", "signer", "file_code"):
            value = facet_value(getattr(q, name))
            if value:
                parts.append(Term(name, value))
        lo, hi = 0, 0
        if q.year:
            lo, hi = q.year * 10000, q.year * 10000 + 1231
        if q.date_from:
            lo = max(lo, date_number(q.date_from))
        if q.date_to:
            d = date_number(q.date_to)
            if d % 100 == 0:
                d += 99 if d % 10000 else 1299
            hi = min(hi, d) if hi else d
        if lo or hi:
            parts.append(NumericRange("date_num", lo, hi or 99991231))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(parts)

    def search(self, q: SearchQuery) -> SearchResults:
        pq = parse_query(q.text)
        strict = self._compile(pq)
        filters = self._filters(q)
        page = max(1, min(MAX_PAGE, q.page))
        size = max(1, min(100, q.page_size))
        if strict is None and filters is None:
            return SearchResults(0, (), page, size)
        with self._index().searcher() as searcher:
            results = self._run(searcher, strict or Every(), filters, q, page, size)
            corrected = False
            if results.total < FEW_HITS and not pq.empty:
                fuzzy = self._fuzzy(pq, strict)
                if fuzzy is not None:
                    fuzzy_results = self._run(searcher, fuzzy, filters, q, page, size)
                    if fuzzy_results.total > results.total:
                        results, corrected = fuzzy_results, True
            terms, prefixes = pq.highlight_terms()
            hits = []
            # Whoosh clamps a page past the end to the last page; we return no hits instead.
            for hit in (results if results.pagenum == page else ()):
                fields = hit.fields()
                snippet = (snippet_html(fields.get("body", ""), terms, prefixes, fuzzy=corrected)
                           if q.highlight else "")
                hits.append(SearchHit(
                    doc_id=fields["doc_id"],
                    title=fields.get("title", ""),
                    snippet_html=snippet,
                    score=float(hit.score or 0.0) if q.sort == "relevance" else 0.0,
                    number_symbol=fields.get("number_symbol", ""),
                    doc_type=fields.get("doc_type", ""),
                    date=fields.get("date", ""),
                    issuing_body=fields.get("issuing_body", ""),
                ))
            facets: dict[str, tuple[tuple[str, int], ...]] = {}
            for name in FACETS:
                try:
                    groups = results.results.groups(name)
                except KeyError:
                    continue
                counted = sorted(((str(k), len(v)) for k, v in groups.items()
                                  if k not in ("", 0, None)), key=lambda kv: (-kv[1], kv[0]))
                facets[name] = tuple(counted[:20])
            return SearchResults(total=results.total, hits=tuple(hits), page=page,
                                 page_size=size, facets=facets, corrected=corrected)

    @staticmethod
    def _run(searcher, query: Query, filters: Query | None, q: SearchQuery, page: int,  # type: ignore[no-untyped-def]
             size: int):
        sortedby = None
        if q.sort in ("date_desc", "date_asc"):
            sortedby = sorting.FieldFacet("date_num", reverse=q.sort == "date_desc")
        facets = sorting.Facets()
        for name in FACETS:
            facets.add_field(name, allow_overlap=False)
        return searcher.search_page(query, page, pagelen=size, filter=filters, sortedby=sortedby,
                                    groupedby=facets, terms=False)
