"""`sohoa audit`: one test per kind of damage, each injected into a real archive built for it.

The archive (tests/test_archive_fixtures.py) holds three open documents (ocrmypdf PDF/A-2b
signed by the archive's own key), one classified document in the vault, a search index and
signed tree heads. Each test damages a private copy the way a disk, a bad restore or an insider
would, and the audit must name exactly the problems the damage causes, no more, no fewer.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from tests.test_archive_fixtures import (
    OPEN_IDS,
    VAULT_IDS,
    audit,
    cli,
    copy_home,
    make_scan,
    new_archive,
    open_service,
    pdfa_source,
    template_home,
)

from archive import Archive
from archive.audit import AuditReport, audit_and_log, in_slice
from archive.catalog import DocumentRow
from search import IndexDocument


def opened(home: Path) -> Archive:
    archive = Archive(home)
    archive.open()
    return archive


def row(archive: Archive, doc_id: str) -> DocumentRow:
    found = archive.get(doc_id)
    assert found is not None
    return found


def write_object(path: Path, data: bytes) -> None:
    """Overwrite an object in place and put its read-only mode back (a careful vandal)."""
    os.chmod(path, 0o644)
    path.write_bytes(data)
    os.chmod(path, 0o444)


def swap_archival(archive: Archive, doc_id: str, data: bytes) -> None:
    """An insider replaces the archival copy *and* updates the catalog to its new hash."""
    old = row(archive, doc_id)
    new_sha = archive.store.put_bytes(data)
    archive.catalog.update_document(replace(old, archival_object=new_sha))
    archive.store.remove_uncommitted(old.archival_object)


def archival_bytes(archive: Archive, doc_id: str) -> bytes:
    return archive.store.read_bytes(row(archive, doc_id).archival_object)


# -- the damage ---------------------------------------------------------------------------------


def missing_original(home: Path) -> None:
    a = opened(home)
    a.store.path_of(row(a, OPEN_IDS[0]).original_object).unlink()


def missing_archival(home: Path) -> None:
    a = opened(home)
    a.store.path_of(row(a, OPEN_IDS[1]).archival_object).unlink()


def missing_record(home: Path) -> None:
    a = opened(home)
    a.store.path_of(row(a, OPEN_IDS[2]).record_object).unlink()


def missing_vault_object(home: Path) -> None:
    a = opened(home)
    a.vault.store.path_of(row(a, VAULT_IDS[0]).original_object).unlink()


def modified_original(home: Path) -> None:
    a = opened(home)
    path = a.store.path_of(row(a, OPEN_IDS[0]).original_object)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20  # one bit of bit rot
    write_object(path, bytes(data))


def appended_after_eof(home: Path) -> None:
    """Bytes appended after %%EOF of an archival PDF, in place."""
    a = opened(home)
    path = a.store.path_of(row(a, OPEN_IDS[1]).archival_object)
    write_object(path, path.read_bytes() + b"\n% an incremental update nobody signed\n")


def appended_after_eof_and_catalog_updated(home: Path) -> None:
    """The same, by an insider who also renames the object and updates the catalog."""
    a = opened(home)
    swap_archival(a, OPEN_IDS[1], archival_bytes(a, OPEN_IDS[1]) + b"\n%%EOF\n")


def changed_inside_signed_range(home: Path) -> None:
    """An edit inside the signed bytes (the document's title in its XMP), catalog updated."""
    a = opened(home)
    data = archival_bytes(a, OPEN_IDS[0])
    at = data.index(b"<x:xmpmeta")
    swap_archival(a, OPEN_IDS[0], data[:at] + b"<x:XMPMETA" + data[at + 10:])


def signed_by_another_organisation(home: Path, tmp: Path) -> None:
    a = opened(home)
    other = new_archive(tmp / "other-organisation")
    other.sign(pdfa_source(), tmp / "foreign.pdf")
    swap_archival(a, OPEN_IDS[2], (tmp / "foreign.pdf").read_bytes())


def not_pdfa_but_validly_signed(home: Path, tmp: Path) -> None:
    """A plain scan (no XMP pdfaid, no OutputIntent) signed with the organisation's own key."""
    a = opened(home)
    scan = make_scan(tmp / "plain.pdf", lines=2)
    a.sign(scan, tmp / "plain-signed.pdf")
    swap_archival(a, OPEN_IDS[2], (tmp / "plain-signed.pdf").read_bytes())


def extra_object(home: Path) -> None:
    opened(home).store.put_bytes(b"an object nobody committed")


def stray_files(home: Path) -> None:
    a = opened(home)
    (a.store.objects / "ab").mkdir(exist_ok=True)
    (a.store.objects / "ab" / "notes.txt").write_text("dropped here")
    (a.store.objects / "README").write_text("dropped here too")


def object_in_the_wrong_folder(home: Path) -> None:
    a = opened(home)
    sha = a.store.put_bytes(b"misplaced")
    path = a.store.path_of(sha)
    wrong = a.store.objects / ("00" if sha[:2] != "00" else "01")
    wrong.mkdir(exist_ok=True)
    path.rename(wrong / sha)


def vault_extra_object(home: Path) -> None:
    opened(home).vault.put_bytes(b"an encrypted object nobody committed")


def writable_object(home: Path) -> None:
    a = opened(home)
    os.chmod(a.store.path_of(row(a, OPEN_IDS[0]).record_object), 0o664)


def record_edited_and_catalog_updated(home: Path) -> None:
    """A metadata record rewritten and re-hashed; the catalog follows, the log cannot."""
    a = opened(home)
    old = row(a, OPEN_IDS[0])
    record = json.loads(a.store.read_bytes(old.record_object))
    record["metadata"]["abstract"] = "nội dung đã bị sửa"
    new_sha = a.store.put_bytes(json.dumps(record).encode())
    a.catalog.update_document(replace(old, record_object=new_sha))
    a.store.remove_uncommitted(old.record_object)


def record_of_another_document(home: Path) -> None:
    a = opened(home)
    one, two = row(a, OPEN_IDS[0]), row(a, OPEN_IDS[1])
    a.catalog.update_document(replace(one, record_object=two.record_object))
    a.store.remove_uncommitted(one.record_object)


def catalog_row_deleted(home: Path) -> None:
    opened(home).catalog.remove_document(OPEN_IDS[2])


def catalog_row_added(home: Path) -> None:
    """A document slipped into the catalog (and the index) without being archived."""
    a = opened(home)
    data = b"%PDF-1.7\n% a document that never went through the archive\n"
    sha = a.store.put_bytes(data)
    record = a.store.put_bytes(json.dumps({
        "doc_id": "slipped-in", "original": {"sha256": sha}, "archival": {"sha256": sha},
        "metadata": {}, "pages": [{"text": "slipped in"}]}).encode())
    a.catalog.add_document(DocumentRow(
        doc_id="slipped-in", zone="open", status="archived", secrecy="none", sha256=sha,
        size=len(data), original_name="x.pdf", received_at="2024-01-01T00:00:00Z",
        archived_at="2024-01-01T00:00:00Z", original_object=sha, archival_object=sha,
        record_object=record))
    service = open_service(home)
    service.reconcile_index()
    service.close()


def catalog_hash_changed(home: Path) -> None:
    """The catalog's original hash edited behind the archive's back (raw SQL)."""
    with sqlite3.connect(home / "catalog.db") as db:
        db.execute("UPDATE documents SET sha256 = ? WHERE doc_id = ?", ("e" * 64, OPEN_IDS[1]))


def index_missing(home: Path) -> None:
    service = open_service(home)
    service.index.delete([OPEN_IDS[0]])
    service.close()


def index_extra(home: Path) -> None:
    service = open_service(home)
    service.index.add([IndexDocument(doc_id="ghost", title="ghost", text="not in the catalog")])
    service.close()


Damage = Callable[..., None]
CASES: dict[str, tuple[Damage, set[str]]] = {
    "missing original": (missing_original, {"missing"}),
    "missing archival copy": (missing_archival, {"missing"}),
    "missing record": (missing_record, {"missing"}),
    "missing vault object": (missing_vault_object, {"missing"}),
    "bit rot": (modified_original, {"modified"}),
    "appended after %%EOF": (appended_after_eof, {"modified"}),
    "appended after %%EOF, catalog updated": (
        appended_after_eof_and_catalog_updated,
        {"signature", "preflight", "record", "log_mismatch"}),
    "edit inside the signed bytes, catalog updated": (
        changed_inside_signed_range, {"signature", "record", "log_mismatch"}),
    "signed by another organisation": (
        signed_by_another_organisation, {"signature", "record", "log_mismatch"}),
    "not PDF/A, validly signed": (
        not_pdfa_but_validly_signed, {"preflight", "record", "log_mismatch"}),
    "extra object": (extra_object, {"orphan"}),
    "stray files": (stray_files, {"orphan"}),
    "object in the wrong folder": (object_in_the_wrong_folder, {"orphan"}),
    "extra vault object": (vault_extra_object, {"orphan"}),
    "writable object": (writable_object, {"permissions"}),
    "record edited, catalog updated": (record_edited_and_catalog_updated, {"log_mismatch"}),
    "record of another document": (record_of_another_document, {"record", "log_mismatch"}),
    "catalog row deleted": (catalog_row_deleted,
                            {"orphan", "log_unknown_document", "index_extra"}),
    "catalog row added": (catalog_row_added, {"log_missing_event"}),
    "catalog hash edited": (catalog_hash_changed, {"catalog", "record", "log_mismatch"}),
    "index missing a document": (index_missing, {"index_missing"}),
    "index holds a stranger": (index_extra, {"index_extra"}),
}


def test_the_untouched_archive_is_clean() -> None:
    report = audit(template_home())
    assert report.ok, report.problems
    assert report.documents == len(OPEN_IDS) + len(VAULT_IDS)
    assert report.signatures_checked == len(OPEN_IDS)
    assert report.preflights_run == len(OPEN_IDS)
    assert report.checked == 3 * len(OPEN_IDS) + 3 * len(VAULT_IDS)
    assert report.log_size > 0 and report.tree_heads >= 4


@pytest.mark.parametrize("name", list(CASES))
def test_damage_is_found(name: str, tmp_path: Path) -> None:
    damage, expected = CASES[name]
    home = copy_home(tmp_path / "home")
    if damage.__code__.co_argcount == 2:
        damage(home, tmp_path)
    else:
        damage(home)
    report = audit(home)
    assert not report.ok
    assert report.kinds() == expected, [(p.kind, p.detail) for p in report.problems]


def test_classified_content_never_appears_in_the_report(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    missing_vault_object(home)
    report = audit(home)
    text = json.dumps(report.to_json(), ensure_ascii=False)
    assert VAULT_IDS[0] in text  # the document is named by its id only
    assert "thử nghiệm" not in text and "ward committee" not in text


# -- slices -------------------------------------------------------------------------------------


def test_slices_read_every_object_exactly_once_over_n_runs(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    full = audit(home)
    for n in (2, 3, 5):
        reports = [audit(home, slice_k=k, slice_n=n) for k in range(1, n + 1)]
        assert all(r.ok for r in reports)
        assert sum(r.checked for r in reports) == full.checked
        assert sum(r.bytes_hashed for r in reports) == full.bytes_hashed
        assert sum(r.signatures_checked for r in reports) == full.signatures_checked
        assert [r.slice for r in reports] == [f"{k}/{n}" for k in range(1, n + 1)]
    # Damage is found by the slice that holds the object, and by no other.
    modified_original(home)
    a = opened(home)
    sha = row(a, OPEN_IDS[0]).original_object
    found = []
    for k in range(1, 4):
        report = audit(home, slice_k=k, slice_n=3)
        if "modified" in report.kinds():
            found.append(k)
        assert in_slice(sha, k, 3) == ("modified" in report.kinds())
    assert len(found) == 1
    # A missing object is found by every slice: existence is always checked.
    missing_record(home)
    assert all("missing" in audit(home, slice_k=k, slice_n=3).kinds() for k in (1, 2, 3))


# -- report, exit status, the audit's own event -------------------------------------------------


def test_report_json_and_vietnamese_html(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    stray_files(home)
    catalog_row_deleted(home)
    a = opened(home)
    service = open_service(home)
    try:
        report, json_path, html_path = audit_and_log(
            a, actor="test", index_ids=service.index.doc_ids)
    finally:
        service.close()
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["ok"] is False
    assert {p["kind"] for p in data["problems"]} == {"orphan", "log_unknown_document",
                                                     "index_extra"}
    assert json.loads((a.reports / "latest.json").read_text()) == data
    html = html_path.read_text(encoding="utf-8")
    assert "<html lang='vi'>" in html
    assert "Báo cáo kiểm tra toàn vẹn kho lưu trữ" in html
    assert "Tệp thừa" in html and "Tài liệu lạ trong nhật ký" in html
    assert "Dấu vân tay SHA-256 của chứng thư gốc" in html
    assert data["ca_fingerprint"] in html
    # The audit logged itself, with what it found.
    last = json.loads(list(a.log.iter_lines())[-1])
    assert last["type"] == "audit" and last["actor"] == "test"
    assert last["data"]["ok"] is False
    assert last["data"]["kinds"] == ["index_extra", "log_unknown_document", "orphan"]


def test_names_in_the_store_are_escaped_in_the_html(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    a = opened(home)
    (a.store.objects / "<script>alert(1)<").write_text("x")
    report = audit(home)
    from archive.audit import write_report

    _, html_path = write_report(report, tmp_path / "reports")
    html = html_path.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_cli_audit_exit_status_report_and_event(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    clean = cli(home, "audit", "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    out = json.loads(clean.stdout)
    assert out["ok"] is True and Path(out["report"]).exists()
    assert Path(out["report_html"]).exists()
    a = opened(home)
    events = [json.loads(x) for x in a.log.iter_lines()]
    assert events[-1]["type"] == "audit" and events[-1]["data"]["ok"] is True
    # The audit is covered by a signed head, and the report records it.
    assert a.log.tree_heads()[-1].tree_size == len(events)
    assert out["last_head"]["tree_size"] == len(events)
    appended_after_eof(home)
    damaged = cli(home, "audit")
    assert damaged.returncode == 1
    assert "[modified]" in damaged.stdout and "vấn đề" in damaged.stdout
    sliced = cli(home, "audit", "--slice", "2/3", "--json")
    assert json.loads(sliced.stdout)["slice"] == "2/3"
    assert cli(home, "audit", "--slice", "4/3").returncode == 2


def test_report_counts_hashing_throughput() -> None:
    report = AuditReport(bytes_hashed=50_000_000, hash_seconds=0.1)
    assert report.throughput_mb_s == 500.0
    assert report.to_json()["throughput_mb_s"] == 500.0


# -- the real pipeline, end to end --------------------------------------------------------------


@pytest.fixture(scope="module")
def ingested_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """`sohoa init` + `sohoa ingest` of a generated scan, with a timestamp server (B-T)."""
    from tests.test_archive_fixtures import LocalTSA

    base = tmp_path_factory.mktemp("e2e")
    home = base / "home"
    scan = make_scan(base / "ke-hoach.pdf", seed=5)
    with LocalTSA() as tsa:
        assert cli(home, "init").returncode == 0
        tsa.trust_in(home)
        result = cli(home, "ingest", "--json", str(scan),
                     env={"SOHOA_ARCHIVE__TSA_URL": tsa.url})
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    return home, outcome


def test_ingest_then_audit_prove_and_verify(ingested_home: tuple[Path, dict],
                                            tmp_path: Path) -> None:
    source, outcome = ingested_home
    assert outcome["status"] == "archived", outcome
    home = tmp_path / "home"
    import shutil

    shutil.copytree(source, home)
    a = opened(home)
    doc = row(a, outcome["doc_id"])
    record = json.loads(a.store.read_bytes(doc.record_object))
    assert record["archival"]["signature"]["level"] == "B-T"
    assert record["archival"]["signature"]["status"] == "valid"
    result = cli(home, "audit", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["signatures_checked"] == 1 and report["preflights_run"] == 1
    proof = tmp_path / "proof.json"
    assert cli(home, "prove", outcome["doc_id"], "-o", str(proof)).returncode == 0
    pdf = a.store.path_of(doc.archival_object)
    verified = cli(tmp_path, "verify-proof", str(proof), "--document", str(pdf))
    assert verified.returncode == 0, verified.stdout
    # Bytes appended to the archival PDF after %%EOF: the audit fails.
    write_object(pdf, pdf.read_bytes() + b"\n")
    failed = cli(home, "audit", "--json")
    assert failed.returncode == 1
    assert {p["kind"] for p in json.loads(failed.stdout)["problems"]} == {"modified"}


def test_pipeline_refuses_an_archival_copy_that_fails_the_preflight(
        ingested_home: tuple[Path, dict], tmp_path: Path) -> None:
    """`sohoa ingest` where `qpdf --check` finds fault with the signed copy: nothing is
    archived, the original is quarantined with the reason, and the archive still audits clean.

    The qpdf on PATH is the real one followed by a warning and exit status 3 (what qpdf does
    for a damaged file): the signed output of the real OCR and signing is what it checks.
    """
    import shutil

    source, _ = ingested_home
    home = tmp_path / "home"
    shutil.copytree(source, home)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "qpdf"
    real = shutil.which("qpdf")
    fake.write_text(f"#!/bin/sh\n{real} \"$@\"\n"
                    "echo \"WARNING: object 7 0: stream decoding error\" >&2\nexit 3\n")
    fake.chmod(0o755)
    scan = make_scan(tmp_path / "other.pdf", seed=9)
    before = opened(home)
    objects_before = set(before.store.iter_names())
    docs_before = before.catalog.count()
    result = cli(home, "ingest", "--json", str(scan),
                 env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "quarantined", outcome
    assert outcome["reason_code"] == "preflight_failed"
    assert "qpdf --check reports warnings" in outcome["reason"]
    after = opened(home)
    assert after.catalog.count() == docs_before
    assert set(after.store.iter_names()) == objects_before
    assert cli(home, "audit").returncode == 0
