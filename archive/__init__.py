"""Archive stage: keeps documents write-once and proves nothing was altered or lost.

Public surface: `Archive` (store, vault, catalog, event log, signing identity), `NewDocument`,
`audit`, and the records `DocumentRow`, `QuarantineRow`, `SignatureCheck`.
"""

from archive.archive import Archive, NewDocument, utc_iso
from archive.catalog import DocumentRow, QuarantineRow
from archive.signing import SignatureCheck, check_pdf_signatures

__all__ = [
    "Archive",
    "DocumentRow",
    "NewDocument",
    "QuarantineRow",
    "SignatureCheck",
    "check_pdf_signatures",
    "utc_iso",
]
