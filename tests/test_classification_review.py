"""The review queue through the real CLI: confirm, correct metadata, raise secrecy.

One synthetic, readable, non-secret page is ingested (real OCR, signing, index); each test works
on its own copy of that home.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import json_lines, run_cli

FONT = next(p for p in (Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
                        Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")) if p.exists())
WORD = "Khoáibảo"  # one made-up word of the body, to find its traces on disk
BODY = [
    "Thực hiện Kế hoạch của Thành ủy Hà Nội về đẩy mạnh cải cách hành chính trong",
    "các cơ quan Đảng, Ban Thường vụ Đảng ủy phường Phúc Lợi xây dựng Kế hoạch triển",
    "khai thực hiện chuyển đổi số năm 2025 như sau: nâng cao chất lượng công tác văn thư,",
    f"lưu trữ; số hóa hồ sơ, tài liệu; ứng dụng chữ ký số {WORD} trong các cơ quan Đảng.",
    "Các chi bộ trực thuộc quán triệt, tổ chức thực hiện nghiêm túc, báo cáo kết quả về",
    "Văn phòng Đảng ủy trước ngày 30 tháng 11 năm 2025 để tổng hợp, báo cáo cấp trên.",
]


def _draw_page(path: Path) -> None:
    dpi = 200
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(str(FONT), 36)

    def centred(x: float, y: int, text: str) -> None:
        d.text((x - d.textlength(text, font=f) / 2, y), text, font=f, fill="black")

    centred(w * 0.3, 150, "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI")
    centred(w * 0.3, 200, "ĐẢNG ỦY PHƯỜNG PHÚC LỢI")
    centred(w * 0.3, 300, "Số 27-KH/ĐU")
    centred(w * 0.72, 150, "ĐẢNG CỘNG SẢN VIỆT NAM")
    centred(w * 0.72, 300, "Phúc Lợi, ngày 15 tháng 8 năm 2025")
    centred(w / 2, 420, "KẾ HOẠCH")
    centred(w / 2, 480, "triển khai thực hiện chuyển đổi số năm 2025")
    y = 600
    for line in BODY:
        d.text((int(w * 0.14), y), line, font=f, fill="black")
        y += 60
    d.text((int(w * 0.14), y + 40), "Nơi nhận:", font=f, fill="black")
    d.text((int(w * 0.14), y + 90), "- Lưu VPĐU.", font=f, fill="black")
    centred(w * 0.72, y + 40, "T/M BAN THƯỜNG VỤ")
    centred(w * 0.72, y + 90, "BÍ THƯ")
    centred(w * 0.72, y + 260, "Trần Minh Quang")
    im.save(path, dpi=(dpi, dpi))


@pytest.fixture(scope="module", params=["tantivy", "whoosh"])
def reviewed_home(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("review")
    page = base / "ke_hoach.png"
    _draw_page(page)
    home = base / "home"
    run_cli(home, "init")
    settings = home / "sohoa.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('# backend = "tantivy"', f'backend = "{request.param}"'),
                        encoding="utf-8")
    outcome = json_lines(run_cli(home, "ingest", "--json", str(page)).stdout)[0]
    assert outcome["status"] == "archived", outcome
    return home, outcome["doc_id"]


@pytest.fixture
def home(reviewed_home: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    source, doc_id = reviewed_home
    target = tmp_path / "home"
    shutil.copytree(source, target, symlinks=True)
    return target, doc_id


def _search_total(home: Path, query: str) -> int:
    return int(json.loads(run_cli(home, "search", query, "--json").stdout)["total"])


def _index_versions(home: Path) -> list[str]:
    return [p.name for p in (home / "index").iterdir() if p.is_dir() and not p.is_symlink()]


def _events(home: Path) -> list[dict]:
    return [json.loads(line) for line in (home / "log" / "events.jsonl").read_text().splitlines()]


def _show(home: Path, doc_id: str) -> dict:
    return json.loads(run_cli(home, "show", doc_id, "--json").stdout)


def _files_holding(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_confirm_clears_review_and_logs_who(home: tuple[Path, str]) -> None:
    path, doc_id = home
    out = json.loads(run_cli(path, "review", "confirm", doc_id, "--by", "can_bo_a",
                             "--json").stdout)
    assert out == {"doc_id": doc_id, "zone": "open", "status": "archived", "secrecy": "none",
                   "review": False}
    view = _show(path, doc_id)
    assert view["review"] is False
    assert view["classification"]["reviewed"]["by"] == "cli:can_bo_a"
    event = _events(path)[-1]
    assert event["type"] == "review_confirm" and event["actor"] == "cli:can_bo_a"
    assert event["doc_id"] == doc_id and event["ts"]
    listed = json.loads(run_cli(path, "review", "list", "--json").stdout)
    assert doc_id not in {i["doc_id"] for i in listed["items"]}
    assert json.loads(run_cli(path, "audit", "--json", check=False).stdout)["ok"]


def test_metadata_correction_is_a_new_version_and_an_event(home: tuple[Path, str]) -> None:
    path, doc_id = home
    before = _show(path, doc_id)
    run_cli(path, "review", "correct", doc_id, "--set", "abstract=Kế hoạch thử nghiệm sửa tay",
            "--set", "signer=Trần Minh Quang", "--set", "recipients=- Như trên, | - Lưu VPĐU.",
            "--by", "can_bo_b")
    view = _show(path, doc_id)
    assert view["metadata"]["abstract"] == "Kế hoạch thử nghiệm sửa tay"
    assert view["metadata"]["recipients"] == ["- Như trên,", "- Lưu VPĐU."]
    assert view["archival_sha256"] == before["archival_sha256"]  # the signed copy is untouched
    event = _events(path)[-1]
    assert event["type"] == "review_correct" and event["actor"] == "cli:can_bo_b"
    change = event["data"]["changes"]["abstract"]
    assert change == {"before": before["metadata"]["abstract"],
                      "after": "Kế hoạch thử nghiệm sửa tay"}
    assert event["data"]["previous_record_sha256"] != event["data"]["record_sha256"]
    hits = json.loads(run_cli(path, "search", "thử nghiệm sửa tay", "--json").stdout)["hits"]
    assert [h["doc_id"] for h in hits] == [doc_id]
    report = json.loads(run_cli(path, "audit", "--json", check=False).stdout)
    assert report["ok"], report  # the earlier record version is still a committed object


def test_unknown_field_is_refused(home: tuple[Path, str]) -> None:
    path, doc_id = home
    result = run_cli(path, "review", "correct", doc_id, "--set", "secret_note=x", check=False)
    assert result.returncode != 0 and "unknown metadata field" in result.stderr


def test_raising_secrecy_moves_the_document_out_of_the_open_zone(home: tuple[Path, str]) -> None:
    path, doc_id = home
    needle = WORD.encode()
    term = WORD.lower().encode()  # the index keeps terms in lower case
    whoosh = 'backend = "whoosh"' in (path / "sohoa.toml").read_text(encoding="utf-8")
    # The made-up word is in the open store and the index before (else this test proves nothing).
    # Whoosh stores terms and text uncompressed, so its files can be searched byte for byte;
    # tantivy compresses them, so there the search API and the index versions are checked.
    assert _files_holding(path / "store", needle)
    assert _files_holding(path / "index", term) if whoosh else _search_total(path, WORD) == 1
    versions_before = _index_versions(path)
    run_cli(path, "review", "correct", doc_id, "--set", "abstract=Nội dung mật sửa tay",
            "--secrecy", "mat", "--by", "can_bo_c")
    view = _show(path, doc_id)
    assert view["secrecy"] == "mat" and view["status"] == "classified"
    assert view["metadata"] == {}
    # Nothing of it is left in the open store, the open index or the open catalog.
    assert not [p for p in (path / "store" / "objects").rglob("*") if p.is_file()]
    assert not _files_holding(path / "index", term)
    assert not _files_holding(path / "index", b"khoaibao")
    assert _search_total(path, WORD) == 0 and _search_total(path, "khoaibao") == 0
    # The index was rebuilt into a new directory and the old one (holding the text) removed.
    assert not set(_index_versions(path)) & set(versions_before)
    assert not _files_holding(path / "catalog.db", needle)
    assert not _files_holding(path / "store", "mật sửa tay".encode())
    hits = json.loads(run_cli(path, "search", "chuyển đổi số", "--json").stdout)
    assert hits["total"] == 0
    # The event says who and what moved, never the secret values.
    event = _events(path)[-1]
    assert event["type"] == "reclassify" and event["actor"] == "cli:can_bo_c"
    assert event["data"]["before"] == "none" and event["data"]["after"] == "mat"
    assert event["data"]["fields"] == ["abstract"]
    log_text = (path / "log" / "events.jsonl").read_bytes()
    assert "mật sửa tay".encode() not in log_text and needle not in log_text
    # Encrypted in the vault: three objects (original, archival copy, record).
    assert len([p for p in (path / "vault" / "objects").rglob("*") if p.is_file()]) == 3
    assert not _files_holding(path / "vault" / "objects", needle)
    report = json.loads(run_cli(path, "audit", "--json", check=False).stdout)
    assert report["ok"], report
    # In the vault, the level can still be raised; TUYỆT MẬT puts it on hold for an officer.
    out = json.loads(run_cli(path, "review", "correct", doc_id, "--secrecy", "tuyet_mat",
                             "--json").stdout)
    assert out["status"] == "held" and out["review"] is True
    listed = json.loads(run_cli(path, "review", "list", "--json").stdout)["items"]
    assert [(i["doc_id"], i["zone"], i["title"]) for i in listed] == [(doc_id, "vault", "")]
    refused = run_cli(path, "review", "correct", doc_id, "--secrecy", "none", check=False)
    assert refused.returncode != 0 and "declassifying" in refused.stderr
