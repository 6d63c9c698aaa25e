"""What every backend indexes for one document: the analysed views and the filter keys."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from search.analysis import analyse, normalise_number, pairs_of
from search.backend import IndexDocument
from sohoa.vntext import nfc

# Bounds for hostile or huge inputs (a 1000-page OCR dump): what is searched and stored.
MAX_INDEXED_CHARS = 2_000_000
MAX_STORED_CHARS = 1_000_000
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class DocViews:
    doc_id: str
    exact: str  # space-separated exact syllables
    folded: str  # space-separated folded syllables, same positions as exact
    pairs: str  # space-separated folded pairs
    head: str  # folded syllables and pairs of title, abstract, number, issuer and signer
    number_key: str
    body: str  # NFC text stored for snippets
    title: str
    number_symbol: str
    doc_type: str
    date: str
    date_num: int  # yyyymmdd, 0 when unknown; sorting and date filters
    year: int
    issuing_body: str
    signer: str
    file_code: str


def date_number(iso: str) -> int:
    """"2025-08-15" -> 20250815; "2025" -> 20250000; anything else -> 0."""
    m = _ISO_DATE.fullmatch((iso or "").strip())
    if not m:
        return 0
    return int(m.group(1)) * 10000 + int(m.group(2) or 0) * 100 + int(m.group(3) or 0)


def facet_value(text: str) -> str:
    """Filter and facet values: NFC, spaces collapsed (exact match on what the facet showed)."""
    return " ".join(nfc(text or "").split())


def document_views(doc: IndexDocument) -> DocViews:
    # The head (title, abstract, number, issuer, signer) is searched with the text and weighs
    # more: it says what the document is. Issuer and signer are in the OCR text too, but OCR
    # may have damaged them where the extracted metadata is right.
    head_text = nfc(f"{doc.title}\n{doc.abstract}\n{doc.number_symbol}\n{doc.issuing_body}\n"
                    f"{doc.signer}")
    body = nfc(doc.text or "")
    a = analyse((head_text + "\n" + body)[:MAX_INDEXED_CHARS])
    h = analyse(head_text)
    date_num = date_number(doc.date)
    return DocViews(
        doc_id=doc.doc_id,
        exact=" ".join(a.exact),
        folded=" ".join(a.folded),
        pairs=" ".join(a.pairs),
        head=" ".join(h.folded + tuple(pairs_of(h.folded))),
        number_key=normalise_number(doc.number_symbol) if doc.number_symbol else "",
        body=(body or nfc(f"{doc.title}\n{doc.abstract}"))[:MAX_STORED_CHARS],
        title=nfc(doc.title or ""),
        number_symbol=nfc(doc.number_symbol or ""),
        doc_type=facet_value(doc.doc_type),
        date=(doc.date or "").strip(),
        date_num=date_num,
        year=date_num // 10000,
        issuing_body=facet_value(doc.issuing_body),
        signer=facet_value(doc.signer),
        file_code=facet_value(doc.file_code),
    )


# A rebuild analyses documents in worker processes when there are many (the analysis is
# Python; the index writers are native or separate processes). Documents are read from `docs`
# in the calling thread only (the store's catalog connections are per thread), in batches; the
# workers analyse one batch while the caller indexes the previous one.
POOL_THRESHOLD = 500
POOL_BATCH = 256


def iter_views(docs: Iterable[IndexDocument], procs: int | None = None) -> Iterator[DocViews]:
    """`document_views` of each document, in order; in `procs` worker processes when many."""
    procs = procs if procs is not None else min(2, os.cpu_count() or 1)
    it = iter(docs)
    head = list(itertools.islice(it, POOL_THRESHOLD))
    if procs <= 1 or len(head) < POOL_THRESHOLD:
        yield from map(document_views, itertools.chain(head, it))
        return
    # fork, not spawn: spawn re-runs the parent's __main__ (`python -m sohoa` would run the CLI
    # again in every worker). The children only run `document_views` (Python and re), nothing
    # that could wait on a lock held by a thread of the parent (tantivy's own threads).
    rest = itertools.chain(head, it)
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        pending = None
        while True:
            batch = list(itertools.islice(rest, POOL_BATCH))
            result = (pool.map_async(document_views, batch, chunksize=POOL_BATCH // procs)
                      if batch else None)
            if pending is not None:
                yield from pending.get()
            if result is None:
                break
            pending = result
