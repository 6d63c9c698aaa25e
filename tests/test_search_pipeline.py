"""The index as the service uses it: documents committed to the real store (without OCR) are
indexed from their records, an outdated index is rebuilt from the store on first use, and
`sohoa reindex` / `sohoa search` work on that home."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from archive import NewDocument
from archive.signing import SignatureCheck
from search import SearchQuery
from search.versions import REBUILD_MARKER
from sohoa.pipeline import Service
from sohoa.records import Classification, DocumentMetadata, InputKind, PageText, Secrecy
from sohoa.settings import load_settings
from tests.conftest import cli_env, run_cli

DOCS = [
    ("d0000000000000000000000000000001", "ke_hoach", "KẾ HOẠCH", "27-KH/ĐU", "2025-08-15",
     "đẩy mạnh cải cách hành chính", "Triển khai cải cách hành chính trong cơ quan Đảng."),
    ("d0000000000000000000000000000002", "bao_cao", "BÁO CÁO", "61-BC/ĐU", "2024-10-10",
     "kết quả thu, nộp đảng phí", "Các chi bộ thu nộp đảng phí đầy đủ <script>x</script>."),
]


def commit_documents(service: Service, tmp_path: Path) -> list[str]:
    ids = []
    for n, (doc_id, dtype, label, number, date, abstract, text) in enumerate(DOCS):
        original = tmp_path / f"scan{n}.pdf"
        original.write_bytes(b"%PDF-1.4\n% test original " + doc_id.encode() + b"\n%%EOF\n")
        data = original.read_bytes()
        meta = DocumentMetadata(family="party", doc_type=dtype, doc_type_label=label,
                                number_symbol=number, date=date, abstract=abstract,
                                issuing_body="ĐẢNG ỦY PHƯỜNG PHÚC LỢI", signer="Đỗ Xuân Khải")
        service.archive.commit_open(NewDocument(
            doc_id=doc_id, job_id=f"job{n}", original_path=original,
            original_name=original.name, sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), kind=InputKind.PDF, received_at="2025-12-01T00:00:00Z",
            classification=Classification(Secrecy.NONE, 0.99, False, metadata=meta),
            pages=(PageText(1, text, 95.0, True),), signed_pdf=None,
            signature=SignatureCheck(present=False),
        ))
        ids.append(doc_id)
    return ids


def test_store_documents_are_indexed_rebuilt_and_searchable(fresh_home: Path,
                                                            tmp_path: Path) -> None:
    os.environ.setdefault("SOHOA_VAULT_PASSPHRASE", cli_env()["SOHOA_VAULT_PASSPHRASE"])
    service = Service(load_settings(fresh_home, environ={})).open()
    ids = commit_documents(service, tmp_path)
    # The pipeline's start-up path: reconcile adds what the catalog has and the index lacks.
    assert service.reconcile_index() == (2, 0)
    hit = service.index.search(SearchQuery("cai cach")).hits[0]
    assert hit.doc_id == ids[0] and hit.number_symbol == "27-KH/ĐU"
    assert hit.title.startswith("Kế hoạch 27-KH/ĐU")
    service.close()

    # A schema change (new release): the next open rebuilds from the store, before searching.
    index = fresh_home / "index"
    (index / "current" / "SCHEMA").write_text("tantivy 0\n")
    service = Service(load_settings(fresh_home, environ={})).open()
    assert service.index.doc_ids() == set(ids)
    assert not (index / REBUILD_MARKER).exists()
    service.close()

    # The CLI on the same home.
    before = os.readlink(index / "current")
    out = json.loads(run_cli(fresh_home, "reindex", "--json").stdout)
    assert out["documents"] == 2 and os.readlink(index / "current") != before
    res = json.loads(run_cli(fresh_home, "search", "--json", "27 KH DU").stdout)
    assert [h["doc_id"] for h in res["hits"]][0] == ids[0]
    res = json.loads(run_cli(fresh_home, "search", "--json", "--type", "bao_cao", "--year",
                             "2024", "đảng phí").stdout)
    assert res["total"] == 1 and res["hits"][0]["doc_id"] == ids[1]
    assert "&lt;" in res["hits"][0]["snippet_html"] and "<script>" not in res["hits"][0][
        "snippet_html"]
    assert res["facets"]["doc_type"] == {"bao_cao": 1}
    res = json.loads(run_cli(fresh_home, "search", "--json", "--from", "2025-01-01",
                             "phường").stdout)
    assert res["total"] == 1 and res["hits"][0]["doc_id"] == ids[0]
