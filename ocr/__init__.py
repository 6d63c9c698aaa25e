"""OCR stage: a scan in, an unsigned PDF/A-2b with per-page text out.

Public surface: `OcrRequest`, `prepare`, `render_pages`, `recognise`, `text_of_born_digital`.
Everything that parses the hostile file or calls tesseract runs in a child process with a
wall-clock timeout and a memory ceiling, in a RAM-backed work directory.
"""

from ocr.engine import (
    OcrRequest,
    check_environment,
    prepare,
    recognise,
    render_pages,
    text_of_born_digital,
)

__all__ = [
    "OcrRequest",
    "check_environment",
    "prepare",
    "recognise",
    "render_pages",
    "text_of_born_digital",
]
