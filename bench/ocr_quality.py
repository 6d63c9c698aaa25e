"""OCR quality on the dev corpus: our OCR stage next to plain ocrmypdf, in one run.

    python bench/ocr_quality.py [--corpus DIR] [--cache DIR] [--json | --markdown] [--only NAME ...]
                                [--no-plain] [--no-cache] [--jobs N] [--tessdata DIR]
                                [--set KEY=VALUE ...]

Files: the dev corpus documents that are OCR'd (`kind` document, `expected` "ocr"; the
born-digital PDF with a text layer is not OCR'd by either side). Ground truth: the manifest's
`text_per_page` (the printed text in reading order). It is the evaluation set: nothing in the
OCR stage (pre-processing choices, correction lexicon, language model) is trained or tuned on it.

For each file, two pipelines:
- ours: `ocr.prepare` then `ocr.recognise`, called as `sohoa/pipeline.py` calls them, with the
  installed model (`ocr.models.installed_dir()`, or `--tessdata`) and `OcrSettings()` (or
  `--set preprocess=false` ...);
- plain: `ocrmypdf -l vie --output-type pdfa-2` (images wrapped with img2pdf first), with the
  system's tesseract model and ocrmypdf's default parallelism.
And for each pipeline, two texts: the text we index (our `PageText.text`; ocrmypdf's sidecar for
plain) and the archival PDF's text layer as `pdftotext -f N -l N` extracts it, page by page.

Metrics, per document and overall (sums over pages, then divided):
- WER: word error rate without regard to order. Words are maximal runs of letters and digits
  (NFC, lower case); errors are the reference words missing from the output plus the output
  words not in the reference (as multisets), over the number of reference words. `WERf`: the
  same after accent folding (sohoa.vntext.fold).
- CER: Levenshtein distance over the page text with whitespace collapsed, over the reference
  length.
- s/page: wall-clock seconds per page (and CPU seconds of the child processes), with the load
  average at the end of the run; the machine is shared, so CPU seconds are the steadier figure.

Results are cached under `--cache` (default `.cache/bench/ocr`), keyed by the file's SHA-256 and,
for ours, the OCR settings, the model file and the source of the `ocr` package, so a re-run after
a code change OCRs again and an unchanged re-run only computes the metrics.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import ocr  # noqa: E402
from ingest.sniff import sniff  # noqa: E402
from sohoa.records import InputKind  # noqa: E402
from sohoa.settings import OcrSettings  # noqa: E402
from sohoa.vntext import collapse_space, fold, nfc  # noqa: E402

_WORD = re.compile(r"[^\W_]+")


def default_corpus() -> Path:
    """$SOHOA_CORPUS, else the nearest ../shared/corpus above the checkout (worktrees nest)."""
    env = os.environ.get("SOHOA_CORPUS")
    if env:
        return Path(env) / "dev"
    for parent in REPO.parents:
        if (parent / "shared" / "corpus" / "dev").is_dir():
            return parent / "shared" / "corpus" / "dev"
    return REPO.parent / "shared" / "corpus" / "dev"


# -- metrics ----------------------------------------------------------------------------------


def words(text: str, folded: bool = False) -> list[str]:
    text = fold(text) if folded else nfc(text).lower()
    return _WORD.findall(text)


def bag_errors(ref: str, hyp: str, folded: bool = False) -> tuple[int, int]:
    """(errors, reference words): missing reference words plus extra output words."""
    r, h = Counter(words(ref, folded)), Counter(words(hyp, folded))
    return sum((r - h).values()) + sum((h - r).values()), sum(r.values())


def char_errors(ref: str, hyp: str) -> tuple[int, int]:
    from rapidfuzz.distance import Levenshtein

    r, h = collapse_space(nfc(ref)), collapse_space(nfc(hyp))
    return Levenshtein.distance(r, h), len(r)


def score(refs: list[str], hyps: list[str]) -> dict[str, Any]:
    wer = [0, 0]
    werf = [0, 0]
    cer = [0, 0]
    for ref, hyp in zip(refs, hyps, strict=True):
        for acc, (e, n) in ((wer, bag_errors(ref, hyp)), (werf, bag_errors(ref, hyp, True)),
                            (cer, char_errors(ref, hyp))):
            acc[0] += e
            acc[1] += n
    return {"wer_err": wer[0], "words": wer[1], "werf_err": werf[0], "cer_err": cer[0],
            "chars": cer[1]}


def rates(s: dict[str, Any]) -> dict[str, float]:
    return {"wer": s["wer_err"] / max(1, s["words"]), "werf": s["werf_err"] / max(1, s["words"]),
            "cer": s["cer_err"] / max(1, s["chars"])}


# -- running ----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_digest() -> str:
    """The ocr package's code and data: a change to either invalidates cached results."""
    h = hashlib.sha256()
    for path in sorted((REPO / "ocr").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(REPO).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _model_id(tessdata: Path | None) -> str:
    model = (tessdata or Path("/usr/share/tesseract-ocr/5/tessdata")) / "vie.traineddata"
    if not model.exists():
        return "none"
    st = model.stat()
    return f"{st.st_size}-{int(st.st_mtime)}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def layer_text(pdf: Path, pages: int) -> list[str]:
    out = []
    for n in range(1, pages + 1):
        res = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n), str(pdf),
                              "-"], capture_output=True, text=True, timeout=120)
        out.append(res.stdout if res.returncode == 0 else "")
    return out


def run_ours(path: Path, pages: int, settings: OcrSettings, tessdata: Path | None,
             jobs: int) -> dict[str, Any]:
    """prepare + recognise, as sohoa/pipeline.py `_process_valid` calls them."""
    base = Path(settings.ram_tmp_dir)
    workdir = Path(tempfile.mkdtemp(prefix="sohoa-bench-ocr-",
                                    dir=base if base.is_dir() else None))
    try:
        req = ocr.OcrRequest(workdir=workdir, settings=settings, tessdata_dir=tessdata,
                             max_image_mpixels=250.0, jobs=jobs, keep_words=True)
        cpu0, t0 = _children_cpu(), time.monotonic()
        kind = sniff(path)
        prepared = ocr.prepare(path, kind, req)
        result = ocr.recognise(prepared, pages, (), req)
        wall, cpu = time.monotonic() - t0, _children_cpu() - cpu0
        kept = []
        for n in range(1, pages + 1):
            f = workdir / "pages" / f"words-{n:04d}.json"
            kept.append(json.loads(f.read_text(encoding="utf-8")) if f.exists() else None)
        return {
            "words": kept,
            "text": [p.text for p in result.pages],
            "layer": layer_text(result.archival_pdf, pages),
            "pages": [dataclasses.asdict(p) for p in result.pages],
            "seconds": wall, "cpu_seconds": cpu, "engine": result.engine,
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_plain(path: Path, pages: int) -> dict[str, Any]:
    """`ocrmypdf -l vie --output-type pdfa-2`, images wrapped with img2pdf first."""
    import img2pdf

    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-plain-"))
    try:
        cpu0, t0 = _children_cpu(), time.monotonic()
        source = path
        if sniff(path) is not InputKind.PDF:
            source = work / "in.pdf"
            source.write_bytes(img2pdf.convert(str(path)))
        out, side = work / "out.pdf", work / "side.txt"
        env = {k: v for k, v in os.environ.items() if k != "TESSDATA_PREFIX"}
        done = subprocess.run([sys.executable, "-m", "ocrmypdf", "-l", "vie", "--output-type", "pdfa-2", "--sidecar",
                               str(side), str(source), str(out)], capture_output=True, env=env)
        wall, cpu = time.monotonic() - t0, _children_cpu() - cpu0
        if done.returncode != 0:
            return {"error": f"exit {done.returncode}", "text": [""] * pages,
                    "layer": [""] * pages, "seconds": wall, "cpu_seconds": cpu}
        texts = side.read_text(encoding="utf-8").split("\f")
        texts = (texts + [""] * pages)[:pages]
        return {"text": texts, "layer": layer_text(out, pages), "seconds": wall,
                "cpu_seconds": cpu}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cached_run(cache: Path | None, key: str, fn, *args) -> tuple[dict[str, Any], bool]:  # type: ignore[no-untyped-def]
    target = cache / f"{key}.json" if cache else None
    if target and target.exists():
        return json.loads(target.read_text(encoding="utf-8")), True
    result = fn(*args)
    if target:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
    return result, False


def _settings(overrides: list[str]) -> OcrSettings:
    values: dict[str, Any] = {}
    hints = {f.name: f.type for f in dataclasses.fields(OcrSettings)}
    for item in overrides:
        key, _, raw = item.partition("=")
        kind = hints[key]
        if kind in (bool, "bool"):
            values[key] = raw.lower() in ("1", "true", "yes", "on")
        elif kind in (float, "float"):
            values[key] = float(raw)
        else:
            values[key] = raw
    return dataclasses.replace(OcrSettings(), **values)


def _kind(word: str, ref: str) -> str:
    if any(c.isdigit() for c in word):
        return "number"
    printed = [m.group(0) for m in _WORD.finditer(nfc(ref)) if m.group(0).lower() == word]
    return "capitalised" if printed and printed[0][:1].isupper() else "word"


def correction_effect(refs: list[str], kept: list[Any]) -> dict[str, Any]:
    """Words the correction fixed and broke, from tesseract's words before and after it (left
    by the plugin for benchmarks), compared with the reference as bags of words."""
    fixed = broken = changed = 0
    kinds: Counter[str] = Counter()
    examples: list[str] = []
    for ref, page in zip(refs, kept, strict=True):
        if not page:
            continue
        raw = [w for w, _ in page["words"]]
        new = page["corrected"]
        r = Counter(words(ref))
        before, after = Counter(words(" ".join(raw))), Counter(words(" ".join(new)))
        changed += sum(a != b for a, b in zip(raw, new, strict=True))
        for w in set(r) & (set(before) | set(after)):
            was, now = min(before[w], r[w]), min(after[w], r[w])
            if now > was:
                fixed += now - was
            elif was > now:
                broken += was - now
                kinds[_kind(w, ref)] += was - now
                examples.extend(f"{a}->{b}" for a, b in zip(raw, new, strict=True)
                                if a != b and w in words(a))
    return {"fixed": fixed, "broken": broken, "changed": changed, "broken_kinds": dict(kinds),
            "broken_examples": examples[:20]}


# -- report -----------------------------------------------------------------------------------


def _fmt(s: dict[str, Any]) -> str:
    r = rates(s)
    return f"{100 * r['wer']:5.1f} {100 * r['werf']:5.1f} {100 * r['cer']:5.1f}"


def print_table(report: dict[str, Any]) -> None:
    for side in report["pipelines"]:
        print(f"\n{side}: WER% WERf% CER% for the indexed text | the PDF text layer (pdftotext)")
        print(f"{'document':34} pages {'text: WER  WERf   CER':>22} | {'layer: WER WERf   CER':>21}"
              f" | s/page cpu/page")
        for row in report["documents"]:
            d = row[side]
            print(f"{row['file'][:34]:34} {row['pages']:5} {_fmt(d['text']):>22} | "
                  f"{_fmt(d['layer']):>21} | {d['s_per_page']:6.2f} {d['cpu_per_page']:6.2f}")
        o = report["overall"][side]
        print(f"{'OVERALL':34} {report['pages']:5} {_fmt(o['text']):>22} | {_fmt(o['layer']):>21}"
              f" | {o['s_per_page']:6.2f} {o['cpu_per_page']:6.2f}")
    print(f"\nload average at the end: {report['load_average']:.2f}; "
          f"ours: {report['engine']}; jobs {report['jobs']}")


def markdown(report: dict[str, Any]) -> str:
    """The table for bench/README.md: one row per document, both pipelines, both texts."""
    sides = report["pipelines"]
    head = "| document | pages | " + " | ".join(
        f"{s} text WER / WERf / CER | {s} layer WER / WERf / CER" for s in sides) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(sides))]

    def cells(d: dict[str, Any]) -> str:
        out = []
        for kind in ("text", "layer"):
            r = rates(d[kind])
            out.append(f"{100 * r['wer']:.1f} / {100 * r['werf']:.1f} / {100 * r['cer']:.1f}")
        return " | ".join(out)

    for row in report["documents"]:
        name = row["file"].split("/")[-1]
        lines.append(f"| {name} | {row['pages']} | "
                     + " | ".join(cells(row[s]) for s in sides) + " |")
    lines.append(f"| **overall** | {report['pages']} | "
                 + " | ".join(f"**{cells(report['overall'][s])}**" for s in sides) + " |")
    speed = "; ".join(f"{s}: {report['overall'][s]['s_per_page']:.2f} s/page wall, "
                      f"{report['overall'][s]['cpu_per_page']:.2f} CPU s/page" for s in sides)
    return "\n".join(lines) + f"\n\n{speed}; load average {report['load_average']:.1f}\n"


def replay(corpus: Path, cache: Path, only: list[str]) -> int:
    """The correction alone, on the words tesseract gave in the newest cached run of each file.

    For tuning the correction on the development set (`--corpus samples`) in seconds instead of
    an OCR run; word errors as bags, so the text's line order does not matter."""
    from ocr.correct import correct_words, is_noise, number_headings

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    totals: Counter[str] = Counter()
    for entry in manifest:
        if entry["kind"] != "document" or entry.get("expected") != "ocr" or (
                only and not any(o in entry["file"] for o in only)):
            continue
        runs = sorted(cache.glob(f"ours-{_sha256(corpus / entry['file'])[:24]}-*.json"),
                      key=lambda f: f.stat().st_mtime)
        if not runs:
            continue
        kept = json.loads(runs[-1].read_text(encoding="utf-8"))["words"]
        row: Counter[str] = Counter()
        pages = []
        for ref, page in zip(entry["text_per_page"], kept, strict=True):
            if not page:
                continue
            raw = [(w, c) for w, c in page["words"]]
            new = ["" if is_noise(w, c) else w
                   for w, (_, c) in zip(correct_words(raw, page.get("choices")), raw, strict=True)]
            if page.get("line_starts"):  # runs before the heading numbers were kept have none
                new = number_headings(new, page["line_starts"], page.get("aspects"))
            for key, hyp in (("raw", raw and " ".join(w for w, _ in raw)), ("new", " ".join(new))):
                e, n = bag_errors(nfc(ref), hyp or "")
                row[f"{key}_err"] += e
                row["words"] += n if key == "raw" else 0
            pages.append({"words": [list(w) for w in raw], "corrected": new})
        effect = correction_effect([nfc(t) for t in entry["text_per_page"]][:len(pages)], pages)
        row.update({k: effect[k] for k in ("fixed", "broken")})
        totals.update(row)
        print(f"{entry['file']}: raw {row['raw_err']} new {row['new_err']} / {row['words']} "
              f"words, fixed {row['fixed']} broken {row['broken']} "
              f"{' '.join(effect['broken_examples'][:6])}")
    print(f"overall: raw WER {100 * totals['raw_err'] / max(1, totals['words']):.2f}% "
          f"corrected {100 * totals['new_err'] / max(1, totals['words']):.2f}%, "
          f"fixed {totals['fixed']} broken {totals['broken']}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--cache", type=Path, default=REPO / ".cache" / "bench" / "ocr")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--only", nargs="*", default=[], help="files whose name contains one")
    parser.add_argument("--no-plain", action="store_true", help="skip plain ocrmypdf")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="pages OCR'd in parallel by ours (plain: ocrmypdf's default)")
    parser.add_argument("--tessdata", type=Path, default=None,
                        help="model directory for ours (default: the installed model)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="OcrSettings overrides, e.g. preprocess=false")
    parser.add_argument("--replay", action="store_true",
                        help="no OCR: run the correction again on the raw words of the newest "
                             "cached run of each file and score them (word errors only)")
    args = parser.parse_args()
    if args.replay:
        return replay(args.corpus, args.cache, args.only)

    from ocr.models import installed_dir

    corpus = args.corpus
    cache = None if args.no_cache else args.cache
    tessdata = args.tessdata or installed_dir()
    settings = _settings(args.set)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest if e["kind"] == "document" and e.get("expected") == "ocr"
               and (not args.only or any(o in e["file"] for o in args.only))]
    ours_key = hashlib.sha256(json.dumps(
        [dataclasses.asdict(settings), _model_id(tessdata), _source_digest()], sort_keys=True
    ).encode()).hexdigest()[:12]
    import ocrmypdf

    sides = ["ours"] + ([] if args.no_plain else ["plain"])
    rows = []
    totals = {s: {"text": Counter(), "layer": Counter(), "seconds": 0.0, "cpu": 0.0}
              for s in sides}
    engine = ""
    corrections: Counter[str] = Counter()
    broken_kinds: Counter[str] = Counter()
    broken_examples: list[str] = []
    for entry in entries:
        path = corpus / entry["file"]
        pages = int(entry["pages"])
        refs = [nfc(t) for t in entry["text_per_page"]]
        sha = _sha256(path)[:24]
        row: dict[str, Any] = {"file": entry["file"], "pages": pages}
        for side in sides:
            if side == "ours":
                res, hit = cached_run(cache, f"ours-{sha}-{ours_key}", run_ours, path, pages,
                                      settings, tessdata, args.jobs)
                engine = res.get("engine", engine)
            else:
                res, hit = cached_run(cache, f"plain-{sha}-{ocrmypdf.__version__}", run_plain,
                                      path, pages)
            text_s, layer_s = score(refs, res["text"]), score(refs, res["layer"])
            row[side] = {"text": text_s, "layer": layer_s,
                         "s_per_page": res["seconds"] / pages,
                         "cpu_per_page": res["cpu_seconds"] / pages, "cached": hit}
            if side == "ours" and res.get("words"):
                effect = correction_effect(refs, res["words"])
                row[side]["correction"] = effect
                corrections.update({k: effect[k] for k in ("fixed", "broken", "changed")})
                broken_kinds.update(effect["broken_kinds"])
                broken_examples.extend(effect["broken_examples"])
            if side == "ours":
                row[side]["confidence"] = [p.get("confidence") for p in res.get("pages", [])]
                row[side]["blank"] = [p.get("blank") for p in res.get("pages", [])]
            if "error" in res:
                row[side]["error"] = res["error"]
            t = totals[side]
            t["text"].update(text_s)
            t["layer"].update(layer_s)
            t["seconds"] += res["seconds"]
            t["cpu"] += res["cpu_seconds"]
            if not args.json:
                print(f"{side:5} {entry['file']}: {pages} p, {res['seconds']:.1f} s"
                      f"{' (cached)' if hit else ''}", file=sys.stderr, flush=True)
        rows.append(row)
    total_pages = sum(r["pages"] for r in rows)
    report = {
        "corpus": str(corpus), "documents": rows, "pages": total_pages, "pipelines": sides,
        "overall": {s: {"text": dict(t["text"]), "layer": dict(t["layer"]),
                        "text_rates": rates(t["text"]), "layer_rates": rates(t["layer"]),
                        "s_per_page": t["seconds"] / max(1, total_pages),
                        "cpu_per_page": t["cpu"] / max(1, total_pages)}
                    for s, t in totals.items()},
        "settings": dataclasses.asdict(settings), "engine": engine, "jobs": args.jobs,
        "load_average": os.getloadavg()[0],
        "corrections": {**corrections, "broken_kinds": dict(broken_kinds),
                        "broken_examples": broken_examples[:40]},
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    elif args.markdown:
        print(markdown(report))
    else:
        print_table(report)
        c = report["corrections"]
        if c.get("changed"):
            print(f"\ncorrection (ours): {c['fixed']} reference words fixed, {c['broken']} "
                  f"broken (over-corrections: {c['broken_kinds']}), {c['changed']} words "
                  f"changed in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
