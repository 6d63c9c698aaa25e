"""Classification benchmark: secrecy confusion matrix and metadata accuracy on the dev corpus.

    python bench/classify_eval.py [--corpus DIR] [--cache DIR] [--json] [--ground-truth-text]
                                  [--only NAME ...] [--verbose]

Inputs are made the way the pipeline makes them (sohoa/pipeline.py `_process_valid`): the file is
validated, prepared, page 1 and the last page are rendered at 200 dpi with `ocr.render_pages`,
the text comes from `ocr.recognise` (or the text layer of a signed PDF). The OCR text of each file
is cached under `--cache` (default `.cache/bench/classify`), keyed by the file's SHA-256 and the
OCR settings, so a re-run only renders and classifies. Page renders are made again every run in
a RAM work directory (they are what the stamp detector sees; caching them would hide changes to
the renderer).

`--ground-truth-text` replaces the OCR text with the manifest's `text_per_page` (the printed
text, in reading order) for the metadata figures, to separate extraction errors from OCR errors.
Secrecy is always decided on the real renders and OCR text.

Files: every manifest entry that carries ground truth (`secrecy` set), in docs/ and bad/. A bad/
entry that `validate` rejects (e.g. JavaScript) is still classified: the evaluation is about its
content; that is printed in the table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import classification  # noqa: E402
import ocr  # noqa: E402
from ingest.sniff import sniff  # noqa: E402
from ingest.validate import Limits, validate  # noqa: E402
from sohoa.errors import InputRejected  # noqa: E402
from sohoa.records import Classification, PageText, Secrecy  # noqa: E402
from sohoa.settings import OcrSettings  # noqa: E402
from sohoa.vntext import collapse_space, nfc  # noqa: E402

LEVELS = [s.value for s in Secrecy]
FIELDS = ["family", "doc_type", "number_symbol", "date", "place", "issuing_body", "parent_body",
          "abstract", "urgency", "signer", "signer_title", "signer_authority", "recipients"]
TARGETS = {"date": 0.90, "number_symbol": 0.90, "doc_type": 0.90, "issuing_body": 0.90,
           "abstract": 0.80, "signer": 0.80}


def default_corpus() -> Path:
    """$SOHOA_CORPUS, else the nearest ../shared/corpus above the checkout (worktrees nest)."""
    env = os.environ.get("SOHOA_CORPUS")
    if env:
        return Path(env) / "dev"
    for parent in REPO.parents:
        if (parent / "shared" / "corpus" / "dev").is_dir():
            return parent / "shared" / "corpus" / "dev"
    return REPO.parent / "shared" / "corpus" / "dev"


def _tessdata() -> Path | None:
    from ocr.models import installed_dir

    return installed_dir()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _cache_key(sha: str, settings: OcrSettings) -> str:
    knobs = json.dumps(asdict(settings), sort_keys=True)
    return sha[:32] + "-" + hashlib.sha256(knobs.encode()).hexdigest()[:12]


def load_inputs(path: Path, cache: Path, settings: OcrSettings, workdir: Path
                ) -> tuple[tuple[PageText, ...], tuple, bool]:
    """(pages, page images, from cache) for one file, as the pipeline would make them."""
    req = ocr.OcrRequest(workdir=workdir, settings=settings, tessdata_dir=_tessdata(),
                         max_image_mpixels=250.0, jobs=1)
    try:
        validated = validate(path, Limits())
        kind, signed = validated.kind, validated.signed
    except InputRejected:
        kind, signed = sniff(path), False
    cached = cache / (_cache_key(_sha256(path), settings) + ".json")
    if signed:
        page_count, images = ocr.render_pages(path, [1], req, last=True)
    else:
        prepared = ocr.prepare(path, kind, req)
        page_count, images = ocr.render_pages(prepared, [1], req, last=True)
    if cached.exists():
        data = json.loads(cached.read_text(encoding="utf-8"))
        pages = tuple(PageText(**p) for p in data["pages"])
        return pages, images, data.get("fallback") or True
    fallback = ""
    if signed:
        pages = ocr.text_of_born_digital(path, page_count)
    else:
        try:
            pages = ocr.recognise(prepared, page_count, images, req).pages
        except InputRejected as exc:
            # The pipeline would retry or quarantine this file (never archive it open). To
            # still measure classification on its content, read its pages with tesseract.
            fallback = exc.code
            pages = _fallback_text(prepared, page_count, req)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps({"file": path.name, "fallback": fallback,
                               "pages": [asdict(p) for p in pages]},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, cached)
    return pages, images, False


def _fallback_text(pdf: Path, page_count: int, req: ocr.OcrRequest) -> tuple[PageText, ...]:
    import pytesseract

    out = []
    own = req.workdir / "fallback"  # not over the classification renders
    own.mkdir(exist_ok=True)
    req = ocr.OcrRequest(workdir=own, settings=req.settings, tessdata_dir=req.tessdata_dir,
                         max_image_mpixels=req.max_image_mpixels, jobs=1)
    for number in range(1, page_count + 1):
        _, rendered = ocr.render_pages(pdf, [number], req, last=False, dpi=300)
        config = f'--tessdata-dir "{req.tessdata_dir}"' if req.tessdata_dir else ""
        text = pytesseract.image_to_string(str(rendered[0].path), lang="vie", config=config,
                                           timeout=300)
        out.append(PageText(number, text.strip(), None, True))
    return tuple(out)


def _norm(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [collapse_space(nfc(str(v))) for v in value]
    return collapse_space(nfc(str(value)))


def field_value(verdict: Classification, name: str) -> object:
    return getattr(verdict.metadata, name)


def evaluate(corpus: Path, cache: Path, *, ground_truth_text: bool, only: list[str],
             verbose: bool, ocr_only: bool = False, metadata: bool = True) -> dict:
    """One pass over the corpus. `metadata=False`: secrecy only (no zone OCR, faster)."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest if e.get("secrecy") and (not only or any(
        o in e["file"] for o in only))]
    settings = OcrSettings()
    tessdata = _tessdata()
    ram = Path(settings.ram_tmp_dir)
    base = ram if ram.is_dir() else None  # renders stay in RAM, as in the pipeline
    rows = []
    started = time.monotonic()
    for entry in entries:
        path = corpus / entry["file"]
        workdir = Path(tempfile.mkdtemp(prefix="sohoa-bench-", dir=base))
        try:
            t0 = time.monotonic()
            pages, images, hit = load_inputs(path, cache, settings, workdir)
            t1 = time.monotonic()
            if ocr_only:
                print(f"{entry['file']}: {len(pages)} pages, {t1 - t0:.1f} s", flush=True)
                continue
            level, found = classification.precheck(images, tessdata)
            verdict = classification.classify(
                images, pages, image_evidence_found=found, tessdata_dir=tessdata,
                zone_ocr=metadata and not ground_truth_text)
            if ground_truth_text:
                # The printed text as the only source: extraction errors without OCR errors.
                gt_pages = tuple(
                    PageText(i + 1, t, None, False, blank=not t.strip())
                    for i, t in enumerate(entry["text_per_page"])
                )
                meta_verdict = classification.classify(
                    images, gt_pages, image_evidence_found=found, tessdata_dir=tessdata,
                    zone_ocr=False)
            else:
                meta_verdict = verdict
            t2 = time.monotonic()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        decided = level.value if level is Secrecy.TUYET_MAT else verdict.secrecy.value
        review = True if level is Secrecy.TUYET_MAT else verdict.review
        fields = {}
        for name in FIELDS:
            want = _norm(entry.get(name))
            got = _norm(field_value(meta_verdict, name))
            fields[name] = {"expected": want, "got": got, "ok": want == got}
        row = {
            "file": entry["file"],
            "expected": entry["secrecy"],
            "decided": decided,
            "review": review,
            "confidence": verdict.confidence,
            "held_early": level is Secrecy.TUYET_MAT,
            "color": entry.get("color_mode"),
            "evidence": [
                {"signal": e.signal, "level": e.level.value, "score": e.score, "page": e.page,
                 "bbox": list(e.bbox) if e.bbox else None, "detail": e.detail}
                for e in verdict.evidence
            ],
            "fields": fields,
            "ocr_seconds": round(t1 - t0, 2),
            "classify_seconds": round(t2 - t1, 2),
            "ocr_cached": hit,
        }
        rows.append(row)
        if verbose:
            _print_row(row)
    return _summary(rows, time.monotonic() - started, ground_truth_text)


def _print_row(row: dict) -> None:
    flag = "" if row["expected"] == row["decided"] else "   <-- WRONG"
    if row["expected"] == "none" and row["decided"] != "none":
        flag = "   <-- locked away"
    if row["expected"] != "none" and row["decided"] == "none":
        flag = "   <-- LEAK"
    print(f"{row['file']}: expected {row['expected']}, decided {row['decided']}"
          f"{' +review' if row['review'] else ''} (conf {row['confidence']}){flag}")
    for e in row["evidence"]:
        print(f"    {e['signal']} {e['level']} {e['score']} p{e['page']} {e['bbox']} "
              f"{e['detail']}")
    for name, f in row["fields"].items():
        if not f["ok"]:
            print(f"    {name}: expected {f['expected']!r} got {f['got']!r}")


def _summary(rows: list[dict], seconds: float, gt_text: bool) -> dict:
    matrix = {want: {got: 0 for got in LEVELS} for want in LEVELS}
    for r in rows:
        matrix[r["expected"]][r["decided"]] += 1
    secret = [r for r in rows if r["expected"] != "none"]
    open_ = [r for r in rows if r["expected"] == "none"]
    recall = sum(r["decided"] != "none" for r in secret) / len(secret) if secret else 1.0
    clean = sum(r["decided"] == "none" and not r["review"] for r in open_)
    exact_level = sum(r["decided"] == r["expected"] for r in secret)
    # A held (TUYỆT MẬT) document has no metadata by design: nothing is read from its content.
    scored = [r for r in rows if r["decided"] != "tuyet_mat"]
    accuracy = {}
    for name in FIELDS:
        ok = sum(r["fields"][name]["ok"] for r in scored)
        accuracy[name] = round(ok / len(scored), 3) if scored else 0.0
    return {
        "files": len(rows),
        "text": "ground_truth" if gt_text else "ocr",
        "confusion": matrix,
        "classified_recall": round(recall, 3),
        "classified_exact_level": f"{exact_level}/{len(secret)}",
        "non_secret_clean_share": round(clean / len(open_), 3) if open_ else 1.0,
        "non_secret_clean": f"{clean}/{len(open_)}",
        "field_accuracy": accuracy,
        "metadata_files": len(scored),
        "held_files": [r["file"] for r in rows if r["decided"] == "tuyet_mat"],
        "targets": TARGETS,
        "seconds": round(seconds, 1),
        "rows": rows,
    }


def print_report(s: dict) -> None:
    print(f"\nSecrecy confusion matrix ({s['files']} files; rows: expected, columns: decided)")
    head = "expected \\ decided"
    print(f"{head:<20}" + "".join(f"{lv:>11}" for lv in LEVELS))
    for want in LEVELS:
        print(f"{want:<20}" + "".join(f"{s['confusion'][want][got]:>11}" for got in LEVELS))
    print(f"\nclassified recall (not decided none): {s['classified_recall']:.1%}  "
          f"(exact level {s['classified_exact_level']})")
    print(f"non-secret decided non-secret without review: {s['non_secret_clean_share']:.1%} "
          f"({s['non_secret_clean']})")
    print(f"\nMetadata exact match ({s['text']} text, {s['metadata_files']} files; held "
          f"TUYỆT MẬT files have none by design: {', '.join(s['held_files']) or '-'})")
    for name, acc in s["field_accuracy"].items():
        target = s["targets"].get(name)
        mark = "" if target is None else (" ok" if acc >= target else f" BELOW {target:.0%}")
        print(f"  {name:<18}{acc:>7.1%}{mark}")
    print(f"\n{s['seconds']} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None, help="corpus dev folder")
    ap.add_argument("--cache", type=Path, default=REPO / ".cache" / "bench" / "classify")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--ground-truth-text", action="store_true",
                    help="metadata from the manifest's text_per_page instead of OCR text")
    ap.add_argument("--only", nargs="*", default=[], help="substrings of file names")
    ap.add_argument("--verbose", "-v", action="store_true", help="per-file evidence and misses")
    ap.add_argument("--ocr-only", action="store_true", help="only fill the OCR cache")
    args = ap.parse_args(argv)
    corpus = args.corpus or default_corpus()
    if not (corpus / "manifest.json").exists():
        print(f"no manifest.json in {corpus}", file=sys.stderr)
        return 2
    summary = evaluate(corpus, args.cache, ground_truth_text=args.ground_truth_text,
                       only=args.only, verbose=args.verbose and not args.json,
                       ocr_only=args.ocr_only)
    if args.ocr_only:
        return 0
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print_report(summary)
    failed = summary["classified_recall"] < 1.0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
