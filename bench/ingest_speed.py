"""Seconds per page of the whole `sohoa ingest` next to plain ocrmypdf, in one run.

    python bench/ingest_speed.py [--corpus ../shared/corpus] [--json] [--docs NAME ...]

`sohoa ingest` (one worker per core, as shipped) on the dev corpus documents (outside bad/) into a
fresh home: validation, OCR, classification, signing, store, index. Then plain
`ocrmypdf -l vie --output-type pdfa-2` file by file on the same files (images wrapped with img2pdf
first), run with ocrmypdf's own default parallelism. Wall-clock and CPU seconds (of all child
processes) per page, for both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.environ.get("SOHOA_CORPUS", str(REPO.parent / "shared" / "corpus")))
    parser.add_argument("--docs", nargs="*", help="file names to keep (default: all documents)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpus = Path(args.corpus) / "dev"
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest if e["kind"] == "document"]
    if args.docs:
        entries = [e for e in entries if Path(e["file"]).name in set(args.docs)]
    files = [corpus / e["file"] for e in entries]
    pages = sum(int(e["pages"]) for e in entries)
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-speed-"))
    env = dict(os.environ, PYTHONPATH=str(REPO), SOHOA_VAULT_PASSPHRASE="bench-passphrase")
    cli = [sys.executable, "-m", "sohoa"]
    try:
        home = work / "home"
        subprocess.run([*cli, "init", "--home", str(home)], env=env, check=True,
                       capture_output=True)
        cpu0, t0 = _children_cpu(), time.monotonic()
        run = subprocess.run([*cli, "ingest", "--home", str(home), "--json", *map(str, files)],
                             env=env, capture_output=True, text=True)
        ours_wall, ours_cpu = time.monotonic() - t0, _children_cpu() - cpu0
        statuses: dict[str, int] = {}
        for line in run.stdout.splitlines():
            status = json.loads(line)["status"]
            statuses[status] = statuses.get(status, 0) + 1

        import img2pdf

        plain_dir = work / "plain"
        plain_dir.mkdir()
        cpu0, t0 = _children_cpu(), time.monotonic()
        failures = 0
        for path in files:
            source = path
            if path.suffix.lower() not in (".pdf",):
                source = plain_dir / (path.stem + ".in.pdf")
                source.write_bytes(img2pdf.convert(str(path)))
            done = subprocess.run([sys.executable, "-m", "ocrmypdf", "-l", "vie", "--output-type", "pdfa-2",
                                   str(source), str(plain_dir / (path.stem + ".pdf"))],
                                  capture_output=True)
            failures += done.returncode not in (0,)
        plain_wall, plain_cpu = time.monotonic() - t0, _children_cpu() - cpu0
        result = {
            "documents": len(files),
            "pages": pages,
            "sohoa_ingest": {"wall_s_per_page": round(ours_wall / pages, 2),
                             "cpu_s_per_page": round(ours_cpu / pages, 2),
                             "statuses": statuses},
            "plain_ocrmypdf": {"wall_s_per_page": round(plain_wall / pages, 2),
                               "cpu_s_per_page": round(plain_cpu / pages, 2),
                               "failures": failures},
            "load_average": os.getloadavg()[0],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False) if args.json else json.dumps(result, indent=2,
                                                                             ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
