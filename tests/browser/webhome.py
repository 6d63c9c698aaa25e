"""A small archive for the web tests: real scans made here, ingested by the real CLI.

Built once per test session (OCR takes seconds per page) and copied for tests that change it.
Holds: an open Party plan, an open decision whose text and file name are hostile HTML, a MẬT
document (red double-border stamp) that goes to the vault, and a damaged file in quarantine.
Users: one per role, each with the password PASSWORD.
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import img2pdf
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import json_lines, run_cli

PASSWORD = "mat-khau-thu-nghiem-1"  # noqa: S105 - test accounts only
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
HOSTILE_NAME = '<img src=x onerror=alert(1)>.pdf'
HOSTILE_TEXT = "<script>alert(1)</script>"
PLAN_PHRASE = "chuyển đổi số toàn diện"
USERS = {  # name: (role, clearance)
    "admin": ("admin", "none"),
    "luutru": ("archivist", "none"),
    "xem": ("viewer", "none"),
    "canbo": ("officer", "mat"),
}


@dataclass(frozen=True)
class WebHome:
    home: Path
    plan_id: str
    hostile_id: str
    secret_id: str
    quarantine_id: str


def _page(lines: list[tuple[str, int, bool]], stamp: str = "") -> Image.Image:
    """An A4 page at 150 dpi with black text; an optional red double-border stamp."""
    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    y = 120
    for text, size, bold in lines:
        font = ImageFont.truetype(FONT_BOLD if bold else FONT, size)
        if text:
            draw.text((110, y), text, font=font, fill=(20, 20, 20))
        y += int(size * 1.7)
    if stamp:
        red = (200, 20, 30)
        font = ImageFont.truetype(FONT_BOLD, 44)
        box = (130, 300, 370, 380)
        draw.rectangle(box, outline=red, width=4)
        draw.rectangle((box[0] + 9, box[1] + 9, box[2] - 9, box[3] - 9), outline=red, width=3)
        draw.text(((box[0] + box[2]) // 2, (box[1] + box[3]) // 2), stamp, font=font, fill=red,
                  anchor="mm")
    return img


def _pdf(img: Image.Image, path: Path) -> Path:
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(150, 150))
    path.write_bytes(img2pdf.convert(buf.getvalue()))
    return path


def make_scans(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    plan = _pdf(_page([
        ("ĐẢNG BỘ QUẬN HOÀN KIẾM", 30, False),
        ("ĐẢNG ỦY PHƯỜNG HÀNG TRỐNG", 30, True),
        ("Số 27-KH/ĐU", 30, False),
        ("Hàng Trống, ngày 15 tháng 8 năm 2025", 28, False),
        ("", 20, False),
        ("KẾ HOẠCH", 40, True),
        ("về cải cách hành chính năm 2025", 32, True),
        ("", 20, False),
        ("Thực hiện chương trình cải cách hành chính của Quận ủy,", 28, False),
        (f"Đảng ủy phường đẩy mạnh {PLAN_PHRASE} trong công tác", 28, False),
        ("lưu trữ văn bản và phục vụ người dân.", 28, False),
    ]), folder / "ke-hoach-27.pdf")
    hostile = _pdf(_page([
        ("ỦY BAN NHÂN DÂN PHƯỜNG HÀNG TRỐNG", 30, True),
        ("Số 12/QĐ-UBND", 30, False),
        ("Hàng Trống, ngày 02 tháng 3 năm 2024", 28, False),
        ("", 20, False),
        ("QUYẾT ĐỊNH", 40, True),
        (f"Về việc kiểm thử {HOSTILE_TEXT}", 32, True),
        ("", 20, False),
        (f"Nội dung {HOSTILE_TEXT} chỉ là chữ, không được chạy.", 28, False),
        ("Giao Văn phòng thực hiện quyết định này.", 28, False),
    ]), folder / HOSTILE_NAME)
    secret = _pdf(_page([
        ("ĐẢNG ỦY PHƯỜNG HÀNG TRỐNG", 30, True),
        ("Số 05-BC/ĐU", 30, False),
        ("", 20, False),
        ("", 20, False),
        ("", 20, False),
        ("BÁO CÁO", 40, True),
        ("về tình hình an ninh nội bộ", 32, True),
        ("", 20, False),
        ("Nội dung báo cáo gồm các đánh giá của Ban Thường vụ.", 28, False),
        ("Nơi nhận: Ban Thường vụ (03 bản). Không được phép sao, chụp.", 26, False),
    ], stamp="MẬT"), folder / "bao-cao-05.pdf")
    damaged = folder / "hong.pdf"
    damaged.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n% the rest of this file is missing\n")
    return {"plan": plan, "hostile": hostile, "secret": secret, "damaged": damaged}


UPLOAD_PHRASE = "lịch tiếp công dân"


def upload_scan_png() -> bytes:
    """A fresh open notice (PNG) for upload tests; not in the shared home."""
    img = _page([
        ("ỦY BAN NHÂN DÂN PHƯỜNG HÀNG TRỐNG", 30, True),
        ("Số 31/TB-UBND", 30, False),
        ("Hàng Trống, ngày 20 tháng 9 năm 2025", 28, False),
        ("", 20, False),
        ("THÔNG BÁO", 40, True),
        (f"về {UPLOAD_PHRASE} tháng 10 năm 2025", 32, True),
        ("", 20, False),
        ("Chủ tịch Ủy ban nhân dân phường tiếp công dân vào", 28, False),
        ("sáng thứ Năm hằng tuần tại trụ sở phường.", 28, False),
    ])
    buf = io.BytesIO()
    img.convert("L").save(buf, format="PNG", dpi=(150, 150))
    return buf.getvalue()


def build_web_home(root: Path) -> WebHome:
    home = root / "home"
    scans = make_scans(root / "scans")
    run_cli(home, "init")
    result = run_cli(home, "ingest", "--json", *(str(p) for p in scans.values()), check=False)
    by_source = {line["source"]: line for line in json_lines(result.stdout)}
    outcomes = {key: by_source.get(str(path), {}) for key, path in scans.items()}
    assert outcomes["plan"]["status"] == "archived", outcomes["plan"]
    assert outcomes["hostile"]["status"] == "archived", outcomes["hostile"]
    assert outcomes["secret"]["status"] == "classified", outcomes["secret"]
    assert outcomes["damaged"]["status"] == "quarantined", outcomes["damaged"]
    for name, (role, clearance) in USERS.items():
        args = ["user", "add", name, "--role", role, "--password-stdin"]
        if clearance != "none":
            args += ["--clearance", clearance]
        run_cli(home, *args, input_text=PASSWORD + "\n")
    (root / "outcomes.json").write_text(json.dumps(outcomes, ensure_ascii=False))
    return WebHome(home, outcomes["plan"]["doc_id"], outcomes["hostile"]["doc_id"],
                   outcomes["secret"]["doc_id"], outcomes["damaged"]["job_id"])


_BUILT: dict[str, WebHome] = {}


def shared_web_home(tmp_path_factory) -> WebHome:  # type: ignore[no-untyped-def]
    """One home per test session, shared by tests/test_web.py and tests/browser/."""
    if "home" not in _BUILT:
        _BUILT["home"] = build_web_home(tmp_path_factory.mktemp("webhome"))
    return _BUILT["home"]


def copy_web_home(shared: WebHome, target: Path) -> WebHome:
    shutil.copytree(shared.home, target / "home", symlinks=True)
    return WebHome(target / "home", shared.plan_id, shared.hostile_id, shared.secret_id,
                   shared.quarantine_id)
