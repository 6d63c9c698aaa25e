"""The search backend interface and the records it takes and returns.

Two embedded backends implement it: tantivy (`search.tantivy_backend`, the default: fast at
100k documents) and Whoosh (`search.whoosh_backend`, pure Python); a distributed backend
(OpenSearch) can implement the same protocol later. Both share the Vietnamese analysis
(`search.analysis`), the query language (`search.query`) and the snippets (`search.highlight`).
The index is a cache: it can always be rebuilt from the store (`sohoa reindex`).

Writes are visible to searches once `add`/`delete` return (each call is one commit: the
pipeline adds one document per call, seconds apart; bulk loads pass many documents per call or
use `rebuild`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class IndexDocument:
    doc_id: str
    title: str
    text: str  # all pages, NFC
    number_symbol: str = ""
    doc_type: str = ""
    date: str = ""  # ISO
    issuing_body: str = ""
    signer: str = ""
    file_code: str = ""
    abstract: str = ""


@dataclass(frozen=True)
class SearchQuery:
    text: str
    doc_type: str = ""
    year: int | None = None
    date_from: str = ""
    date_to: str = ""
    issuing_body: str = ""
    signer: str = ""
    file_code: str = ""
    sort: str = "relevance"  # relevance | date_desc | date_asc (unknown dates last)
    page: int = 1
    page_size: int = 20
    highlight: bool = True


@dataclass(frozen=True)
class SearchHit:
    doc_id: str
    title: str
    snippet_html: str  # HTML-escaped text with <mark> around matches; safe to render as is
    score: float
    number_symbol: str = ""
    doc_type: str = ""
    date: str = ""
    issuing_body: str = ""

    @property
    def snippet_text(self) -> str:
        import html
        import re

        return html.unescape(re.sub(r"</?mark>", "", self.snippet_html))


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: tuple[SearchHit, ...]
    page: int = 1
    page_size: int = 20
    # FACETS name -> (value, count) pairs, most frequent first, over all matching documents.
    facets: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    corrected: bool = False  # fuzzy fallback was used


FACETS = ("doc_type", "year", "issuing_body", "signer", "file_code")
SORTS = ("relevance", "date_desc", "date_asc")


class SearchBackend(Protocol):
    name: str

    def add(self, docs: Sequence[IndexDocument]) -> None: ...

    def delete(self, doc_ids: Sequence[str]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResults: ...

    def doc_ids(self) -> set[str]: ...

    def rebuild(self, docs: Iterable[IndexDocument], purge: bool = False) -> None:
        """Index `docs` into a new directory and swap it in atomically."""
        ...

    def needs_rebuild(self) -> bool:
        """True when the index is missing, of another schema or backend: rebuild from the store."""
        ...

    def close(self) -> None: ...
