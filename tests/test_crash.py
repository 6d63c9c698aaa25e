"""`kill -9` at every step of the pipeline loses nothing and duplicates nothing.

For each fault-injection step (sohoa/faults.py) a new scan is dropped into the inbox and
`sohoa watch --once` is started with SOHOA_CRASH_AT=<step>: the process SIGKILLs itself there.
A second, clean `sohoa watch --once` must finish the work. After each round the store, catalog,
event log and index must agree (`sohoa audit`), every file is archived exactly once, and nothing
is left in the inbox or the processing area.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

import pytest

from sohoa.faults import STEPS
from tests.conftest import json_lines, run_cli
from tests.scans import DEFAULT_LINES, write_scan

FAST = {
    "SOHOA_INGEST__QUIET_SECONDS": "0.2",
    "SOHOA_INGEST__RESCAN_SECONDS": "1",
    "SOHOA_INGEST__WORKERS": "1",
}
OPEN_STEPS = [s for s in STEPS if not s.startswith("vault_")]
VAULT_STEPS = ["classified", "signed", "intent", "vault_objects_written",
               "vault_catalog_written", "log_written"]


def _counts(home: Path) -> tuple[int, int, dict[str, int]]:
    with sqlite3.connect(home / "catalog.db") as db:
        open_docs = db.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM documents").fetchone()
    with sqlite3.connect(home / "vault" / "catalog.db") as db:
        vault_docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert open_docs[0] == open_docs[1], "two catalog rows for the same original"
    events: dict[str, int] = {}
    for line in (home / "log" / "events.jsonl").read_text(encoding="utf-8").splitlines():
        ev = json.loads(line)
        if ev["type"] in ("archive", "vault"):
            key = f"{ev['type']}:{ev['doc_id']}"
            events[key] = events.get(key, 0) + 1
    return open_docs[0], vault_docs, events


def _assert_consistent(home: Path, expected_open: int, expected_vault: int) -> None:
    audit = run_cli(home, "audit", "--json", check=False)
    report = json_lines(audit.stdout)[-1]
    assert report["ok"], report["problems"]
    open_docs, vault_docs, events = _counts(home)
    assert open_docs == expected_open
    assert vault_docs == expected_vault
    assert all(n == 1 for n in events.values()), f"an event was logged twice: {events}"
    assert len(events) == expected_open + expected_vault
    assert not any((home / "inbox").iterdir()), "a file was left in the inbox"
    processing = home / "work" / "processing"
    assert not any(processing.iterdir()), "a claimed original was left behind"
    status = json_lines(run_cli(home, "status", "--json").stdout)[-1]
    assert status["counts"]["queued"] == 0 and status["counts"]["processing"] == 0


@pytest.mark.slow
def test_kill9_at_every_step_loses_nothing(fresh_home: Path) -> None:
    home = fresh_home
    inbox = home / "inbox"
    open_count = vault_count = 0
    rounds = [(step, "") for step in OPEN_STEPS] + [(step, "MẬT") for step in VAULT_STEPS]
    for number, (step, stamp) in enumerate(rounds):
        lines = [*DEFAULT_LINES, f"Bản kiểm tra số {number} bước {step}"]
        write_scan(inbox / f"round-{number:02d}.pdf", lines, stamp=stamp)
        crashed = run_cli(home, "watch", "--once", env={**FAST, "SOHOA_CRASH_AT": step},
                          check=False, timeout=300)
        assert crashed.returncode == -signal.SIGKILL, (
            f"step {step} was never reached: {crashed.stderr[-2000:]}"
        )
        run_cli(home, "watch", "--once", env=FAST, timeout=300)
        if stamp:
            vault_count += 1
        else:
            open_count += 1
        _assert_consistent(home, open_count, vault_count)
