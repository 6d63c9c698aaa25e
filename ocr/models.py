"""The Vietnamese OCR model: which one, where it lives, how `make` installs it.

Debian's `tesseract-ocr-vie` is the small "fast" LSTM model. The npm registry package
`@tesseract.js-data/vie` carries two more: `4.0.0` (the tessdata "legacy + LSTM" model) and
`4.0.0_best_int` (the "best" LSTM model, integer-quantised). `bench/ocr_quality.py` measures
them; the winner is `DEFAULT_MODEL`.

The model is installed into ``<venv>/share/sohoa/tessdata`` beside links to the system's `eng`
and `osd` models, so one TESSDATA_PREFIX serves `vie` (or `vie+eng`) and orientation detection.

    python -m ocr.models install [--model NAME]
    python -m ocr.models path
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

NPM_PACKAGE = "@tesseract.js-data/vie@1.0.0"
# name -> path inside the npm tarball, sha256 of the gunzipped traineddata
MODELS: dict[str, tuple[str, str]] = {
    "best_int": ("package/4.0.0_best_int/vie.traineddata.gz", ""),
    "tessdata_4": ("package/4.0.0/vie.traineddata.gz", ""),
}
DEFAULT_MODEL = "best_int"
SYSTEM_TESSDATA = [Path("/usr/share/tesseract-ocr/5/tessdata"),
                   Path("/usr/share/tesseract-ocr/4.00/tessdata")]


def install_dir() -> Path:
    return Path(sys.prefix) / "share" / "sohoa" / "tessdata"


def installed_dir() -> Path | None:
    """The tessdata directory to use, or None for tesseract's own default."""
    path = install_dir()
    return path if (path / "vie.traineddata").exists() else None


def _system_tessdata() -> Path | None:
    for path in SYSTEM_TESSDATA:
        if (path / "eng.traineddata").exists():
            return path
    return None


def install(model: str = DEFAULT_MODEL) -> Path:
    member, expected_sha = MODELS[model]
    target = install_dir()
    marker = target / "MODEL"
    if marker.exists() and marker.read_text().strip() == model and (
        target / "vie.traineddata"
    ).exists() and (target / "configs").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tar:
            extracted = tar.extractfile(member)
            if extracted is None:
                raise SystemExit(f"{member} is not in {NPM_PACKAGE}")
            data = gzip.decompress(extracted.read())
    if expected_sha and hashlib.sha256(data).hexdigest() != expected_sha:
        raise SystemExit(f"model {model}: checksum mismatch")
    tmp_file = target / "vie.traineddata.tmp"
    with open(tmp_file, "wb") as fh:
        shutil.copyfileobj(io.BytesIO(data), fh)
    tmp_file.replace(target / "vie.traineddata")
    system = _system_tessdata()
    if system is None:
        raise SystemExit("tesseract's eng/osd models are missing: apt-get install tesseract-ocr")
    # eng and osd models, and the configs/ that ocrmypdf asks tesseract for (hocr, txt, pdf).
    for other in ("eng.traineddata", "osd.traineddata", "configs", "tessconfigs", "pdf.ttf"):
        link = target / other
        if not link.exists() and (system / other).exists():
            link.symlink_to(system / other)
    marker.write_text(model + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr.models")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("install")
    p.add_argument("--model", choices=sorted(MODELS), default=DEFAULT_MODEL)
    sub.add_parser("path")
    args = parser.parse_args(argv)
    if args.cmd == "install":
        print(install(args.model))
    else:
        print(installed_dir() or "(system tessdata)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
