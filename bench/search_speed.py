"""Search speed: indexing rate and query latency on synthetic Vietnamese documents.

    python bench/search_speed.py --docs 10000 --json [--backend tantivy|whoosh]
                                 [--index-dir DIR] [--repeat 40]

prints {"docs": N, "backend": ..., "index_docs_per_s": ..., "add_one_docs_per_s": ...,
"queries": {NAME: {"p50_ms": ..., "p95_ms": ..., "cpu_p50_ms": ..., "cpu_p95_ms": ...}}, ...}
with the CPU time next to the wall time (and the load average), because on a shared machine
the wall time measures the other jobs as much as the search.

The index is built once with `rebuild` (the path `sohoa reindex` takes) from documents made in
memory beforehand (generation is not timed). With --index-dir the built index is kept there and
reused by later runs with the same backend and document count (the stored indexing rate is
reported again), so the 100k run can be repeated for queries alone. `add_one_docs_per_s` is the
pipeline's path: documents added one per `add` call (one commit each) on top of the index.

Each query type runs --repeat different queries of its kind (after warm-up) through the
backend's public `search` with facets computed, as the web UI runs them; latency is wall time
per call. Run under `nice -n 10` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_corpus import TAIL, WORDS, Generator  # noqa: E402

from search import SearchQuery, open_backend  # noqa: E402
from sohoa.vntext import fold  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def query_sets(repeat: int, seed: int = 7) -> dict[str, list[SearchQuery]]:
    rng = random.Random(seed)  # noqa: S311 (test data)
    common_words = WORDS[:40]
    multi2 = [w for w in WORDS[:120] if len(w.split()) == 2]
    multi4 = [w for w in WORDS if len(w.split()) == 4]
    # Four-syllable phrases: real ones, and two common two-syllable words side by side.
    phrases4 = multi4 + [f"{a} {b}" for a, b in zip(multi2, multi2[1:], strict=False)]
    singles = sorted({s for w in common_words for s in w.split()})
    sets: dict[str, list[SearchQuery]] = {
        "rare_term": [], "common_term": [], "two_term_and": [], "phrase_2": [],
        "phrase_4": [], "unaccented_phrase": [], "filtered": [], "top10_highlight": [],
    }
    types = ["ke_hoach", "bao_cao", "quyet_dinh", "thong_bao", "cong_van"]
    for _ in range(repeat):
        sets["rare_term"].append(SearchQuery(rng.choice(TAIL), page_size=10, highlight=False))
        sets["common_term"].append(SearchQuery(rng.choice(singles), page_size=10,
                                               highlight=False))
        a, b = rng.sample(singles, 2)
        sets["two_term_and"].append(SearchQuery(f"{a} {b}", page_size=10, highlight=False))
        sets["phrase_2"].append(SearchQuery(f'"{rng.choice(multi2)}"', page_size=10,
                                            highlight=False))
        sets["phrase_4"].append(SearchQuery(f'"{rng.choice(phrases4)}"', page_size=10,
                                            highlight=False))
        sets["unaccented_phrase"].append(SearchQuery(f'"{fold(rng.choice(phrases4))}"',
                                                     page_size=10, highlight=False))
        sets["filtered"].append(SearchQuery(rng.choice(multi2), doc_type=rng.choice(types),
                                            year=rng.choice([2023, 2024, 2025]), page_size=10,
                                            highlight=False))
        sets["top10_highlight"].append(SearchQuery(
            f"{rng.choice(multi2)} {rng.choice(WORDS[40:200])}", page_size=10, highlight=True))
    return sets


def _cpu_seconds() -> float:
    """CPU time of this process (all threads, tantivy's included) and of reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def build(backend, docs_count: int, seed: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Documents per second of wall time and per second of CPU time."""
    docs = list(Generator(seed).documents(docs_count))
    cpu = _cpu_seconds()
    started = time.perf_counter()
    backend.rebuild(docs)
    wall = time.perf_counter() - started
    return docs_count / wall, docs_count / max(1e-9, _cpu_seconds() - cpu)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--docs", type=int, default=10000)
    p.add_argument("--backend", default="tantivy", choices=["tantivy", "whoosh"])
    p.add_argument("--index-dir", help="keep the index here and reuse it when it matches")
    p.add_argument("--repeat", type=int, default=40, help="queries per type")
    p.add_argument("--seed", type=int, default=20250815)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    tmp = None
    if args.index_dir:
        root = Path(args.index_dir) / f"{args.backend}-{args.docs}"
    else:
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
        root = tmp / "index"
    stats_path = root / "bench-build.json"
    try:
        backend = open_backend(args.backend, root)
        stats: dict[str, float] = {}
        if stats_path.exists() and not backend.needs_rebuild():
            stats = json.loads(stats_path.read_text())
        if stats.get("docs") != args.docs:
            load = os.getloadavg()[0]
            rate, cpu_rate = build(backend, args.docs, args.seed)
            stats = {"docs": args.docs, "index_docs_per_s": round(rate, 1),
                     "index_docs_per_cpu_s": round(cpu_rate, 1),
                     "load_at_build": round(load, 1)}
            stats_path.write_text(json.dumps(stats))
        # The pipeline's path: one document per call. Measured on a copy, so a kept index
        # stays as built.
        extra = list(Generator(args.seed + 1).documents(50))
        for n, d in enumerate(extra):
            object.__setattr__(d, "doc_id", f"extra{n:05d}")
        started = time.perf_counter()
        for d in extra:
            backend.add([d])
        add_rate = len(extra) / (time.perf_counter() - started)
        backend.delete([d.doc_id for d in extra])

        results: dict[str, dict[str, float]] = {}
        totals: dict[str, float] = {}
        for name, queries in query_sets(args.repeat).items():
            for q in queries[:3]:
                backend.search(q)  # warm-up: caches, lazily opened files
            times: list[float] = []
            cpu_times: list[float] = []
            hits = 0
            for q in queries:
                cpu = time.thread_time()
                started = time.perf_counter()
                r = backend.search(q)
                times.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.thread_time() - cpu) * 1000)
                hits += r.total
            # Wall time is what a user waits; the CPU time of the searching thread is what the
            # query costs, and tells a query from a busy machine (tantivy searches in the
            # calling thread).
            results[name] = {"p50_ms": round(statistics.median(times), 2),
                             "p95_ms": round(_percentile(times, 0.95), 2),
                             "cpu_p50_ms": round(statistics.median(cpu_times), 2),
                             "cpu_p95_ms": round(_percentile(cpu_times, 0.95), 2)}
            totals[name] = round(hits / len(queries), 1)
        out = {"docs": args.docs, "backend": args.backend,
               "index_docs_per_s": stats["index_docs_per_s"],
               "index_docs_per_cpu_s": stats.get("index_docs_per_cpu_s"),
               "load_at_build": stats.get("load_at_build"),
               "add_one_docs_per_s": round(add_rate, 1), "queries": results,
               "mean_hits": totals, "load_at_end": round(os.getloadavg()[0], 1)}
        backend.close()
        if args.json:
            print(json.dumps(out, ensure_ascii=False))
        else:
            print(f"{args.backend}, {args.docs} documents: indexing "
                  f"{out['index_docs_per_s']} docs/s (one per add: {out['add_one_docs_per_s']})")
            for name, r in results.items():
                print(f"  {name:18s} p50 {r['p50_ms']:8.2f} ms   p95 {r['p95_ms']:8.2f} ms   "
                      f"(CPU p95 {r['cpu_p95_ms']:7.2f} ms)   mean hits {totals[name]}")
        return 0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
