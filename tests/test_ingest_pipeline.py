"""Ingest through the real CLI: hostile files quarantined byte-exact with reasons, odd names,
signed PDFs kept byte-exact, PDFs with text not OCR'd again, quarantine retry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pikepdf

from archive.signing import SigningIdentity, check_pdf_signatures
from tests.conftest import json_lines, run_cli
from tests.scans import DEFAULT_LINES, write_scan


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bad_inputs_are_quarantined_with_specific_reasons(fresh_home: Path, tmp_path: Path
                                                          ) -> None:
    src = tmp_path / "drop"
    src.mkdir()
    good = write_scan(src / "tốt.pdf", DEFAULT_LINES)
    (src / "scan_0099.pdf").write_bytes(b"")
    (src / "IMG_0450.jpg").write_text("Ghi chú giao ban\n", encoding="utf-8")
    truncated = src / "bao_cao_thang_9.pdf"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pikepdf.open(good) as pdf:
        pdf.save(src / "SCAN_0102.pdf", encryption=pikepdf.Encryption(user="u", owner="o", R=6))
    result = run_cli(fresh_home, "ingest", "--json", str(src))
    outcomes = {Path(o["source"]).name: o for o in json_lines(result.stdout)}
    expected = {"scan_0099.pdf": "empty", "IMG_0450.jpg": "unsupported",
                "bao_cao_thang_9.pdf": "truncated", "SCAN_0102.pdf": "encrypted"}
    for name, code in expected.items():
        assert outcomes[name]["status"] == "quarantined"
        assert outcomes[name]["reason_code"] == code
        assert outcomes[name]["reason"]
    assert outcomes["tốt.pdf"]["status"] == "archived"

    status = json_lines(run_cli(fresh_home, "status", "--json").stdout)[0]
    assert status["counts"]["quarantined"] == 4
    assert status["counts"]["archived"] == 1
    listed = {q["source"]: q["reason"] for q in status["quarantine"]}
    assert set(listed) == set(expected)
    # Each original is in the quarantine byte-exact, with its reason beside it.
    for job_dir in (fresh_home / "work" / "quarantine").iterdir():
        reason = json.loads((job_dir / "reason.json").read_text(encoding="utf-8"))
        original = job_dir / "original"
        assert _sha(original) == reason["sha256"] == _sha(src / reason["original_name"])
        assert reason["reason_code"] == expected[reason["original_name"]]


def test_odd_names_never_become_paths(fresh_home: Path, tmp_path: Path) -> None:
    src = tmp_path / "drop"
    names = ["..%2F..%2Fetc%2Fpasswd.pdf", "Kế hoạch số 41 (bản scan).pdf", "x" * 240 + ".pdf"]
    for name in names:
        write_scan(src / name, [*DEFAULT_LINES, name[:30]])
    outcomes = json_lines(run_cli(fresh_home, "ingest", "--json", str(src)).stdout)
    assert {o["status"] for o in outcomes} == {"archived"}
    for outcome in outcomes:
        view = json_lines(run_cli(fresh_home, "show", "--json", outcome["doc_id"]).stdout)[0]
        assert view["original_name"] in {n if len(n) <= 200 else n[:199] + "…" for n in names}
        # Stored files are named by hash, inside the home.
        assert Path(view["archival_path"]).resolve().is_relative_to(fresh_home.resolve())
    assert not (tmp_path / "etc").exists()


def test_signed_pdf_is_archived_byte_exact(fresh_home: Path, tmp_path: Path) -> None:
    """A PDF someone else signed keeps its bytes, so its signature still validates."""
    other = SigningIdentity(tmp_path / "other-org-keys")
    other.generate("Ủy ban nhân dân phường khác")
    base = write_scan(tmp_path / "base.pdf", DEFAULT_LINES)
    text_pdf = tmp_path / "with-text.pdf"
    import ocrmypdf

    ocrmypdf.ocr(base, text_pdf, language=["vie"], output_type="pdf", progress_bar=False)
    signed = tmp_path / "TB25_ky_so.pdf"
    other.sign_pdf(text_pdf, signed, reason="Ký số", location="Hà Nội")
    outcome = json_lines(run_cli(fresh_home, "ingest", "--json", str(signed)).stdout)[0]
    assert outcome["status"] == "archived"
    view = json_lines(run_cli(fresh_home, "show", "--json", outcome["doc_id"]).stdout)[0]
    stored = Path(view["archival_path"]).read_bytes()
    assert stored == signed.read_bytes()
    assert view["archival_path"] == view["original_path"]
    check = check_pdf_signatures(stored, other.trust_roots())
    assert check.ok
    found = json_lines(run_cli(fresh_home, "search", "--json", "tiếp công dân").stdout)[0]
    assert outcome["doc_id"] in {h["doc_id"] for h in found["hits"]}
    audit = json_lines(run_cli(fresh_home, "audit", "--json").stdout)[-1]
    assert audit["ok"], audit["problems"]


def test_pdf_with_a_text_layer_is_not_ocrd_again(fresh_home: Path, tmp_path: Path) -> None:
    import ocrmypdf

    base = write_scan(tmp_path / "base.pdf", DEFAULT_LINES)
    text_pdf = tmp_path / "born-digital.pdf"
    ocrmypdf.ocr(base, text_pdf, language=["vie"], output_type="pdf", progress_bar=False)
    # Word exports page transitions (/Trans): the PDF/A writer must not refuse them.
    with pikepdf.open(text_pdf, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            page.obj["/Trans"] = pikepdf.Dictionary(S=pikepdf.Name("/R"))
        pdf.save(text_pdf)
    outcome = json_lines(run_cli(fresh_home, "ingest", "--json", str(text_pdf)).stdout)[0]
    assert outcome["status"] == "archived"
    record_obj = None
    import sqlite3

    with sqlite3.connect(fresh_home / "catalog.db") as db:
        record_obj = db.execute("SELECT record_object FROM documents WHERE doc_id = ?",
                                (outcome["doc_id"],)).fetchone()[0]
    record = json.loads((fresh_home / "store" / "objects" / record_obj[:2] / record_obj)
                        .read_bytes())
    assert [p["ocr_done"] for p in record["pages"]] == [False]
    # a page with text of its own is neither turned nor levelled, and the record says so
    assert [(p["rotated_cw"], p["skew_deg"]) for p in record["pages"]] == [(0, 0.0)]
    assert "tiếp công dân" in record["pages"][0]["text"]


def test_quarantined_file_can_be_retried(fresh_home: Path, tmp_path: Path) -> None:
    """Rejected under one setting, accepted after the operator changes it: the same bytes."""
    scan = write_scan(tmp_path / "scan.pdf", DEFAULT_LINES)
    strict = {"SOHOA_INGEST__MAX_PAGES": "0"}
    outcome = json_lines(run_cli(fresh_home, "ingest", "--json", str(scan), env=strict).stdout)[0]
    assert outcome["status"] == "quarantined" and outcome["reason_code"] == "too_many_pages"
    qid = outcome["job_id"]
    # the original waits in the quarantine beside its reason; nothing is left half-claimed
    assert (fresh_home / "work" / "quarantine" / qid / "reason.json").is_file()
    assert not any((fresh_home / "work" / "processing").iterdir())
    retried = json_lines(run_cli(fresh_home, "quarantine", "retry", qid, "--json").stdout)
    assert retried[-1]["status"] == "archived"
    assert retried[-1]["sha256"] == _sha(scan)
    status = json_lines(run_cli(fresh_home, "status", "--json").stdout)[0]
    assert status["counts"]["quarantined"] == 0 and status["counts"]["archived"] == 1
    events = (fresh_home / "log" / "events.jsonl").read_text(encoding="utf-8")
    assert '"type":"quarantine_retry"' in events
    audit = json_lines(run_cli(fresh_home, "audit", "--json").stdout)[-1]
    assert audit["ok"], audit["problems"]
