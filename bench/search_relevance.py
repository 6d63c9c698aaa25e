"""Search relevance on the dev corpus: MRR and nDCG@10 of 30 judged queries.

    python bench/search_relevance.py [--corpus ../shared/corpus] [--backend tantivy] [--json]

The indexed documents are the corpus's ground truth (`text_per_page` and the metadata of each
document in dev/manifest.json, classified ones included: this measures ranking, not the
pipeline), so the figures do not depend on OCR. Queries and graded judgements are in
tests/data/relevance_queries.json (grade 3: the document sought; 2: clearly relevant; 1: partly).
MRR uses the first document of grade >= 2; nDCG@10 uses gains 2^grade - 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from search import IndexDocument, SearchQuery, open_backend  # noqa: E402

QUERIES = REPO / "tests" / "data" / "relevance_queries.json"


def corpus_documents(corpus: Path) -> list[IndexDocument]:
    manifest = json.loads((corpus / "dev" / "manifest.json").read_text(encoding="utf-8"))
    docs: dict[str, IndexDocument] = {}
    for e in manifest:
        doc_id = e.get("doc_id")
        if not doc_id or not e.get("text_per_page") or doc_id in docs:
            continue
        label = (e.get("doc_type_label") or "").capitalize()
        title = f"{label} {e.get('number_symbol', '')}: {e.get('abstract', '')}".strip()
        docs[doc_id] = IndexDocument(
            doc_id=doc_id, title=title, text="\n".join(e["text_per_page"]),
            number_symbol=e.get("number_symbol", ""), doc_type=e.get("doc_type", ""),
            date=e.get("date", ""), issuing_body=e.get("issuing_body", ""),
            signer=e.get("signer", ""), abstract=e.get("abstract", ""),
        )
    return list(docs.values())


def dcg(grades: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def evaluate(backend: Any, queries: list[dict[str, Any]]) -> dict[str, Any]:
    per_query = []
    for item in queries:
        rel: dict[str, int] = item["rel"]
        hits = [h.doc_id for h in backend.search(SearchQuery(item["q"], page_size=10)).hits]
        rr = next((1.0 / (i + 1) for i, d in enumerate(hits) if rel.get(d, 0) >= 2), 0.0)
        ideal = dcg(sorted(rel.values(), reverse=True)[:10])
        ndcg = dcg([rel.get(d, 0) for d in hits[:10]]) / ideal if ideal else 0.0
        per_query.append({"q": item["q"], "rr": round(rr, 3), "ndcg10": round(ndcg, 3),
                          "top3": hits[:3]})
    n = len(per_query)
    return {"queries": n,
            "mrr": round(sum(p["rr"] for p in per_query) / n, 4),
            "ndcg10": round(sum(p["ndcg10"] for p in per_query) / n, 4),
            "per_query": per_query}


def run(corpus: Path, backend_name: str) -> dict[str, Any]:
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    tmp = Path(tempfile.mkdtemp(prefix="sohoa-relevance-"))
    try:
        backend = open_backend(backend_name, tmp / "index")
        docs = corpus_documents(corpus)
        backend.rebuild(docs)
        out = evaluate(backend, queries)
        out["documents"] = len(docs)
        out["backend"] = backend_name
        backend.close()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default=os.environ.get("SOHOA_CORPUS", str(REPO.parent / "shared"
                                                                           / "corpus")))
    p.add_argument("--backend", default="tantivy", choices=["tantivy", "whoosh"])
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    out = run(Path(args.corpus), args.backend)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"{out['backend']}: {out['queries']} queries over {out['documents']} documents: "
              f"MRR {out['mrr']}, nDCG@10 {out['ndcg10']}")
        for p_ in out["per_query"]:
            if p_["rr"] < 1 or p_["ndcg10"] < 0.9:
                print(f"  {p_['q']!r}: RR {p_['rr']} nDCG {p_['ndcg10']} top3 {p_['top3']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
