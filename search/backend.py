"""The search backend interface and the records it takes and returns.

The embedded default is Whoosh (`search.whoosh_backend`); a distributed backend (OpenSearch)
implements the same protocol later. The index is a cache: it can always be rebuilt from the
store (`sohoa reindex`).
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
    sort: str = "relevance"  # relevance | date_desc | date_asc
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
    facets: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    corrected: bool = False  # fuzzy fallback was used


class SearchBackend(Protocol):
    def add(self, docs: Sequence[IndexDocument]) -> None: ...

    def delete(self, doc_ids: Sequence[str]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResults: ...

    def doc_ids(self) -> set[str]: ...

    def rebuild(self, docs: Iterable[IndexDocument]) -> None: ...

    def close(self) -> None: ...
