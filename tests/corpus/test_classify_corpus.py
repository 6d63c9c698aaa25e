"""Secrecy on the shared dev corpus (run by `make test-corpus`; reads $SOHOA_CORPUS).

Runs the classification benchmark (bench/classify_eval.py: the pipeline's renders and OCR text,
cached under .cache/bench/classify) on the readable documents of docs/ and bad/ and asserts the
issue's targets: no classified document decided non-secret, at least 95 % of the non-secret
ones decided non-secret without review. The first run OCRs every file (several minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import classify_eval  # noqa: E402


def _corpus() -> Path:
    dev = classify_eval.default_corpus()  # $SOHOA_CORPUS/dev, else the nearest ../shared
    assert (dev / "manifest.json").exists(), f"no corpus at {dev} (set SOHOA_CORPUS)"
    return dev


def test_no_classified_document_is_decided_open() -> None:
    summary = classify_eval.evaluate(_corpus(), REPO / ".cache" / "bench" / "classify",
                                     ground_truth_text=False, only=[], verbose=False,
                                     metadata=False)
    leaks = [r["file"] for r in summary["rows"]
             if r["expected"] != "none" and r["decided"] == "none"]
    assert not leaks, f"classified documents decided non-secret: {leaks}"
    assert summary["classified_recall"] == 1.0
    assert summary["non_secret_clean_share"] >= 0.95, summary["confusion"]
    # TUYỆT MẬT is held (before OCR when its stamp is seen).
    for row in summary["rows"]:
        if row["expected"] == "tuyet_mat":
            assert row["decided"] == "tuyet_mat", row["file"]
