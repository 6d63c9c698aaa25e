"""Web stage: the archivist's browser interface (Flask). Shows; never decides.

`create_app(settings)` builds the app; views call the stages' public functions and render.
Jinja autoescaping is on for every template: OCR text and file names are hostile.
"""

from __future__ import annotations

from web.app import create_app

__all__ = ["create_app"]
