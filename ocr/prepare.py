"""Turn any accepted input into a PDF that ocrmypdf takes, without losing image quality.

Images: alpha flattened on white, palette and CMYK converted, frames of a multi-page TIFF kept in
order, JPEG embedded without re-encoding. A resolution that is missing or not credible (phone
photos say 72 dpi) is replaced by the resolution that makes the page A4 wide, the format of
Vietnamese administrative documents (Nghị định 30/2020, Hướng dẫn 36).
"""

from __future__ import annotations

from pathlib import Path

from sohoa.records import InputKind

A4_WIDTH_IN = 8.27
A4_HEIGHT_IN = 11.69
MIN_CREDIBLE_DPI = 100


def effective_dpi(size: tuple[int, int], declared: tuple[float, float] | None) -> int:
    """DPI to assume for an image of `size` pixels whose file declares `declared`."""
    if declared and min(declared) >= MIN_CREDIBLE_DPI:
        # Trust the file unless it makes the page absurdly large or small.
        width_in = size[0] / declared[0]
        if 2.0 <= width_in <= 20.0:
            return int(round(declared[0]))
    short_px, long_px = sorted(size)
    dpi = max(short_px / A4_WIDTH_IN, long_px / A4_HEIGHT_IN)
    return int(max(50, min(1200, round(dpi))))


def image_to_pdf(source: Path, kind: InputKind, target: Path, workdir: Path) -> list[int]:
    """Write `target` (one page per frame); return the DPI used per page."""
    import img2pdf
    from PIL import Image

    frames: list[Path | bytes] = []
    dpis: list[int] = []
    with Image.open(source) as img:
        n = getattr(img, "n_frames", 1)
        for index in range(n):
            img.seek(index)
            dpi = effective_dpi(img.size, _declared_dpi(img))
            dpis.append(dpi)
            if kind is InputKind.JPEG and img.mode in ("RGB", "L") and n == 1:
                frames.append(source.read_bytes())  # no re-encoding of a JPEG
                continue
            frame = img.copy()
            if frame.mode in ("RGBA", "LA") or (frame.mode == "P" and "transparency" in frame.info):
                rgba = frame.convert("RGBA")
                white = Image.new("RGB", rgba.size, (255, 255, 255))
                white.paste(rgba, mask=rgba.split()[-1])
                frame = white
            elif frame.mode in ("P", "CMYK", "YCbCr", "LAB", "HSV"):
                frame = frame.convert("RGB")
            elif frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                frame = frame.convert("L")
            out = workdir / f"frame-{index:04d}.png"
            frame.save(out, format="PNG", dpi=(dpi, dpi))
            frames.append(out)
    with open(target, "wb") as fh:
        if len(set(dpis)) == 1:
            fh.write(img2pdf.convert(*_inputs(frames), layout_fun=_layout(dpis[0])))
        else:
            # img2pdf takes one layout for all pages: convert page by page and join.
            import pikepdf

            joined = pikepdf.new()
            for index, frame in enumerate(frames):
                part = workdir / f"page-{index:04d}.pdf"
                part.write_bytes(img2pdf.convert(*_inputs([frame]), layout_fun=_layout(dpis[index])))
                with pikepdf.open(part) as single:
                    joined.pages.extend(single.pages)
            joined.save(fh)
    return dpis


def _inputs(frames: list[Path | bytes]) -> list[str | bytes]:
    return [str(f) if isinstance(f, Path) else f for f in frames]


def _layout(dpi: int):  # type: ignore[no-untyped-def]
    import img2pdf

    def fun(imgwidthpx, imgheightpx, ndpi):  # type: ignore[no-untyped-def]
        return img2pdf.default_layout_fun(imgwidthpx, imgheightpx, (dpi, dpi))

    return fun


def _declared_dpi(img: object) -> tuple[float, float] | None:
    info = getattr(img, "info", {})
    dpi = info.get("dpi")
    if dpi and len(dpi) == 2:
        try:
            x, y = float(dpi[0]), float(dpi[1])
        except (TypeError, ValueError):
            return None
        return (x, y) if x > 0 and y > 0 else None
    return None


def input_kind_is_image(kind: InputKind) -> bool:
    return kind in (InputKind.JPEG, InputKind.PNG, InputKind.TIFF)
