"""The web test home plus one document waiting for review, ingested by the real CLI.

The document is an open notice with a red single-border urgency stamp (KHẨN) in its header: the
stamp is evidence with a box on page 1 (level "none": urgency is not secrecy). Its catalog row is
then flagged for review with the reason a blurred scan gets (`low_ocr_confidence:1`): the OCR
engine does not report word confidences yet, so the pipeline itself would not flag a clean scan.
The record, index entry and events are the pipeline's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageDraw, ImageFont

from archive.catalog import Catalog, with_status
from tests.browser.webhome import (
    FONT_BOLD,
    WebHome,
    _page,
    _pdf,
    copy_web_home,
    shared_web_home,
)
from tests.conftest import json_lines, run_cli

REVIEW_PHRASE = "phòng cháy chữa cháy"
REVIEW_NUMBER = "44/TB-UBND"


@dataclass(frozen=True)
class ReviewHome:
    web: WebHome
    review_id: str

    @property
    def home(self) -> Path:
        return self.web.home


def make_review_scan(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    img = _page([
        ("ỦY BAN NHÂN DÂN PHƯỜNG HÀNG TRỐNG", 30, True),
        (f"Số {REVIEW_NUMBER}", 30, False),
        ("Hàng Trống, ngày 05 tháng 6 năm 2025", 28, False),
        ("", 20, False),
        ("", 20, False),
        ("", 20, False),
        ("THÔNG BÁO", 40, True),
        (f"về kiểm tra {REVIEW_PHRASE} khu dân cư", 32, True),
        ("", 20, False),
        ("Ủy ban nhân dân phường thông báo lịch kiểm tra tại các", 28, False),
        ("tổ dân phố trong tháng 6 năm 2025.", 28, False),
    ])
    draw = ImageDraw.Draw(img)
    red = (200, 20, 30)
    # KHẨN: about 20 x 8 mm at 150 dpi, one border line, below the number.
    box = (130, 274, 270, 324)
    draw.rectangle(box, outline=red, width=4)
    draw.text(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2), "KHẨN",
              font=ImageFont.truetype(FONT_BOLD, 30), fill=red, anchor="mm")
    return _pdf(img, folder / "thong-bao-44.pdf")


def build_review_home(shared: WebHome, root: Path) -> ReviewHome:
    web = copy_web_home(shared, root)
    scan = make_review_scan(root / "scans")
    result = run_cli(web.home, "ingest", "--json", str(scan))
    outcome = json_lines(result.stdout)[0]
    assert outcome["status"] == "archived", outcome
    catalog = Catalog(web.home / "catalog.db")
    try:
        row = catalog.get(outcome["doc_id"])
        assert row is not None
        catalog.update_document(with_status(row, review=True, classification={
            **row.classification, "review_reasons": ["low_ocr_confidence:1"]}))
    finally:
        catalog.close()
    shown = json.loads(run_cli(web.home, "review", "show", outcome["doc_id"], "--json").stdout)
    assert shown["review"] is True, shown
    return ReviewHome(web, outcome["doc_id"])


_BUILT: dict[str, ReviewHome] = {}


def shared_review_home(tmp_path_factory) -> ReviewHome:  # type: ignore[no-untyped-def]
    """One per test session (one more page of OCR), shared by the client and browser tests."""
    if "home" not in _BUILT:
        shared = shared_web_home(tmp_path_factory)
        _BUILT["home"] = build_review_home(shared, tmp_path_factory.mktemp("reviewhome"))
    return _BUILT["home"]


def copy_review_home(shared: ReviewHome, target: Path) -> ReviewHome:
    return ReviewHome(copy_web_home(shared.web, target), shared.review_id)
