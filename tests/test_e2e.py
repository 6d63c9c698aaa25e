"""End to end on the project's own samples: scans in, signed PDF/A out, found by search,
classified ones nowhere in the open archive, audit clean and tamper-evident.

Real tesseract, ocrmypdf, pyHanko and Whoosh; the samples are ingested once per session
(`samples_home` in conftest.py).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from archive.signing import SigningIdentity, check_pdf_signatures
from sohoa.vntext import fold
from tests.conftest import SAMPLES, json_lines, run_cli

MANIFEST = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
BY_FILE = {Path(entry["file"]).name: entry for entry in MANIFEST}
FINAL = {"archived", "classified", "duplicate", "quarantined", "held"}


def _outcome_for(outcomes: list[dict], name: str) -> dict:
    matches = [o for o in outcomes if Path(o["source"]).name == name]
    assert len(matches) == 1, f"{name}: {matches}"
    return matches[0]


def test_every_sample_reaches_its_expected_state(samples_home: tuple[Path, list[dict]]) -> None:
    _, outcomes = samples_home
    assert len(outcomes) == len(BY_FILE)
    for name, entry in BY_FILE.items():
        outcome = _outcome_for(outcomes, name)
        assert outcome["status"] in FINAL
        assert len(outcome["sha256"]) == 64
        if entry["secrecy"] == "none":
            assert outcome["status"] == "archived", outcome
            assert outcome["secrecy"] == "none"
            assert outcome["doc_id"]
        else:
            assert outcome["status"] in {"classified", "held"}, outcome
            assert outcome["secrecy"] == entry["secrecy"]


def test_show_gives_metadata_signature_and_readable_files(
    samples_home: tuple[Path, list[dict]],
) -> None:
    home, outcomes = samples_home
    identity = SigningIdentity(home / "keys")
    for outcome in outcomes:
        if outcome["status"] != "archived":
            continue
        view = json_lines(run_cli(home, "show", "--json", outcome["doc_id"]).stdout)[0]
        for key in ("doc_id", "status", "secrecy", "sha256", "metadata", "signature",
                    "original_path", "archival_path"):
            assert key in view
        for key in ("doc_type", "number_symbol", "date", "issuing_body", "abstract", "signer"):
            assert key in view["metadata"]
        assert view["signature"]["status"] == "valid"
        original = Path(view["original_path"]).read_bytes()
        import hashlib

        assert hashlib.sha256(original).hexdigest() == view["sha256"]
        archival = Path(view["archival_path"]).read_bytes()
        check = check_pdf_signatures(archival, identity.trust_roots())
        assert check.ok, check
        assert b"pdfaid:part" in archival  # PDF/A identification in the XMP packet


def test_metadata_of_open_samples(samples_home: tuple[Path, list[dict]]) -> None:
    home, outcomes = samples_home
    for name, entry in BY_FILE.items():
        if entry["secrecy"] != "none":
            continue
        outcome = _outcome_for(outcomes, name)
        meta = json_lines(run_cli(home, "show", "--json", outcome["doc_id"]).stdout)[0]["metadata"]
        assert meta["doc_type"] == entry["doc_type"], name
        assert fold(meta["number_symbol"]) == fold(entry["number_symbol"]), name
        assert meta["date"] == entry["date"], name


def _search(home: Path, query: str) -> dict:
    return json_lines(run_cli(home, "search", "--json", "--limit", "50", query).stdout)[0]


@pytest.mark.parametrize("accents", [True, False], ids=["with-diacritics", "without"])
def test_a_distinctive_phrase_finds_each_open_sample(
    samples_home: tuple[Path, list[dict]], accents: bool
) -> None:
    home, outcomes = samples_home
    for name, entry in BY_FILE.items():
        if entry["secrecy"] != "none":
            continue
        doc_id = _outcome_for(outcomes, name)["doc_id"]
        for phrase in entry["search_phrases"]:
            query = phrase if accents else fold(phrase)
            result = _search(home, query)
            found = [h["doc_id"] for h in result["hits"]]
            assert doc_id in found, f"{query!r} did not find {name}"


def test_classified_samples_never_reach_open_search_or_store(
    samples_home: tuple[Path, list[dict]],
) -> None:
    home, outcomes = samples_home
    secret = [(name, e) for name, e in BY_FILE.items() if e["secrecy"] != "none"]
    assert secret, "the samples must include a classified document"
    open_ids = {o["doc_id"] for o in outcomes if o["status"] == "archived"}
    for name, entry in secret:
        outcome = _outcome_for(outcomes, name)
        for phrase in entry["search_phrases"]:
            for query in (phrase, fold(phrase)):
                hits = {h["doc_id"] for h in _search(home, query)["hits"]}
                assert outcome["doc_id"] not in hits
                assert hits <= open_ids
        # The original's bytes are nowhere in the open store.
        assert not (home / "store" / "objects" / outcome["sha256"][:2] / outcome["sha256"]).exists()
        with sqlite3.connect(home / "catalog.db") as db:
            assert db.execute("SELECT COUNT(*) FROM documents WHERE sha256 = ?",
                              (outcome["sha256"],)).fetchone()[0] == 0
        view = json_lines(run_cli(home, "show", "--json", outcome["doc_id"]).stdout)[0]
        assert view["metadata"] == {} and "archival_path" not in view


def test_duplicate_is_recorded_not_archived_twice(samples_home_copy: tuple[Path, list[dict]],
                                                  tmp_path: Path) -> None:
    home, outcomes = samples_home_copy
    first = next(o for o in outcomes if o["status"] == "archived")
    copy = tmp_path / "bản sao (1).pdf"
    shutil.copy(first["source"], copy)
    again = json_lines(run_cli(home, "ingest", "--json", str(copy)).stdout)[0]
    assert again["status"] == "duplicate"
    assert again["doc_id"] == first["doc_id"]
    with sqlite3.connect(home / "catalog.db") as db:
        assert db.execute("SELECT COUNT(*) FROM documents WHERE sha256 = ?",
                          (first["sha256"],)).fetchone()[0] == 1


def test_audit_is_clean_after_ingest(samples_home: tuple[Path, list[dict]]) -> None:
    home, _ = samples_home
    result = run_cli(home, "audit", "--json")
    report = json_lines(result.stdout)[-1]
    assert report["ok"] and report["problems"] == []
    assert report["checked"] > 0


def _audit(home: Path) -> tuple[int, dict]:
    result = run_cli(home, "audit", "--json", check=False)
    return result.returncode, json_lines(result.stdout)[-1]


def test_audit_detects_one_flipped_byte(samples_home_copy: tuple[Path, list[dict]]) -> None:
    home, outcomes = samples_home_copy
    doc = next(o for o in outcomes if o["status"] == "archived")
    view = json_lines(run_cli(home, "show", "--json", doc["doc_id"]).stdout)[0]
    target = Path(view["archival_path"])
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, report = _audit(home)
    assert code == 1 and not report["ok"]
    kinds = {(p["doc_id"], p["kind"]) for p in report["problems"]}
    assert (doc["doc_id"], "modified") in kinds


def test_audit_detects_an_edited_log_line(samples_home_copy: tuple[Path, list[dict]]) -> None:
    home, _ = samples_home_copy
    log_path = home / "log" / "events.jsonl"
    lines = log_path.read_text(encoding="utf-8").splitlines()
    victim = next(i for i, line in enumerate(lines) if '"type":"archive"' in line)
    lines[victim] = lines[victim].replace('"pages":', '"pages":1', 1)
    log_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, report = _audit(home)
    assert code == 1
    assert any(p["kind"] in {"log_broken", "tree_head"} for p in report["problems"])


def test_audit_detects_bytes_appended_after_eof(samples_home_copy: tuple[Path, list[dict]]
                                               ) -> None:
    home, outcomes = samples_home_copy
    doc = next(o for o in outcomes if o["status"] == "archived")
    view = json_lines(run_cli(home, "show", "--json", doc["doc_id"]).stdout)[0]
    target = Path(view["archival_path"])
    target.chmod(0o644)
    with open(target, "ab") as fh:
        fh.write(b"\n% appended after the signature\n")
    code, report = _audit(home)
    assert code == 1
    assert any(p["doc_id"] == doc["doc_id"] for p in report["problems"])
