"""Generate poor scans to tune the OCR stage on, away from the evaluation corpus.

    python bench/ocr_devset.py OUT_DIR
    python bench/ocr_quality.py --corpus OUT_DIR --no-plain      # then, e.g.

The first four documents of `samples/` (their text, layout and stamps) scanned badly, at
three severities: 150 dpi greyscale, blur, grain, specks, yellowed paper, uneven light, a
skew, JPEG quality 22-25, one page turned sideways. Written as image PDFs with a manifest in
the dev corpus's format (`text_per_page` as ground truth), so `bench/ocr_quality.py` reads it
like the dev corpus. The thresholds of the clean-up and the correction were set on these and
on `samples/` (docs/ocr.md); the dev corpus stays the evaluation set.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "samples"))

import make_samples  # noqa: E402

from tools.docgen import Degradation, ground_truth, render, save_pdf  # noqa: E402

# (prefix, blur, grain, paper tone, specks, uneven light, skew, JPEG quality, font size)
SEVERITIES = [
    ("HARD", 0.7, 14.0, 0.3, 4e-4, 0.08, 0.6, 25, 14.0),
    ("POOR", 1.0, 8.0, 0.7, 1.5e-3, 0.10, 1.6, 25, 14.0),
    ("BAD", 1.3, 18.0, 0.9, 3e-3, 0.15, 3.3, 22, 13.0),
]


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for s_no, (prefix, blur, grain, tone, specks, light, skew, quality, font_pt) in \
            enumerate(SEVERITIES):
        for n, sample in enumerate(make_samples.SAMPLES[:4]):
            degradation = Degradation(
                skew_deg=skew * (1 if n % 2 else -0.9), blur_sigma=blur + 0.1 * n,
                noise_sigma=grain + 2 * n, paper_tone=tone, speckle=specks, illumination=light)
            spec = dataclasses.replace(sample.spec, dpi=150, color_mode="gray", font_pt=font_pt,
                                       degradation=degradation, seed=100 * (s_no + 1) + n)
            rendered = render(spec)
            pages = list(rendered.pages)
            if n == 1:
                pages[-1] = pages[-1].rotate(90, expand=True)  # fed in sideways
            name = f"{prefix}_{n}.pdf"
            save_pdf(pages, out / name, 150, jpeg_quality=quality)
            entries.append(ground_truth(rendered, name, "pdf"))
    (out / "manifest.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    print(f"{len(entries)} documents, {sum(e['pages'] for e in entries)} pages in {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
