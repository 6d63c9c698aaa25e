"""Peak memory of `sohoa ingest` on the two inputs issue 3 names: a 60-page PDF and a
30000×30000 image (target: no process past 1.5 GB).

    python bench/ingest_memory.py [--corpus ../shared/corpus] [--pages-pdf FILE] [--json]

Each input is ingested by its own `sohoa ingest` into a fresh home. The peak resident set of
every process involved (the CLI, its worker threads, the OCR child, tesseract, ...) is read from
`getrusage(RUSAGE_CHILDREN).ru_maxrss` after the command returns: the largest peak of any single
descendant that was waited for, which is the figure a per-process limit is about. The 60-page
PDF is the corpus's `bad/SCAN_0200_60trang.pdf` unless `--pages-pdf` names another. The image is
written here as a greyscale PNG streamed row by row (900 megapixels, about 1 MB on disk), so this
script itself never holds it in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIMIT_MB = 1536


def write_huge_png(path: Path, width: int = 30000, height: int = 30000) -> None:
    """A white greyscale PNG of width×height, compressed as it is written."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xff" * width  # filter byte "none", then white pixels
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        compressor = zlib.compressobj(9)
        pending = b""
        for _ in range(height):
            pending += compressor.compress(row)
            if len(pending) > 1 << 20:
                fh.write(chunk(b"IDAT", pending))
                pending = b""
        pending += compressor.flush()
        fh.write(chunk(b"IDAT", pending))
        fh.write(chunk(b"IEND", b""))


def ingest_peak(path: Path, work: Path) -> dict:
    """Ingest one file in a fresh home in a fresh Python that reports its children's peak."""
    env = dict(os.environ, PYTHONPATH=str(REPO), SOHOA_VAULT_PASSPHRASE="bench-passphrase")
    home = work / f"home-{path.stem}"
    subprocess.run([sys.executable, "-m", "sohoa", "init", "--home", str(home)], env=env,
                   check=True, capture_output=True)
    # A separate runner, so RUSAGE_CHILDREN counts only this ingest and its descendants.
    runner = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'rc': r.returncode, 'out': r.stdout, 'seconds': time.monotonic() - t,"
        " 'maxrss_kb': u.ru_maxrss}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", runner, sys.executable, "-m", "sohoa", "ingest", "--home",
         str(home), "--json", str(path)],
        env=env, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    outcome = json.loads(report["out"].splitlines()[-1]) if report["out"].strip() else {}
    return {"file": path.name, "size_mb": round(path.stat().st_size / 2**20, 1),
            "status": outcome.get("status"), "reason_code": outcome.get("reason_code"),
            "pages": outcome.get("pages"), "seconds": round(report["seconds"], 1),
            "peak_rss_mb": round(report["maxrss_kb"] / 1024, 1),
            "within_limit": report["maxrss_kb"] / 1024 <= LIMIT_MB}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.environ.get(
        "SOHOA_CORPUS", str(REPO.parent / "shared" / "corpus")))
    parser.add_argument("--pages-pdf", help="a long PDF (default: the corpus's 60-page scan)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    long_pdf = Path(args.pages_pdf) if args.pages_pdf else (
        Path(args.corpus) / "dev" / "bad" / "SCAN_0200_60trang.pdf")
    if not long_pdf.exists():
        print(f"no long PDF at {long_pdf}: give --pages-pdf", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-mem-"))
    try:
        huge = work / "scan_30000x30000.png"
        write_huge_png(huge)
        results = [ingest_peak(long_pdf, work), ingest_peak(huge, work)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = {"limit_mb": LIMIT_MB, "results": results,
               "load_average": round(os.getloadavg()[0], 1),
               "at": time.strftime("%Y-%m-%d %H:%M")}
    print(json.dumps(summary, ensure_ascii=False, indent=None if args.json else 2))
    return 0 if all(r["within_limit"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
