"""Search stage: finds open (non-secret) documents. Classified documents are never indexed here.

Public surface: the records in `search.backend` and `open_backend(name, root)`.
"""

from __future__ import annotations

from pathlib import Path

from search.backend import (
    FACETS,
    IndexDocument,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from sohoa.errors import SettingsError

__all__ = [
    "BACKENDS",
    "FACETS",
    "IndexDocument",
    "SearchBackend",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "open_backend",
    "open_memory_backend",
]

BACKENDS = ("tantivy", "whoosh")


def open_backend(name: str, root: Path) -> SearchBackend:
    """The backend `name` over HOME/index (`root`).

    When the index there is missing or of another schema or backend, an empty one is created
    and `needs_rebuild()` is true until `rebuild()` has run (the service does it at start-up).
    """
    backend: SearchBackend
    if name == "tantivy":
        from search.tantivy_backend import TantivyBackend

        backend = TantivyBackend(root)
    elif name == "whoosh":
        from search.whoosh_backend import WhooshBackend

        backend = WhooshBackend(root)
    else:
        raise SettingsError(f"unknown search backend {name!r}")
    backend.create()  # type: ignore[attr-defined]
    return backend


def open_memory_backend() -> SearchBackend:
    """An index in this process's memory only (the vault's, while it is unlocked)."""
    from search.tantivy_backend import MemoryTantivyBackend

    return MemoryTantivyBackend()

