"""Hashing throughput of a full `sohoa audit` next to `sha256sum` over the same files.

    nice -n 10 python bench/audit_speed.py [--size-gb 2] [--runs 3] [--signed 8]
                                           [--workdir DIR] [--json out.json] [--keep]

Builds, in a temporary folder (`--workdir`, default the system temp dir, on disk), a real home
holding `--size-gb` of documents: each an original of random bytes (200 KB - 6 MB, like scans)
and a JSON record, committed through the archive's own store, catalog and event log, with signed
tree heads. Then, `--runs` times each and alternating, after one read to put every file in the
page cache (so both sides hash from memory and the comparison is about hashing, not the disk):

- `audit`: `archive.audit.run_audit` on the whole home (every object re-hashed, catalog, orphans,
  log chain, Merkle tree, every tree head's signature and consistency), wall clock;
- `sha256sum`: one `sha256sum` process over the same object files;
- `openssl`: one `openssl dgst -sha256` process over them, for reference.

Target (issue 6): the audit's throughput at least 80% of sha256sum's. Throughput is bytes of
objects / wall seconds; CPU seconds (user + system) are reported too, as the machine may be
shared. Signature checks and the PDF/A preflight cost per document, not per byte: they are
measured apart on `--signed` real documents (an ocrmypdf PDF/A-2b signed by the archive) and
reported as seconds per document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from archive import Archive, NewDocument, utc_iso  # noqa: E402
from archive.audit import run_audit  # noqa: E402
from archive.catalog import DocumentRow  # noqa: E402
from archive.preflight import preflight  # noqa: E402

PASSPHRASE = "bench-vault-passphrase"  # noqa: S105 (a throwaway bench vault)
MIN_OBJECT = 200_000
MAX_OBJECT = 6_000_000


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def build_synthetic(home: Path, size: int, seed: int = 6) -> int:
    """Documents of random bytes plus records, through the real store, catalog and log."""
    archive = Archive(home)
    archive.create("Bench", PASSPHRASE)
    archive.open()
    rng = random.Random(seed)  # noqa: S311 (reproducible filler bytes, not secrets)
    total = count = 0
    while total < size:
        n = min(rng.randint(MIN_OBJECT, MAX_OBJECT), max(size - total, MIN_OBJECT))
        data = rng.randbytes(n)
        sha = archive.store.put_bytes(data)
        doc_id = f"bench-{count:05d}"
        record = archive.store.put_bytes(json.dumps(
            {"doc_id": doc_id, "original": {"sha256": sha, "size": n},
             "archival": {"sha256": ""}, "metadata": {}}).encode())
        archive.catalog.add_document(DocumentRow(
            doc_id=doc_id, zone="open", status="archived", secrecy="none", sha256=sha, size=n,
            original_name=f"{doc_id}.pdf", received_at=utc_iso(), archived_at=utc_iso(),
            original_object=sha, record_object=record))
        archive.log.append("archive", doc_id=doc_id, zone="open", sha256=sha,
                           record_sha256=record)
        total += n
        count += 1
        if count % 100 == 0:
            archive.sign_tree_head()
    archive.sign_tree_head()
    archive.catalog.close()
    return count


def make_pdfa(work: Path) -> Path:
    import img2pdf
    import ocrmypdf
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    for i in range(12):
        draw.text((110, 140 + 110 * i), f"Dòng thứ {i + 1} của một trang thử nghiệm kiểm tra",
                  fill=0, font=font)
    png = work / "page.png"
    img.save(png, dpi=(150, 150))
    scan = work / "scan.pdf"
    scan.write_bytes(img2pdf.convert(str(png)))
    out = work / "pdfa.pdf"
    ocrmypdf.ocr(scan, out, output_type="pdfa-2", pdfa_backend="internal",
                 rasterizer="pypdfium", language=["eng"], progress_bar=False)
    return out


def build_signed(home: Path, work: Path, count: int) -> Archive:
    from sohoa.records import Classification, DocumentMetadata, InputKind, PageText, Secrecy

    archive = Archive(home)
    archive.create("Bench", PASSPHRASE)
    archive.open()
    pdfa = make_pdfa(work)
    for i in range(count):
        original = work / f"original-{i}.pdf"
        original.write_bytes(pdfa.read_bytes() + f"%{i}\n".encode())
        signed = work / f"signed-{i}.pdf"
        check = archive.sign(pdfa, signed)
        data = original.read_bytes()
        archive.commit_open(NewDocument(
            doc_id=f"signed-{i}", job_id=f"job-{i}", original_path=original,
            original_name=original.name, sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), kind=InputKind.PDF, received_at=utc_iso(),
            classification=Classification(Secrecy.NONE, 0.97, False, (), DocumentMetadata(),
                                          Secrecy.NONE),
            pages=(PageText(1, "", 90.0, True),), signed_pdf=signed, signature=check))
    archive.sign_tree_head()
    return archive


def object_files(home: Path) -> list[str]:
    return sorted(str(p) for p in (home / "store" / "objects").glob("*/*"))


def warm(files: list[str]) -> None:
    for name in files:
        with open(name, "rb", buffering=0) as fh:
            while fh.read(1 << 22):
                pass


def time_tool(cmd: list[str], files: list[str]) -> tuple[float, float]:
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*cmd, *files], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, cpu_seconds(resource.RUSAGE_CHILDREN) - before


def time_audit(archive: Archive) -> tuple[float, float, int]:
    before = cpu_seconds(resource.RUSAGE_SELF)
    started = time.perf_counter()
    report = run_audit(archive)
    wall = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"the bench archive is not clean: {report.problems[:3]}")
    return wall, cpu_seconds(resource.RUSAGE_SELF) - before, report.bytes_hashed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--signed", type=int, default=8)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--json", help="write the results here too")
    parser.add_argument("--keep", action="store_true", help="keep the bench homes")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="sohoa-audit-bench-", dir=args.workdir))
    results: dict[str, Any] = {"size_gb": args.size_gb, "runs": args.runs}
    try:
        t = time.perf_counter()
        docs = build_synthetic(root / "home", int(args.size_gb * 1e9))
        results["documents"] = docs
        results["build_seconds"] = round(time.perf_counter() - t, 1)
        archive = Archive(root / "home")
        archive.open()
        files = object_files(root / "home")
        size = sum(os.path.getsize(f) for f in files)
        results["objects"] = len(files)
        results["bytes"] = size
        warm(files)
        tools = {"sha256sum": ["sha256sum", "--"]}
        if shutil.which("openssl"):
            tools["openssl"] = ["openssl", "dgst", "-sha256"]
        runs: dict[str, list[tuple[float, float]]] = {"audit": [], **{k: [] for k in tools}}
        for _ in range(args.runs):
            wall, cpu, hashed = time_audit(archive)
            assert hashed == size, (hashed, size)
            runs["audit"].append((wall, cpu))
            for name, cmd in tools.items():
                runs[name].append(time_tool(cmd, files))
        for name, values in runs.items():
            wall = statistics.median(v[0] for v in values)
            cpu = statistics.median(v[1] for v in values)
            results[name] = {"wall_s": [round(v[0], 3) for v in values],
                             "median_wall_s": round(wall, 3), "median_cpu_s": round(cpu, 3),
                             "mb_per_s": round(size / 1e6 / wall, 1),
                             "mb_per_cpu_s": round(size / 1e6 / cpu, 1) if cpu else None}
        results["audit_vs_sha256sum"] = round(
            results["audit"]["mb_per_s"] / results["sha256sum"]["mb_per_s"], 2)
        results["target_met"] = results["audit_vs_sha256sum"] >= 0.8
        shutil.rmtree(root / "home", ignore_errors=not args.keep)

        if args.signed:
            (root / "work").mkdir()
            signed = build_signed(root / "signed", root / "work", args.signed)
            started = time.perf_counter()
            report = run_audit(signed, preflight=preflight)
            wall = time.perf_counter() - started
            assert report.ok, report.problems
            results["signed_documents"] = {
                "documents": args.signed,
                "audit_seconds": round(wall, 3),
                "seconds_per_document": round(wall / args.signed, 3),
                "note": "signature validation + PDF/A preflight + qpdf --check + hashing",
            }
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    print(f"{results['objects']} objects, {results['bytes'] / 1e9:.2f} GB, page cache warm, "
          f"median of {args.runs} runs")
    print(f"{'':10} {'wall s':>8} {'MB/s':>8} {'CPU s':>8} {'MB/CPU-s':>9}")
    for name in ("audit", "sha256sum", "openssl"):
        if name in results:
            r = results[name]
            print(f"{name:10} {r['median_wall_s']:8.2f} {r['mb_per_s']:8.1f} "
                  f"{r['median_cpu_s']:8.2f} {r['mb_per_cpu_s'] or 0:9.1f}")
    print(f"audit / sha256sum throughput: {results['audit_vs_sha256sum']:.2f} "
          f"(target >= 0.80: {'met' if results['target_met'] else 'NOT met'})")
    if "signed_documents" in results:
        s = results["signed_documents"]
        print(f"signed PDF/A documents: {s['seconds_per_document']} s each "
              f"(signature + preflight + qpdf + hashing, {s['documents']} documents)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if results["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
