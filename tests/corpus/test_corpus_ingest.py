"""The whole shared dev corpus through `sohoa ingest`, as a scanner operator would drop it
(run by `make test-corpus`; reads $SOHOA_CORPUS).

Issue 2: every document outside bad/ reaches a final state; those whose manifest secrecy is not
`none` never appear in open search; a distinctive phrase of each non-secret document finds it,
typed with and without diacritics. Issue 3: every file in bad/ gets the behaviour its manifest
`expected` says, and nothing is written outside the home.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from sohoa.vntext import fold
from tests.conftest import json_lines, run_cli

CORPUS = Path(os.environ.get("SOHOA_CORPUS", "")) / "dev"
FINAL = {"archived", "classified", "duplicate", "quarantined", "held"}
WORD = re.compile(r"\w+")

# manifest `expected` of a rejected file -> the reason code it must be quarantined with
REJECT_CODES = {
    "empty file": {"empty"},
    "truncated PDF": {"truncated"},
    "not an image": {"unsupported", "corrupt"},
    "encrypted PDF": {"encrypted"},
    "decompression bomb": {"image_too_large"},
    "PDF has no pages": {"no_pages"},
    "unsupported format": {"unsupported"},
    "PDF contains JavaScript": {"javascript"},
}


def _manifest() -> list[dict]:
    assert (CORPUS / "manifest.json").exists(), f"no corpus at {CORPUS} (set SOHOA_CORPUS)"
    return json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    """A fresh home with docs/ and bad/ ingested in one command, as folders."""
    root = tmp_path_factory.mktemp("corpus")
    home = root / "home"
    # A copy, so the check that nothing was written beside the inputs sees only our files.
    inputs = root / "inputs"
    shutil.copytree(CORPUS / "docs", inputs / "docs")
    shutil.copytree(CORPUS / "bad", inputs / "bad")
    before = {p.relative_to(root) for p in root.rglob("*")}
    run_cli(home, "init")
    result = run_cli(home, "ingest", "--json", str(inputs / "docs"), str(inputs / "bad"),
                     timeout=3600)
    outcomes = {}
    for line in json_lines(result.stdout):
        rel = Path(line["source"]).resolve().relative_to(inputs.resolve())
        outcomes[rel.as_posix()] = line
    after = {p.relative_to(root) for p in root.rglob("*")}
    outside = {p for p in after - before if p.parts[0] != "home"}
    assert not outside, f"written outside the home: {sorted(map(str, outside))[:10]}"
    return home, outcomes


def test_every_file_gets_its_expected_behaviour(corpus_home: tuple[Path, dict[str, dict]]
                                                ) -> None:
    home, outcomes = corpus_home
    manifest = _manifest()
    assert set(outcomes) == {e["file"] for e in manifest}
    by_file = {e["file"]: e for e in manifest}
    for name, entry in by_file.items():
        got = outcomes[name]
        expected = entry["expected"]
        assert got["status"] in FINAL, (name, got)
        assert len(got["sha256"]) == 64
        if expected.startswith(("reject:", "quarantine:")):
            codes = [c for key, c in REJECT_CODES.items() if key in expected]
            assert codes, f"no reason code known for {expected!r}"
            assert got["status"] == "quarantined", (name, got)
            assert got.get("reason_code") in codes[0], (name, got)
            assert got["reason"], name
        elif expected == "dedupe":
            assert got["status"] == "duplicate", (name, got)
        elif entry.get("secrecy", "none") == "none":
            assert got["status"] == "archived", (name, got)
            assert got["secrecy"] == "none"
        else:
            assert got["status"] in {"classified", "held"}, (name, got)
            assert got["secrecy"] == entry["secrecy"], (name, got)
    # The quarantine keeps each rejected original byte-exact, with its reason.
    status = json_lines(run_cli(home, "status", "--json").stdout)[0]
    rejected = [o for o in outcomes.values() if o["status"] == "quarantined"]
    assert status["counts"]["quarantined"] == len(rejected)
    assert all(q["reason"] for q in status["quarantine"])


def test_signed_pdf_is_archived_byte_exact(corpus_home: tuple[Path, dict[str, dict]]) -> None:
    home, outcomes = corpus_home
    for name, entry in ((e["file"], e) for e in _manifest()):
        if entry["expected"] != "archive-as-is: signed":
            continue
        got = outcomes[name]
        view = json_lines(run_cli(home, "show", "--json", got["doc_id"]).stdout)[0]
        assert Path(view["archival_path"]).read_bytes() == (CORPUS / name).read_bytes()


def test_odd_file_names_are_kept_in_the_record(corpus_home: tuple[Path, dict[str, dict]]
                                               ) -> None:
    home, outcomes = corpus_home
    db = sqlite3.connect(home / "catalog.db")
    names = {row[0] for row in db.execute("SELECT original_name FROM documents")}
    db.close()
    assert "Kế hoạch số 41 (bản scan).pdf" in names
    assert "..%2F..%2Fetc%2Fpasswd.pdf" in names


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _distinctive_phrase(entry: dict, others: Counter[str]) -> str:
    """Three consecutive body words of the document that no other document has together."""
    lines = [line["text"] for page in entry.get("lines_per_page", []) for line in page
             if line.get("role") == "body"]
    if not lines:  # entries without line roles: the text of page 2 on (past the header)
        lines = [line for text in entry["text_per_page"][1:] or entry["text_per_page"]
                 for line in text.splitlines()]
    for text in lines:
        words = [w for w in _words(text) if not w.isdigit()]
        for i in range(len(words) - 2):
            window = " ".join(words[i:i + 3])
            if others[fold(window)] == 1 and all(len(w) > 1 for w in words[i:i + 3]):
                return window
    raise AssertionError(f"{entry['file']}: no distinctive phrase")


def _search(home: Path, query: str) -> list[str]:
    out = json_lines(run_cli(home, "search", "--json", "--limit", "50", query).stdout)[0]
    return [h["doc_id"] for h in out["hits"]]


def test_open_documents_are_found_and_classified_ones_never(
    corpus_home: tuple[Path, dict[str, dict]],
) -> None:
    home, outcomes = corpus_home
    manifest = [e for e in _manifest() if e.get("text_per_page") and
                outcomes[e["file"]]["status"] in {"archived", "classified", "held"}]
    windows: Counter[str] = Counter()
    for entry in manifest:
        seen = set()
        for text in entry["text_per_page"]:
            words = _words(text)
            seen |= {fold(" ".join(words[i:i + 3])) for i in range(len(words) - 2)}
        windows.update(seen)
    classified = {outcomes[e["file"]]["doc_id"] for e in manifest if e["secrecy"] != "none"}
    missed = []
    for entry in manifest:
        doc_id = outcomes[entry["file"]]["doc_id"]
        phrase = _distinctive_phrase(entry, windows)
        for query in (f'"{phrase}"', f'"{fold(phrase)}"', entry["abstract"],
                      fold(entry["abstract"])):
            hits = _search(home, query)
            assert not classified & set(hits), (entry["file"], query)
            if entry["secrecy"] == "none" and doc_id not in hits[:5]:
                missed.append((entry["file"], query))
    assert not missed, missed
