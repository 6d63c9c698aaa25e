"""Fault injection for the crash tests.

`SOHOA_CRASH_AT=<step>` makes the process SIGKILL itself when it reaches that step: no clean-up,
no flush, exactly like a power cut or `kill -9`. Steps are named where they are called; the list
is `STEPS`. Never set in production; reading one environment variable costs nothing.
"""

from __future__ import annotations

import os
import signal

STEPS = (
    "claim_renamed",  # inbox file renamed into processing, job row not yet written
    "claimed",  # job row written, processing about to start
    "validated",
    "ocr_done",
    "classified",
    "signed",
    "intent",  # pending objects recorded in the job row
    "objects_written",  # open store objects written, catalog row not yet
    "catalog_written",  # catalog row written, event not yet
    "log_written",
    "indexed",
    "released",  # claimed original removed, job not yet marked done
    "vault_objects_written",
    "vault_catalog_written",
)


def crash_point(step: str) -> None:
    if os.environ.get("SOHOA_CRASH_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)
