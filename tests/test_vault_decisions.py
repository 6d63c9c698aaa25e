"""The vault through the real CLI: copy register, officers' decisions (keep a held TUYỆT MẬT
document, destroy, declassify), the vault's own encrypted index, and no plaintext left behind.

Two synthetic one-page scans are ingested once (real OCR, classification, signing, vault): a MẬT
plan carrying a made-up code name, and a TUYỆT MẬT plan (held before OCR). Each test works on a
copy of that home; `sohoa audit` must stay clean after every decision.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import json_lines, run_cli
from tests.scans import write_scan

PHRASE = "Thạchlĩnh Quảngđông"  # a code name no other fixture uses
SECRET_LINES = ["ĐẢNG ỦY PHƯỜNG PHÚC LỢI", "KẾ HOẠCH bảo vệ mục tiêu",
                f"mật danh {PHRASE}", "Không được phép sao, chụp."]
HELD_LINES = ["ĐẢNG ỦY PHƯỜNG PHÚC LỢI", "KẾ HOẠCH phòng thủ khu vực", "phương án Bạchmãlĩnh"]
AUTHORISATION = "03-CV/ĐU"
SCANNER = "Nguyễn Văn Ba"


def _events(home: Path) -> list[dict]:
    return [json.loads(line) for line in (home / "log" / "events.jsonl").read_text().splitlines()]


def _audit_ok(home: Path) -> None:
    report = json.loads(run_cli(home, "audit", "--json", check=False).stdout)
    assert report["ok"], report["problems"]


def _objects(home: Path, zone: str) -> set[str]:
    return {p.name for p in (home / zone / "objects").rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def vault_base(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("vault")
    secret = write_scan(base / "ke_hoach_mat.pdf", SECRET_LINES, stamp="MẬT")
    held = write_scan(base / "ke_hoach_tm.pdf", HELD_LINES, stamp="TUYỆT MẬT")
    home = base / "home"
    started = time.time()
    outputs = [run_cli(home, "init")]
    outputs.append(run_cli(home, "ingest", "--json", "--authorisation", AUTHORISATION,
                           "--scanned-by", SCANNER, str(secret), str(held)))
    outcomes = {Path(o["source"]).name: o for o in json_lines(outputs[-1].stdout)}
    assert outcomes["ke_hoach_mat.pdf"]["status"] == "classified", outcomes
    assert outcomes["ke_hoach_tm.pdf"]["status"] == "held", outcomes
    return {"home": home, "secret": outcomes["ke_hoach_mat.pdf"]["doc_id"],
            "held": outcomes["ke_hoach_tm.pdf"]["doc_id"], "started": started,
            "outputs": outputs}


@pytest.fixture
def home(vault_base: dict, tmp_path: Path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(vault_base["home"], target, symlinks=True)
    return target


def test_copy_register_listing_and_reading(vault_base: dict, home: Path) -> None:
    secret, held = vault_base["secret"], vault_base["held"]
    # The register and the stubs need no passphrase; they hold no content.
    copies = json.loads(run_cli(home, "vault", "copies", "--json",
                                env={"SOHOA_VAULT_PASSPHRASE": ""}).stdout)["copies"]
    scans = {c["doc_id"]: c for c in copies if c["kind"] == "scan"}
    assert set(scans) == {secret, held}
    assert scans[secret]["numbers"] == [1] and scans[secret]["state"] == "made"
    assert scans[secret]["authorisation"] == AUTHORISATION and scans[secret]["by"] == SCANNER
    listed = json.loads(run_cli(home, "vault", "list", "--json",
                                env={"SOHOA_VAULT_PASSPHRASE": ""}).stdout)
    stubs = {d["doc_id"]: d for d in listed["documents"]}
    assert stubs[secret]["level"] == "mat" and stubs[held]["status"] == "held"
    assert set(stubs[secret]) == {"doc_id", "level", "status", "received_at", "pages", "review",
                                  "copies"}
    # Reading needs the passphrase (exit 7 without it, or with a wrong one) and is logged.
    for env in ({"SOHOA_VAULT_PASSPHRASE": ""}, {"SOHOA_VAULT_PASSPHRASE": "wrong-passphrase"}):
        assert run_cli(home, "vault", "show", secret, env=env, check=False).returncode == 7
        assert run_cli(home, "vault", "search", "mật danh", env=env,
                       check=False).returncode == 7
    view = json.loads(run_cli(home, "vault", "show", secret, "--by", "can_bo_doc",
                              "--json").stdout)
    assert view["level"] == "mat" and view["copies"][0]["authorisation"] == AUTHORISATION
    event = _events(home)[-1]
    assert event["type"] == "access" and event["actor"] == "cli:can_bo_doc"
    assert event["doc_id"] == secret and event["data"]["action"] == "show"
    # An export takes the next number in the register.
    out = json.loads(run_cli(home, "export", "--ids", secret, "--recipient", _public_key(),
                             "--out",
                             str(home.parent / "x.age"), "--json").stdout)
    assert out["documents"][0]["copy"] == 2
    copies = json.loads(run_cli(home, "vault", "copies", secret, "--json").stdout)["copies"]
    assert [(c["kind"], c["numbers"], c["state"]) for c in copies] == [
        ("scan", [1], "made"), ("export", [2], "made")]


def _public_key() -> str:
    import pyrage

    return str(pyrage.x25519.Identity.generate().to_public())


def test_vault_search_decrypts_into_memory_only(vault_base: dict, home: Path) -> None:
    secret = vault_base["secret"]
    hits = json.loads(run_cli(home, "vault", "search", "thachlinh quangdong",
                              "--json").stdout)["hits"]
    assert [h["doc_id"] for h in hits] == [secret] and hits[0]["level"] == "mat"
    # The open search knows nothing of it; the held document has no text to find yet.
    assert json.loads(run_cli(home, "search", PHRASE, "--json").stdout)["total"] == 0
    assert json.loads(run_cli(home, "vault", "search", "Bạchmãlĩnh", "--json").stdout)[
        "total"] == 0
    searches = [e for e in _events(home) if e["type"] == "vault_search"]
    assert [e["data"]["doc_ids"] for e in searches] == [[secret], []]
    event = searches[0]
    assert "Thạch" not in json.dumps(event, ensure_ascii=False)  # the query is not logged
    assert not (home / "vault" / "index").exists()


def test_keep_a_held_document(vault_base: dict, home: Path) -> None:
    held = vault_base["held"]
    assert run_cli(home, "vault", "keep", held, "--by", "x", check=False).returncode == 2
    out = json.loads(run_cli(home, "vault", "keep", held, "--reference", "05-QĐ/ĐU", "--by",
                             "bi_thu", "--json").stdout)
    assert out == {"doc_id": held, "status": "classified", "secrecy": "tuyet_mat"}
    event = _events(home)[-1]
    assert event["type"] == "keep" and event["actor"] == "cli:bi_thu"
    assert event["data"]["reference"] == "05-QĐ/ĐU" and event["data"]["level"] == "tuyet_mat"
    # Processed now: its text is in the vault's index, never in the open one.
    # (A phrase of ordinary words: the made-up code name is at the OCR's mercy.)
    query = '"phòng thủ khu vực"'
    hits = json.loads(run_cli(home, "vault", "search", query, "--json").stdout)["hits"]
    assert [h["doc_id"] for h in hits] == [held]
    assert json.loads(run_cli(home, "search", query, "--json").stdout)["total"] == 0
    assert not _objects(home, "store")
    _audit_ok(home)
    # Kept once: a second decision is refused.
    again = run_cli(home, "vault", "keep", held, "--reference", "x", check=False)
    assert again.returncode == 2 and "not held" in again.stderr


def test_destroy_leaves_a_record_and_nothing_else(vault_base: dict, home: Path) -> None:
    held = vault_base["held"]
    before = _objects(home, "vault")
    out = json.loads(run_cli(home, "vault", "destroy", held, "--reference", "07-BB/ĐU",
                             "--by", "bi_thu", "--json").stdout)
    assert out["doc_id"] == held and out["level"] == "tuyet_mat" and out["removed_objects"] == 2
    event = _events(home)[-1]
    assert event["type"] == "destroy" and event["actor"] == "cli:bi_thu"
    assert event["data"]["reference"] == "07-BB/ĐU" and len(event["data"]["sha256"]) == 64
    removed = set(event["data"]["removed_vault_objects"])
    assert removed < before and not removed & _objects(home, "vault")
    listed = json.loads(run_cli(home, "vault", "list", "--json").stdout)
    assert held not in {d["doc_id"] for d in listed["documents"]}
    assert [d["doc_id"] for d in listed["destroyed"]] == [held]
    _audit_ok(home)
    again = run_cli(home, "vault", "destroy", held, "--reference", "x", check=False)
    assert again.returncode == 3
    # The copy register keeps its lines: what was copied stays accounted for.
    copies = json.loads(run_cli(home, "vault", "copies", held, "--json").stdout)["copies"]
    assert [c["kind"] for c in copies] == ["scan"]


def test_an_interrupted_destruction_is_reported_then_finished(vault_base: dict,
                                                              home: Path) -> None:
    """The event is written first: a crash after it leaves the row, which the audit reports and
    the same command finishes."""
    import sqlite3

    held = vault_base["held"]
    db = home / "vault" / "catalog.db"
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT * FROM documents WHERE doc_id = ?", (held,)).fetchone()
        columns = [d[0] for d in conn.execute("SELECT * FROM documents").description]
    run_cli(home, "vault", "destroy", held, "--reference", "07-BB/ĐU")
    with sqlite3.connect(db) as conn:  # the crash: the catalog row is still there
        conn.execute(f"INSERT INTO documents ({', '.join(columns)}) VALUES "
                     f"({', '.join('?' * len(columns))})", row)
    report = json.loads(run_cli(home, "audit", "--json", check=False).stdout)
    assert not report["ok"]
    assert {(p["doc_id"], p["kind"]) for p in report["problems"]} >= {(held, "catalog")}
    assert run_cli(home, "vault", "destroy", held, "--reference", "07-BB/ĐU",
                   check=False).returncode == 3
    assert sum(1 for e in _events(home) if e["type"] == "destroy") == 1
    _audit_ok(home)


@pytest.mark.parametrize("which", ["secret", "held"])
def test_declassify_moves_it_to_the_open_archive(vault_base: dict, home: Path,
                                                 which: str) -> None:
    doc_id = vault_base[which]
    # (Ordinary words for the held one: its made-up code name is at the OCR's mercy.)
    needle = "Thạchlĩnh" if which == "secret" else '"phòng thủ khu vực"'
    assert json.loads(run_cli(home, "search", needle, "--json").stdout)["total"] == 0
    assert run_cli(home, "vault", "declassify", doc_id, "--reference", "12-QĐ/ĐU", "--date",
                   "2026-13-01", check=False).returncode == 2
    out = json.loads(run_cli(home, "vault", "declassify", doc_id, "--reference", "12-QĐ/ĐU",
                             "--date", "2026-01-15", "--by", "bi_thu", "--json").stdout)
    assert out == {"doc_id": doc_id, "status": "archived", "secrecy": "none", "zone": "open"}
    event = _events(home)[-1]
    assert event["type"] == "declassify" and event["actor"] == "cli:bi_thu"
    assert event["data"]["reference"] == "12-QĐ/ĐU" and event["data"]["date"] == "2026-01-15"
    # Open archive and index; gone from the vault and its catalog.
    hits = json.loads(run_cli(home, "search", needle, "--json").stdout)["hits"]
    assert [h["doc_id"] for h in hits] == [doc_id]
    view = json.loads(run_cli(home, "show", doc_id, "--json").stdout)
    assert view["secrecy"] == "none" and view["signature"]["status"] == "valid"
    listed = json.loads(run_cli(home, "vault", "list", "--json").stdout)
    assert doc_id not in {d["doc_id"] for d in listed["documents"]}
    removed = set(event["data"]["removed_vault_objects"])
    assert removed and not removed & _objects(home, "vault")
    assert json.loads(run_cli(home, "vault", "search", needle, "--json").stdout)["total"] == 0
    _audit_ok(home)
    # A proof of its archiving still holds.
    proof = home.parent / "proof.json"
    run_cli(home, "prove", doc_id, "-o", str(proof))
    assert run_cli(home, "verify-proof", str(proof), check=False).returncode == 0


def _variants(text: str) -> list[bytes]:
    from sohoa.vntext import fold

    out = set()
    for word in text.split():
        for form in (word, word.lower(), fold(word)):
            for norm in ("NFC", "NFD"):
                out.add(unicodedata.normalize(norm, form).encode("utf-8"))
    return sorted(out)


def _files_since(root: Path, since: float) -> list[Path]:
    out = []
    for dirpath, _dirs, names in os.walk(root, onerror=lambda e: None):
        for name in names:
            path = Path(dirpath) / name
            try:
                st = path.lstat()
            except OSError:
                continue
            if path.is_file() and not path.is_symlink() and st.st_mtime >= since - 1 \
                    and st.st_size < 512 << 20:
                out.append(path)
    return out


def test_no_plaintext_left_on_disk(tmp_path: Path) -> None:
    """After a classified document went through ingest, the vault's search, an export and an
    officer's keep (OCR in RAM): its code name is nowhere in plaintext (UTF-8, NFC or NFD, with
    or without marks) in the home, the temporary directories or the logs, and no page image of
    it is left anywhere."""
    # A file name can itself be secret: this one must not be kept or logged either.
    secret = write_scan(tmp_path / "mat-q7x.pdf", SECRET_LINES, stamp="MẬT")
    held = write_scan(tmp_path / "tm.pdf", HELD_LINES, stamp="TUYỆT MẬT")
    since = time.time()
    home = tmp_path / "home"
    logs = [run_cli(home, "init")]
    logs.append(run_cli(home, "ingest", "--json", str(secret), str(held)))
    outcomes = json_lines(logs[-1].stdout)
    ids = {Path(o["source"]).name: o["doc_id"] for o in outcomes}
    # Work directories are named after the job or document (another engineer's runs may have
    # theirs in /dev/shm at the same time).
    ours = tuple(f"sohoa-{x[:8]}" for o in outcomes for x in (o["job_id"], o["doc_id"])) + (
        "sohoa-export-", "sohoa-verify-")
    # The vault does hold the text (else this test proves nothing): its own index finds it.
    found = run_cli(home, "vault", "search", PHRASE, "--json")
    assert json.loads(found.stdout)["total"] == 1
    logs.append(run_cli(home, "export", "--ids", ids["mat-q7x.pdf"], "--recipient", _public_key(),
                        "--out", str(tmp_path / "x.age")))
    logs.append(run_cli(home, "vault", "keep", ids["tm.pdf"], "--reference", "05-QĐ/ĐU"))
    logs.append(run_cli(home, "audit"))
    needles = _variants(PHRASE) + _variants("Bạchmãlĩnh")
    roots = {home, Path("/tmp"), Path("/dev/shm"),  # noqa: S108
             Path(os.environ.get("TMPDIR", "/tmp"))}  # noqa: S108
    leaks, images = [], []
    for root in roots:
        for path in _files_since(root, since):
            mine = root == home or any(part.startswith(ours) for part in path.parts)
            if mine and path.suffix.lower() in (".png", ".ppm", ".pbm", ".pgm", ".tif",
                                                ".tiff", ".jpg"):
                images.append(path)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            leaks += [(path, n) for n in needles if n in data]
            if root == home and b"mat-q7x" in data:
                leaks.append((path, b"mat-q7x"))
    assert not leaks, leaks[:10]
    assert not images, images[:10]
    # What the commands logged (stderr), and printed when they are not reading for an officer.
    for result in [*logs, found]:
        text = (result.stderr + ("" if result is found else result.stdout)).encode()
        assert not [n for n in needles if n in text], result.args
        assert b"mat-q7x" not in result.stderr.encode(), result.args
    assert not [p for p in Path("/dev/shm").iterdir()  # noqa: S108
                if p.name.startswith(ours) and p.stat().st_mtime >= since - 1]
