"""Search stage: finds open (non-secret) documents. Classified documents are never indexed here.

Public surface: the records in `search.backend` and `open_backend(settings)`.
"""

from __future__ import annotations

from pathlib import Path

from search.backend import IndexDocument, SearchBackend, SearchHit, SearchQuery, SearchResults
from sohoa.errors import SettingsError

__all__ = [
    "IndexDocument",
    "SearchBackend",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "open_backend",
]


def open_backend(name: str, root: Path) -> SearchBackend:
    if name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        backend = WhooshBackend(root)
        backend.create()
        return backend
    raise SettingsError(f"unknown search backend {name!r}")
