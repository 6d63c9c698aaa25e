"""Page clean-up (ocr/clean.py) on pages from tools/docgen.py, whose skew is known: no OCR."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache

import numpy as np
import pytest

from ocr import clean
from tools.docgen import Degradation, DocSpec, Para, render

BODY = tuple(
    Para(f"Đoạn {i}: đẩy mạnh cải cách hành chính và chuyển đổi số trong các cơ quan Đảng, "
         "bảo đảm lưu trữ hồ sơ điện tử, ký số văn bản và an toàn thông tin theo quy định.")
    for i in range(1, 6)
)
BASE = DocSpec(
    family="party", doc_type="ke_hoach", type_label="KẾ HOẠCH", number_symbol="9-KH/ĐU",
    parent="ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", issuer="ĐẢNG ỦY PHƯỜNG THỬ NGHIỆM", place="Thử Nghiệm",
    date=date(2025, 2, 3), abstract="thử nghiệm bộ sinh tài liệu", body=BODY,
    recipients=("- Lưu VPĐU.",), signer_authority="T/M BAN THƯỜNG VỤ", signer_title="BÍ THƯ",
    signer_name="Nguyễn Văn Thử", dpi=150, seed=7, color_mode="gray",
)


@lru_cache(maxsize=8)
def page(skew: float, dpi: int = 150, noise: float = 4.0) -> np.ndarray:
    spec = replace(BASE, dpi=dpi, degradation=Degradation(
        skew_deg=skew, blur_sigma=0.6, noise_sigma=noise, illumination=0.2, paper_tone=0.5,
        speckle=5e-4))
    return np.asarray(render(spec).pages[0].convert("L"))


def ink_of(gray: np.ndarray, dpi: int) -> np.ndarray:
    norm = clean.remove_margins(clean.normalise(gray, dpi), dpi)
    small, _ = clean._reduce(norm, dpi, clean.ANALYSIS_DPI)
    return (small < clean.INK_LEVEL).astype(np.uint8)


@pytest.mark.parametrize("skew", [-3.3, -0.6, 0.0, 1.2, 4.5])
def test_skew_is_measured_within_a_tenth_of_a_degree(skew: float) -> None:
    gray = page(skew)
    analysis = clean.analyse(clean.remove_margins(clean.normalise(gray, 150), 150), 150)
    # docgen turns the page counter-clockwise by `skew`; the correction turns it back
    assert abs(analysis.skew_deg + skew) <= 0.1
    assert not analysis.blank


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_orientation_of_a_turned_page(turns: int) -> None:
    gray = np.ascontiguousarray(np.rot90(page(0.8), turns))  # counter-clockwise
    found, confidence = clean.text_orientation(ink_of(gray, 150))
    assert found == turns  # clockwise quarter turns that make it upright
    assert confidence > 0.3


def test_blank_separator_page_with_noise_and_a_border_is_blank() -> None:
    rng = np.random.default_rng(1)
    gray = np.clip(rng.normal(235, 6, (1754, 1240)), 0, 255).astype(np.uint8)
    gray[:, :40] = 50  # dark scanner border
    gray[rng.integers(0, 1754, 400), rng.integers(0, 1240, 400)] = 60  # dust
    norm = clean.remove_margins(clean.normalise(gray, 150), 150)
    assert clean.analyse(norm, 150).blank
    assert not clean.analyse(clean.normalise(page(0.0), 150), 150).blank


def test_dark_border_removed_and_text_kept() -> None:
    gray = page(0.0).copy()
    gray[:, -30:] = 40
    gray[:25, :] = 45
    norm = clean.remove_margins(clean.normalise(gray, 150), 150)
    assert norm[:, -30:].min() == 255 and norm[:25, :].min() == 255
    text_area = norm[300:1200, 200:1000]
    assert (text_area < 128).mean() > 0.02  # the letters are still there


def test_uneven_light_is_divided_out() -> None:
    gray = page(0.0, noise=0.0).astype(np.float32)
    ramp = np.linspace(0.55, 1.0, gray.shape[1], dtype=np.float32)[None, :]
    norm = clean.normalise((gray * ramp).astype(np.uint8), 150)
    left, right = norm[:, 20:60], norm[:, -60:-20]
    assert abs(float(np.median(left)) - float(np.median(right))) < 5


def test_ocr_image_of_a_coarse_scan_is_enlarged() -> None:
    img, dpi = clean.for_ocr(page(0.0), 150)
    assert dpi == pytest.approx(clean.OCR_MIN_DPI)
    assert img.shape[0] == pytest.approx(page(0.0).shape[0] * 2, abs=2)


def _grainy(dpi: int = 150, noise: float = 18.0,
            jpeg_quality: int = 22) -> tuple[np.ndarray, str]:
    """A coarse grey scan with heavy grain, saved as a poor JPEG (as the cheapest scanners do),
    and its text."""
    import io

    from PIL import Image

    spec = replace(BASE, dpi=dpi, degradation=Degradation(
        blur_sigma=1.2, noise_sigma=noise, paper_tone=0.9, speckle=2e-3, illumination=0.1))
    rendered = render(spec)
    buf = io.BytesIO()
    rendered.pages[0].convert("L").save(buf, format="JPEG", quality=jpeg_quality)
    return (np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L")),
            rendered.text_per_page[0])


def test_grain_of_a_coarse_grey_scan_is_smoothed() -> None:
    grainy, _ = _grainy()
    assert clean.grain_sigma(grainy) > 2 * clean.GRAIN_SIGMA_MIN
    smoothed = clean.smooth_grain(grainy, 150)
    assert clean.grain_sigma(smoothed) < clean.grain_sigma(grainy) / 2


def test_clean_fine_and_bilevel_scans_are_not_smoothed() -> None:
    quiet = np.asarray(render(replace(BASE, dpi=150)).pages[0].convert("L"))
    assert clean.grain_sigma(quiet) < clean.GRAIN_SIGMA_MIN
    assert clean.smooth_grain(quiet, 150) is quiet
    fine, _ = _grainy(dpi=300)
    assert clean.smooth_grain(fine, 300) is fine  # the 3x3 median's job at this resolution
    bilevel = np.where(page(0.0, 150, 8.0) > 128, 255, 0).astype(np.uint8)
    assert clean.smooth_grain(bilevel, 150) is bilevel


def test_tesseract_reads_a_grainy_coarse_scan_better_smoothed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real tesseract on the OCR image with and without the grain smoothed: grain read
    as letters makes words that are not on the page."""
    import re
    import subprocess
    from collections import Counter

    import cv2

    grainy, text = _grainy()
    truth = Counter(w.lower() for w in re.findall(r"\w+", text))

    def errors(image: np.ndarray) -> int:
        path = tmp_path / "ocr.png"
        cv2.imwrite(str(path), image)
        out = subprocess.run(["tesseract", str(path), "-", "-l", "vie", "--dpi", "300"],
                             capture_output=True, text=True, timeout=300, check=True).stdout
        read = Counter(w.lower() for w in re.findall(r"\w+", out))
        return sum((truth - read).values()) + sum((read - truth).values())

    smoothed_img, _ = clean.for_ocr(grainy, 150)
    original = clean.smooth_grain
    try:
        clean.smooth_grain = lambda gray, dpi: gray  # type: ignore[assignment]
        grainy_img, _ = clean.for_ocr(grainy, 150)
    finally:
        clean.smooth_grain = original  # type: ignore[assignment]
    assert errors(smoothed_img) < errors(grainy_img)
