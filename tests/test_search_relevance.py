"""A small relevance regression in the default suite, over documents written for the tests
(tests/data/search_docs.json): graded judgements, MRR and nDCG@10 with floors, both backends.
The dev-corpus evaluation (30 queries) is bench/search_relevance.py and tests/corpus/."""

from __future__ import annotations

import math

import pytest

from search import BACKENDS, SearchQuery, open_backend
from tests.test_search_backends import load_docs

# query -> {doc_id: grade}; 3 = the document sought, 2 = clearly relevant, 1 = partly.
JUDGED: list[tuple[str, dict[str, int]]] = [
    ("cải cách hành chính", {"t01": 3, "t11": 2, "t09": 1}),
    ("cai cach hanh chinh", {"t01": 3, "t11": 2, "t09": 2}),
    ("chuyển đổi số", {"t04": 3, "t08": 3, "t11": 2, "t01": 1}),
    ("dự toán kinh phí", {"t08": 3}),
    ("đảng phí", {"t02": 3}),
    ("thẻ đảng viên", {"t06": 3}),
    ("an ninh trật tự", {"t05": 3, "t10": 3}),
    ("tiếp công dân", {"t07": 3}),
    ("bồi thường thu hồi đất", {"t12": 3}),
    ("số hóa tài liệu lưu trữ", {"t03": 3, "t08": 1}),
    ("nêu gương", {"t11": 3}),
    ("12/QĐ-UBND", {"t03": 3}),
    ("61 BC DU", {"t02": 3}),
    ("ra soat nhan su", {"t09": 3}),
]


def _dcg(grades: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


@pytest.mark.parametrize("name", BACKENDS)
def test_relevance_floor(tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    backend = open_backend(name, tmp_path / "index")
    backend.rebuild(load_docs())
    rrs, ndcgs, misses = [], [], []
    for text, rel in JUDGED:
        hits = [h.doc_id for h in backend.search(SearchQuery(text, page_size=10)).hits]
        rr = next((1 / (i + 1) for i, d in enumerate(hits) if rel.get(d, 0) >= 2), 0.0)
        ideal = _dcg(sorted(rel.values(), reverse=True))
        ndcg = _dcg([rel.get(d, 0) for d in hits]) / ideal
        rrs.append(rr)
        ndcgs.append(ndcg)
        if rr < 1:
            misses.append((text, hits[:3]))
    backend.close()
    mrr, ndcg = sum(rrs) / len(rrs), sum(ndcgs) / len(ndcgs)
    assert mrr >= 0.95, misses
    assert ndcg >= 0.9, list(zip([t for t, _ in JUDGED], ndcgs, strict=True))
