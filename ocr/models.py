"""The Vietnamese OCR model: which one, where it lives, how `make` installs it.

Debian's `tesseract-ocr-vie` is the small "fast" LSTM model (`fast`, linked). The npm package
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
# name -> path inside the npm tarball, sha256 of the gunzipped traineddata; "fast" is Debian's
# tesseract-ocr-vie, linked rather than downloaded.
MODELS: dict[str, tuple[str, str]] = {
    "fast": ("", ""),
    "best_int": ("package/4.0.0_best_int/vie.traineddata.gz", ""),
    "tessdata_4": ("package/4.0.0/vie.traineddata.gz", ""),
}
# Measured with bench/ocr_quality.py on the dev corpus (docs/ocr.md §2): behind our clean-up
# and correction, Debian's fast model made slightly fewer errors than best_int at the same cost.
DEFAULT_MODEL = "fast"
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
    system = _system_tessdata()
    if model == "fast":
        if system is None or not (system / "vie.traineddata").exists():
            raise SystemExit("Debian's vie model is missing: apt-get install tesseract-ocr-vie")
        _link_system(target, system, ("vie.traineddata",), replace=True)
        marker.write_text(model + "\n")
        return target
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
    if (target / "vie.traineddata").is_symlink():
        (target / "vie.traineddata").unlink()
    tmp_file.replace(target / "vie.traineddata")
    if system is None:
        raise SystemExit("tesseract's eng/osd models are missing: apt-get install tesseract-ocr")
    _link_system(target, system, ())
    marker.write_text(model + "\n")
    return target


def _link_system(target: Path, system: Path, extra: tuple[str, ...], replace: bool = False
                 ) -> None:
    """Links to the system's eng and osd models and the configs/ that ocrmypdf asks tesseract
    for (hocr, txt, pdf), plus `extra` (the fast vie model itself)."""
    for other in (*extra, "eng.traineddata", "osd.traineddata", "configs", "tessconfigs",
                  "pdf.ttf"):
        link = target / other
        if replace and other in extra and (link.exists() or link.is_symlink()):
            link.unlink()
        if not link.exists() and (system / other).exists():
            link.symlink_to(system / other)


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
