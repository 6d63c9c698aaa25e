"""tantivy implementation of the search backend (the default: Rust, embedded, no server).

Fields (all text fields are our own space-joined syllables, split on whitespace by tantivy, so
the index and the query agree on syllables; see `search.analysis`):
- `exact` (positions): lower-cased NFC syllables, for the exact-diacritic tier and phrases;
- `folded` (positions): folded syllables, what every word must match;
- `pairs` (frequencies only): folded syllable pairs, for 2-syllable phrases in one lookup and
  for the adjacency bonus of unquoted words;
- `head` (frequencies): syllables and pairs of title, abstract and number, a relevance bonus;
- `number_key`: the document number normalised (27khdu);
- fast fields for filters, facets and date sort; `body` stored for snippets.

One writer at a time: tantivy's lock file across processes plus a lock in this process; each
`add`/`delete` call is one commit followed by a wait for merges, so segments do not pile up
when documents arrive one by one. The reader of this process is reloaded after each commit;
other processes pick commits up when they next search.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Query

from search.backend import FACETS, IndexDocument, SearchHit, SearchQuery, SearchResults
from search.documents import DocViews, date_number, document_views, facet_value, iter_views
from search.highlight import snippet_html
from search.query import FEW_HITS, MIN_FUZZY_CHARS, ParsedQuery, Part, parse_query
from search.versions import VersionedDirs
from sohoa.errors import SohoaError

SCHEMA_VERSION = "1"
# Scores: every exact-diacritic part adds TIER, more than any BM25 sum, so documents that match
# what was typed, marks included, rank first; BM25 orders documents within a tier.
TIER = 100.0
NUMBER_SCORE = 1000.0
HEAD_BOOST = 1.5
PROXIMITY_BOOST = 1.5
WRITER_HEAP = 64_000_000
REBUILD_HEAP = 256_000_000
LOCK_TIMEOUT_S = 60.0
MAX_PAGE = 1000


class IndexBusy(SohoaError):
    """Another process holds the index writer for longer than the timeout."""


def _make_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("doc_id", stored=True, tokenizer_name="raw")
    sb.add_text_field("exact", tokenizer_name="syll", index_option="position")
    sb.add_text_field("folded", tokenizer_name="syll", index_option="position")
    sb.add_text_field("pairs", tokenizer_name="syll", index_option="freq")
    sb.add_text_field("head", tokenizer_name="syll", index_option="freq")
    sb.add_text_field("number_key", tokenizer_name="raw", index_option="basic")
    sb.add_bytes_field("body", stored=True)
    sb.add_text_field("title", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("number_symbol", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("date", stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("doc_type", "issuing_body", "signer", "file_code"):
        sb.add_text_field(name, stored=True, fast=True, tokenizer_name="raw",
                          index_option="basic")
    sb.add_integer_field("date_num", indexed=True, fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    return sb.build()


def _syllable_analyzer() -> tantivy.TextAnalyzer:
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


class TantivyBackend:
    name = "tantivy"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dirs = VersionedDirs(root, self.name, SCHEMA_VERSION)
        self.schema = _make_schema()
        self._ix: tantivy.Index | None = None
        self._opened: str | None = None
        self._meta_stamp: tuple[int, int] | None = None
        self._lock = threading.RLock()

    # -- lifecycle ---------------------------------------------------------------------------

    def create(self) -> None:
        """Make sure `current` is an index of this schema (empty and marked for rebuild if not)."""
        with self._lock:
            if not self.dirs.is_current_valid():
                target = self.dirs.new_dir()
                self._open_index(target).reload()
                self.dirs.mark_ready(target)
                self.dirs.install(target, complete=False)
                self._ix = None

    def needs_rebuild(self) -> bool:
        return self.dirs.needs_rebuild()

    def _open_index(self, path: Path) -> tantivy.Index:
        ix = tantivy.Index(self.schema, path=str(path), reuse=True)
        ix.register_tokenizer("syll", _syllable_analyzer())
        return ix

    def _index(self) -> tantivy.Index:
        with self._lock:
            target = self.dirs.current_target()
            if self._ix is None or target != self._opened:
                if not self.dirs.is_current_valid():
                    self.create()
                    target = self.dirs.current_target()
                self._ix = self._open_index(self.dirs.current)
                self._opened = target
            return self._ix

    def close(self) -> None:
        with self._lock:
            self._ix = None
            self._opened = None

    # -- writing -----------------------------------------------------------------------------

    def _document(self, v: DocViews) -> tantivy.Document:
        d = tantivy.Document()
        d.add_text("doc_id", v.doc_id)
        d.add_text("exact", v.exact)
        d.add_text("folded", v.folded)
        d.add_text("pairs", v.pairs)
        d.add_text("head", v.head)
        if v.number_key:
            d.add_text("number_key", v.number_key)
        d.add_bytes("body", v.body.encode("utf-8", "surrogatepass"))
        d.add_text("title", v.title)
        d.add_text("number_symbol", v.number_symbol)
        d.add_text("date", v.date)
        for name in ("doc_type", "issuing_body", "signer", "file_code"):
            d.add_text(name, getattr(v, name))
        d.add_integer("date_num", v.date_num)
        d.add_integer("year", v.year)
        return d

    def _writer(self, ix: tantivy.Index, heap: int, threads: int) -> Any:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        delay = 0.05
        while True:
            try:
                return ix.writer(heap_size=heap, num_threads=threads)
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    if "LockBusy" in str(exc):
                        raise IndexBusy("the search index is busy (another writer)") from None
                    raise
                time.sleep(delay)
                delay = min(1.0, delay * 2)

    def add(self, docs: Sequence[IndexDocument]) -> None:
        if not docs:
            return
        views = [document_views(d) for d in docs]
        with self._lock:
            ix = self._index()
            writer = self._writer(ix, WRITER_HEAP, 1)
            try:
                for v in views:
                    writer.delete_documents_by_term("doc_id", v.doc_id)
                    writer.add_document(self._document(v))
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            ix.reload()

    def delete(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        with self._lock:
            ix = self._index()
            writer = self._writer(ix, WRITER_HEAP, 1)
            try:
                for doc_id in doc_ids:
                    writer.delete_documents_by_term("doc_id", doc_id)
                writer.commit()
            finally:
                writer.wait_merging_threads()
            ix.reload()

    def rebuild(self, docs: Iterable[IndexDocument], purge: bool = False) -> None:
        """Index `docs` into a new directory, then swap it in atomically."""
        with self._lock:
            target = self.dirs.new_dir()
            try:
                ix = self._open_index(target)
                writer = self._writer(ix, REBUILD_HEAP, 2)
                try:
                    seen: set[str] = set()
                    for v in iter_views(docs):
                        if v.doc_id in seen:
                            continue  # a duplicate id: the first wins
                        seen.add(v.doc_id)
                        writer.add_document(self._document(v))
                    writer.commit()
                finally:
                    writer.wait_merging_threads()
                del ix
                self.dirs.mark_ready(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            self.dirs.install(target, complete=True, purge=purge)
            self._ix = None
            self._opened = None

    def doc_ids(self) -> set[str]:
        searcher = self._searcher()
        terms = searcher.terms_with_prefix("doc_id", "", filter_query=Query.all_query())
        return {term for term, count in terms if count > 0}

    def count(self) -> int:
        return int(self._searcher().num_docs)

    # -- searching ---------------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        """A searcher on the last commit, whichever process made it.

        tantivy's own reload policy lags behind commits of other processes; meta.json changes
        on every commit, so a stat per search tells when to reload.
        """
        ix = self._index()
        try:
            st = (self.dirs.current / "meta.json").stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._meta_stamp:
            ix.reload()
            self._meta_stamp = stamp
        return ix.searcher()

    def _term(self, field: str, value: str) -> Query:
        return Query.term_query(self.schema, field, value)

    def _core(self, p: Part) -> Query:
        """What part `p` must match, on folded syllables."""
        if p.prefix:
            return Query.regex_query(self.schema, "folded", p.folded[0] + ".*")
        if len(p.folded) == 1:
            return self._term("folded", p.folded[0])
        pairs = [(Occur.Must, self._term("pairs", pair)) for pair in p.pairs]
        if len(p.folded) == 2:
            return pairs[0][1]
        # Longer phrases: the AND of the pair terms finds the candidates cheaply; the phrase
        # query checks the order on them.
        phrase = Query.phrase_query(self.schema, "folded", list(p.folded))
        return Query.boolean_query([*pairs, (Occur.Must, phrase)])

    def _exact(self, p: Part) -> Query:
        if len(p.exact) == 1:
            return self._term("exact", p.exact[0])
        return Query.phrase_query(self.schema, "exact", list(p.exact))

    def _compile(self, pq: ParsedQuery) -> Query | None:
        clauses: list[tuple[Occur, Query]] = []
        for p in pq.parts:
            clauses.append((Occur.Must, self._core(p)))
            if p.marked:
                clauses.append((Occur.Should, Query.const_score_query(self._exact(p), TIER)))
            if not p.prefix:
                head_terms = p.folded if len(p.folded) == 1 else p.pairs
                for t in head_terms:
                    clauses.append((Occur.Should,
                                    Query.boost_query(self._term("head", t), HEAD_BOOST)))
        for pair in pq.proximity_pairs:
            clauses.append((Occur.Should,
                            Query.boost_query(self._term("pairs", pair), PROXIMITY_BOOST)))
            clauses.append((Occur.Should, Query.boost_query(self._term("head", pair),
                                                            HEAD_BOOST)))
        main = Query.boolean_query(clauses) if clauses else None
        if pq.number_keys:
            number = Query.const_score_query(
                Query.term_set_query(self.schema, "number_key", list(pq.number_keys)),
                NUMBER_SCORE)
            main = number if main is None else Query.boolean_query(
                [(Occur.Should, main), (Occur.Should, number)])
        return main

    def _fuzzy(self, pq: ParsedQuery, strict: Query | None) -> Query | None:
        words = pq.fuzzy_words()
        if not words:
            return None
        clauses: list[tuple[Occur, Query]] = []
        for w in words:
            if len(w) >= MIN_FUZZY_CHARS and w.isalpha():
                q = Query.fuzzy_term_query(self.schema, "folded", w, distance=1)
            else:
                q = self._term("folded", w)
            clauses.append((Occur.Must, q))
        if strict is not None:
            # Strict matches stay on top of the fuzzy ones.
            clauses.append((Occur.Should, Query.boost_query(strict, 10.0)))
        return Query.boolean_query(clauses)

    def _filters(self, q: SearchQuery) -> list[Query]:
        out: list[Query] = []
        for name in ("doc_type", "issuing_body", "signer", "file_code"):
            value = facet_value(getattr(q, name))
            if value:
                out.append(self._term(name, value))
        lo, hi = 0, 0
        if q.year:
            lo, hi = q.year * 10000, q.year * 10000 + 1231
        if q.date_from:
            lo = max(lo, date_number(q.date_from))
        if q.date_to:
            d = date_number(q.date_to)
            # "2025" or "2025-08" as an upper bound means the end of that year or month.
            if d % 100 == 0:
                d += 99 if d % 10000 else 1299
            hi = min(hi, d) if hi else d
        if lo or hi:
            out.append(Query.range_query(self.schema, "date_num", tantivy.FieldType.Integer,
                                         lower_bound=lo or 1, upper_bound=hi or 99991231))
        return out

    def search(self, q: SearchQuery) -> SearchResults:
        pq = parse_query(q.text)
        strict = self._compile(pq)
        filters = self._filters(q)
        page = max(1, min(MAX_PAGE, q.page))
        size = max(1, min(100, q.page_size))
        if strict is None and not filters:
            return SearchResults(0, (), page, size)
        searcher = self._searcher()
        query = self._with_filters(strict, filters)
        result = self._run(searcher, query, q, page, size)
        corrected = False
        if result.count < FEW_HITS and not pq.empty:
            fuzzy = self._fuzzy(pq, strict)
            if fuzzy is not None:
                fuzzy_query = self._with_filters(fuzzy, filters)
                fuzzy_result = self._run(searcher, fuzzy_query, q, page, size)
                if fuzzy_result.count > result.count:
                    result, query, corrected = fuzzy_result, fuzzy_query, True
        terms, prefixes = pq.highlight_terms()
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            body = bytes(doc.get_first("body") or b"").decode("utf-8", "replace")
            snippet = snippet_html(body, terms, prefixes, fuzzy=corrected) if q.highlight else ""
            hits.append(SearchHit(
                doc_id=doc.get_first("doc_id") or "",
                title=doc.get_first("title") or "",
                snippet_html=snippet,
                score=float(score) if q.sort == "relevance" else 0.0,
                number_symbol=doc.get_first("number_symbol") or "",
                doc_type=doc.get_first("doc_type") or "",
                date=doc.get_first("date") or "",
                issuing_body=doc.get_first("issuing_body") or "",
            ))
        return SearchResults(total=int(result.count), hits=tuple(hits), page=page, page_size=size,
                             facets=self._facets(searcher, query), corrected=corrected)

    @staticmethod
    def _with_filters(query: Query | None, filters: list[Query]) -> Query:
        if not filters:
            return query if query is not None else Query.all_query()
        clauses = [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
        if query is not None:
            clauses.insert(0, (Occur.Must, query))
        return Query.boolean_query(clauses)

    def _run(self, searcher: tantivy.Searcher, query: Query, q: SearchQuery, page: int,
             size: int) -> tantivy.SearchResult:
        offset = (page - 1) * size
        if q.sort in ("date_desc", "date_asc"):
            order = tantivy.Order.Desc if q.sort == "date_desc" else tantivy.Order.Asc
            return searcher.search(query, size, count=True, order_by_field="date_num",
                                   offset=offset, order=order)
        return searcher.search(query, size, count=True, offset=offset)

    @staticmethod
    def _facets(searcher: tantivy.Searcher, query: Query) -> dict[str, tuple[tuple[str, int], ...]]:
        aggs = {name: {"terms": {"field": name, "size": 20}} for name in FACETS}
        raw = searcher.aggregate(query, aggs)
        out: dict[str, tuple[tuple[str, int], ...]] = {}
        for name in FACETS:
            buckets = raw.get(name, {}).get("buckets", [])
            pairs = [(str(b["key"]), int(b["doc_count"])) for b in buckets
                     if b["key"] not in ("", 0, None)]
            pairs.sort(key=lambda kv: (-kv[1], kv[0]))
            out[name] = tuple(pairs)
        return out


class MemoryTantivyBackend(TantivyBackend):
    """An index held in this process's memory only, never on disk: the vault's own index, built
    from the decrypted records when an officer unlocks the vault, gone with the process."""

    name = "tantivy-memory"

    def __init__(self) -> None:  # no directory: nothing of the base's versioned dirs
        self.schema = _make_schema()
        self._ix = None
        self._opened = None
        self._meta_stamp = None
        self._lock = threading.RLock()

    def create(self) -> None:
        pass

    def needs_rebuild(self) -> bool:
        return False

    def _index(self) -> tantivy.Index:
        with self._lock:
            if self._ix is None:
                self._ix = tantivy.Index(self.schema)  # no path: a RAM directory
                self._ix.register_tokenizer("syll", _syllable_analyzer())
            return self._ix

    def _searcher(self) -> tantivy.Searcher:
        ix = self._index()
        ix.reload()
        return ix.searcher()

    def rebuild(self, docs: Iterable[IndexDocument], purge: bool = False) -> None:
        with self._lock:
            self._ix = None
            unique = {d.doc_id: d for d in reversed(list(docs))}
            self.add(list(unique.values()))

