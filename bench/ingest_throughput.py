"""Throughput of the watched folder: N distinct scans dropped at once.

    python bench/ingest_throughput.py [--files 200] [--json] [--skip-plain]

Generates N distinct one-page A4 scans (tools/docgen, greyscale 200 dpi, some with a MẬT stamp),
drops them into the inbox of a fresh home at once (rename from the same filesystem, so each
appears complete), runs `sohoa watch --once` until the queue is empty, and checks that every file
was processed exactly once (catalog rows, vault rows and archive/vault events, no duplicates, empty
inbox and processing area). Then runs plain `ocrmypdf -l vie` file by file over the same files,
in the same run, for comparison. Prints pages per minute for both.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.docgen import DocSpec, Para, render, save_pdf  # noqa: E402

from sohoa.records import Secrecy  # noqa: E402

WORDS = ("cải cách hành chính chuyển đổi số lưu trữ hồ sơ tài liệu phường ủy ban nhân dân "
         "kế hoạch thực hiện nhiệm vụ công tác cán bộ đảng viên văn bản quản lý dữ liệu "
         "tiếp công dân giải quyết thủ tục trực tuyến bảo đảm an toàn thông tin").split()


def make_scan(i: int, target: Path, secret: bool) -> None:
    rng = random.Random(i)
    body = tuple(
        Para(" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 70))).capitalize() + ".")
        for _ in range(3)
    )
    spec = DocSpec(
        family="state", doc_type="thong_bao", type_label="THÔNG BÁO",
        number_symbol=f"{100 + i}/TB-UBND", issuer="ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI",
        parent="ỦY BAN NHÂN DÂN QUẬN LONG BIÊN", place="Phúc Lợi",
        date=date(2025, 1 + i % 12, 1 + i % 28),
        abstract=f"về kết quả thực hiện nhiệm vụ đợt {i}", body=body,
        recipients=("- Như trên;", "- Lưu: VT."), signer_authority="TM. ỦY BAN NHÂN DÂN",
        signer_title="CHỦ TỊCH", signer_name="Nguyễn Văn An",
        secrecy=Secrecy.MAT if secret else Secrecy.NONE,
        color_mode="rgb" if secret else "gray", dpi=200, seed=i,
    )
    rendered = render(spec)
    save_pdf(rendered.pages[:1], target, spec.dpi)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(files: int, skip_plain: bool) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-ingest-"))
    try:
        src = work / "src"
        src.mkdir()
        paths = []
        for i in range(files):
            path = src / f"scan-{i:04d}.pdf"
            make_scan(i, path, secret=(i % 20 == 7))
            paths.append(path)
        home = work / "home"
        env = dict(os.environ, PYTHONPATH=str(REPO), SOHOA_VAULT_PASSPHRASE="bench-passphrase",
                   SOHOA_INGEST__QUIET_SECONDS="1", SOHOA_INGEST__RESCAN_SECONDS="5")
        cli = [sys.executable, "-m", "sohoa"]
        subprocess.run([*cli, "init", "--home", str(home)], env=env, check=True,
                       capture_output=True)
        staging = home / "inbox-staging"
        staging.mkdir()
        for path in paths:
            shutil.copy(path, staging / path.name)
        for path in staging.iterdir():
            os.rename(path, home / "inbox" / path.name)
        started, cpu0 = time.monotonic(), _children_cpu()
        subprocess.run([*cli, "watch", "--home", str(home), "--once"], env=env, check=True,
                       capture_output=True)
        ours, ours_cpu = time.monotonic() - started, _children_cpu() - cpu0
        with sqlite3.connect(home / "catalog.db") as db:
            open_rows, open_distinct = db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM documents").fetchone()
        with sqlite3.connect(home / "vault" / "catalog.db") as db:
            vault_rows = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        events: dict[str, int] = {}
        for line in (home / "log" / "events.jsonl").read_text(encoding="utf-8").splitlines():
            ev = json.loads(line)
            if ev["type"] in ("archive", "vault"):
                events[ev["doc_id"]] = events.get(ev["doc_id"], 0) + 1
        result: dict[str, object] = {
            "files": files,
            "pages": files,
            "archived": open_rows,
            "classified": vault_rows,
            "all_processed_once": (open_rows + vault_rows == files and open_rows == open_distinct
                                   and all(n == 1 for n in events.values())
                                   and len(events) == files
                                   and not any((home / "inbox").iterdir())
                                   and not any((home / "work" / "processing").iterdir())),
            "sohoa_seconds": round(ours, 1),
            "sohoa_pages_per_min": round(files / ours * 60, 1),
            "sohoa_cpu_s_per_page": round(ours_cpu / files, 2),
            "load_average": round(os.getloadavg()[0], 1),
        }
        # The plain run takes as long again: what was measured so far is worth keeping.
        print(json.dumps(result), file=sys.stderr, flush=True)
        if not skip_plain:
            out = work / "plain"
            out.mkdir()
            started, cpu0 = time.monotonic(), _children_cpu()
            for path in paths:
                subprocess.run([sys.executable, "-m", "ocrmypdf", "-l", "vie", "--output-type", "pdfa-2", str(path),
                                str(out / path.name)], check=True, capture_output=True)
            plain = time.monotonic() - started
            result["plain_ocrmypdf_cpu_s_per_page"] = round((_children_cpu() - cpu0) / files, 2)
            result["plain_ocrmypdf_seconds"] = round(plain, 1)
            result["plain_ocrmypdf_pages_per_min"] = round(files / plain * 60, 1)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-plain", action="store_true")
    args = parser.parse_args()
    result = run(args.files, args.skip_plain)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0 if result["all_processed_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
