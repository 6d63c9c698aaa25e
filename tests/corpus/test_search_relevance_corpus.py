"""Relevance regression on the dev corpus (run by `make test-corpus`; reads ../shared/corpus).

30 judged queries (tests/data/relevance_queries.json) over the ground-truth text of the dev
corpus. Measured when written: MRR 1.0 and nDCG@10 0.993 with both backends; the floors leave a
small margin for deliberate ranking changes, not for regressions.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("SOHOA_CORPUS", str(REPO.parent / "shared" / "corpus")))
MRR_FLOOR = 0.95
NDCG_FLOOR = 0.95


def _bench_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("search_relevance",
                                                  REPO / "bench" / "search_relevance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.corpus
@pytest.mark.parametrize("backend", ["tantivy", "whoosh"])
def test_dev_corpus_relevance(backend: str) -> None:
    assert (CORPUS / "dev" / "manifest.json").exists(), f"no corpus at {CORPUS}"
    out = _bench_module().run(CORPUS, backend)
    assert out["queries"] == 30 and out["documents"] >= 20
    worst = [p for p in out["per_query"] if p["rr"] < 1]
    assert out["mrr"] >= MRR_FLOOR, worst
    assert out["ndcg10"] >= NDCG_FLOOR, out["per_query"]
